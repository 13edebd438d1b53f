"""The import-linter contracts in pyproject.toml stay complete: the list of private modules
that ``duneq.cli`` and ``duneq.mcp`` may not import names every private module there is."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FACADE = ROOT / "facade" / "duneq"


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def test_public_only_contract_forbids_every_private_module() -> None:
    private = {
        f"duneq.{path.stem if path.is_file() else path.name}"
        for path in FACADE.iterdir()
        if path.name.startswith("_")
        and not path.name.startswith("__")
        and (path.suffix == ".py" or (path / "__init__.py").is_file())
    }
    contract = _contract("public-only")
    assert set(contract["source_modules"]) == {"duneq.cli", "duneq.mcp"}
    assert set(contract["forbidden_modules"]) == private
    assert "duneq._client" in private and "duneq._flows" in private  # the walk found them


def test_the_ci_runs_the_contracts() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "uv run --locked lint-imports" in ci
    assert ci.index("lint-imports") > ci.index("mypy facade")


def test_cli_and_mcp_touch_no_private_attribute() -> None:
    """Only their own objects' private attributes (``self._x``), never a client's."""
    allowed = {("argparse", "_SubParsersAction"), ("sub", "_all_options")}  # stdlib, own parser
    found = []
    for folder in ("cli", "mcp"):
        for path in sorted((FACADE / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                    continue
                if node.attr.startswith("__"):
                    continue
                owner = node.value.id if isinstance(node.value, ast.Name) else "?"
                if owner not in ("self", "cls") and (owner, node.attr) not in allowed:
                    found.append(f"{folder}/{path.name}:{node.lineno} {owner}.{node.attr}")
    assert found == []


def test_the_readme_map_names_every_folder_and_module_of_the_package() -> None:
    """The README's Architecture table tells each behaviour's home: every folder and top-level
    module of ``duneq`` (and every test folder) is in it, by the name on disk."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Architecture: how the code is laid out")
    table = readme[start : readme.index("\n## ", start + 1)]
    on_disk = {
        path.name + ("/" if path.is_dir() else "")
        for path in FACADE.iterdir()
        if path.name != "__pycache__" and (path.suffix == ".py" or (path / "__init__.py").is_file())
    } - {"__main__.py", "py.typed"}
    tests_on_disk = {
        f"{path.name}/"
        for path in (ROOT / "tests").iterdir()
        if path.is_dir() and path.name != "__pycache__"
    }
    named = set(re.findall(r"`(?:facade/duneq/)?([A-Za-z_]+(?:\.py|/))`", table))
    assert on_disk - named == set()
    assert tests_on_disk - named == set()
    assert "_client.py" in on_disk and "_flows/" in on_disk and "unit/" in tests_on_disk
