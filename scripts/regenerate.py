"""Regenerate generated/dune_api from openapi/dune.yaml with pinned tools, reproducibly.

Usage:
    python scripts/regenerate.py                   # rewrite generated/dune_api
    python scripts/regenerate.py --check           # exit 1 and print a diff if it is stale
    python scripts/regenerate.py --spec X --output DIR  # try a spec: contract lines are warnings
    python scripts/regenerate.py --spec X --output DIR --strict-contract  # treat DIR as generated/

The spec is normalized first (scripts/_spec_normalize.py), so upstream's documents work too.
Into generated/ (and with --check) every item of openapi/contract.yaml must be generated, or the
run fails with one line per item. Exit status: 0 ok, 1 stale (--check) or contract broken, 2 bad
input or generator failure.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

# Run as a file (`python scripts/regenerate.py`), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._contract import Contract, ContractError, load_contract
from scripts._generator_errors import explain
from scripts._spec_normalize import NormalizeReport, SpecError, normalize

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "openapi" / "dune.yaml"
DEFAULT_OUTPUT = ROOT / "generated" / "dune_api"
GENERATOR_CONFIG = ROOT / "openapi" / "generator-config.yaml"
RUFF_CONFIG = ROOT / "openapi" / "ruff-generated.toml"
TEMPLATES = ROOT / "openapi" / "templates"
# Our endpoint template includes the pinned generator's own under this name.
PINNED_ENDPOINT_TEMPLATE = "pinned_endpoint_module.py.jinja"

GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.11.13"
PACKAGE = "dune_api"
PROVENANCE_FILE = "_provenance.json"
IGNORED_NAMES = {"__pycache__", ".ruff_cache", ".mypy_cache"}


class RegenerateError(RuntimeError):
    """Generation failed or a pinned tool is missing or has the wrong version."""


class ContractBroken(RuntimeError):
    """Generation worked but contract items are missing (one line each in `lines`)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _tool(name: str) -> Path:
    """A console script installed next to the running interpreter (the project venv)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise RegenerateError(f"{name} not found next to {sys.executable}; run via `uv run`")
    return path


def check_tool_versions() -> tuple[Path, Path]:
    """Return (generator, ruff) executables after verifying they match the pins."""
    generator, ruff = _tool("openapi-python-client"), _tool("ruff")
    gen_version = metadata.version("openapi-python-client")
    if gen_version != GENERATOR_VERSION:
        raise RegenerateError(
            f"openapi-python-client {gen_version} is installed, {GENERATOR_VERSION} is pinned"
        )
    out = subprocess.run([str(ruff), "--version"], capture_output=True, text=True, check=False)
    ruff_version = out.stdout.strip().removeprefix("ruff ").strip()
    if out.returncode != 0 or ruff_version != RUFF_VERSION:
        raise RegenerateError(
            f"ruff {ruff_version or '(unknown)'} is installed, {RUFF_VERSION} is pinned"
        )
    return generator, ruff


def parse_yaml(text: str) -> Any:
    """YAML through libyaml when present (ten times faster on our spec; the same Python
    resolver, so the same data); on an error, the pure-Python parser's message instead."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_spec(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON OpenAPI document; one clear line when it is neither."""
    if not path.is_file():
        raise RegenerateError(f"spec file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegenerateError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else parse_yaml(text)
    except json.JSONDecodeError as exc:
        raise RegenerateError(f"{path} is not valid JSON: {exc}") from exc
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RegenerateError(f"{path} is not valid YAML or JSON: {first}") from exc
    if not isinstance(data, dict):
        raise RegenerateError(f"{path} is not an OpenAPI document (no JSON or YAML mapping)")
    return data


def prepare_for_generator(doc: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """Work around two generator limits on media types, without changing what goes on the wire.

    1. `content_type_overrides` (needed so text/csv and NDJSON request bodies are generated as
       raw bytes) also applies to responses, where text/csv would then be cast from bytes. The
       response keys get a `; charset=utf-8` suffix, which the override table does not match.
    2. Several raw request media types become one isinstance chain in which the last always
       wins; only the first is kept, so insert sends text/csv (NDJSON callers replace the
       Content-Type header on the request).
    """
    for item in doc.get("paths", {}).values():
        for op in item.values() if isinstance(item, dict) else ():
            if not isinstance(op, dict):
                continue
            for response in op.get("responses", {}).values():
                content = response.get("content") if isinstance(response, dict) else None
                if isinstance(content, dict):
                    response["content"] = {
                        (f"{media}; charset=utf-8" if media in overrides else media): spec
                        for media, spec in content.items()
                    }
            body = op.get("requestBody")
            content = body.get("content") if isinstance(body, dict) else None
            if not isinstance(content, dict):
                continue
            raw = [
                media
                for media, spec in content.items()
                if isinstance(spec, dict) and spec.get("schema", {}).get("format") == "binary"
            ]
            for media in raw[1:]:
                del content[media]
    for response in doc.get("components", {}).get("responses", {}).values():
        content = response.get("content") if isinstance(response, dict) else None
        if isinstance(content, dict):
            response["content"] = {
                (f"{media}; charset=utf-8" if media in overrides else media): spec
                for media, spec in content.items()
            }
    return doc


def _template_dir(tmp: Path) -> Path:
    """Our templates plus the pinned generator's endpoint template under another name, so that
    ours can include it and add to it (the generator's file is read from the installed package,
    found without importing it: the import alone takes most of a second)."""
    package = importlib.util.find_spec("openapi_python_client")
    if package is None or package.origin is None:
        raise RegenerateError(f"openapi_python_client is not importable by {sys.executable}")
    out = tmp / "templates"
    shutil.copytree(TEMPLATES, out)
    pinned = Path(package.origin).parent / "templates" / "endpoint_module.py.jinja"
    shutil.copyfile(pinned, out / PINNED_ENDPOINT_TEMPLATE)
    return out


def _display_name(spec: Path) -> str:
    try:
        return spec.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return spec.name


def contract_lines(
    contract: Contract, report: NormalizeReport, out_dir: Path, *, strict: bool
) -> list[str]:
    """One line per contract item the fresh tree at `out_dir` lacks (and, when `strict`, per
    contract operation the spec renamed: the generated name is pinned, the spec disagrees)."""
    lines: list[str] = []
    for op in contract.operations.values():
        route = f"{op.method.upper()} {op.path}"
        module = out_dir / "api" / op.package / f"{op.name}.py"
        if not module.is_file():
            if op.name in report.moved_operations:
                why = f"the spec has it at {report.moved_operations[op.name]} instead of {route}"
            else:
                why = f"{route} is not in the spec: removed, or its path changed"
            lines.append(f"operation {op.name}: not generated ({why})")
        elif strict and op.name in report.renamed_operations:
            declared, _ = report.renamed_operations[op.name]
            lines.append(
                f"operation {op.name}: its {declared} in the spec disagrees with the contract "
                f"({route}); revert it, or rename the entry in openapi/contract.yaml"
            )
    init = out_dir / "models" / "__init__.py"
    exported = (
        set(re.findall(r'"(\w+)",', init.read_text(encoding="utf-8"))) if init.is_file() else set()
    )
    for model in contract.models.values():
        collided = report.schema_collisions.get(model.name)
        if collided:
            lines.append(
                f"model {model.name}: schemas {', '.join(collided)} all normalize to "
                f"{model.name}; rename one of them in the spec"
            )
        elif model.name not in exported:
            why = report.missing_models.get(model.name, "no schema of that name was generated")
            lines.append(f"model {model.name}: not generated ({why})")
    for short, olds in sorted(report.schema_collisions.items()):
        if short not in contract.models:
            renamed = ", ".join(f"{o} -> {report.schema_renames.get(o, o)}" for o in olds)
            lines.append(f"schema name {short}: defined by {', '.join(olds)} ({renamed})")
    return lines


def generate(spec: Path, output: Path, *, strict: bool = False) -> list[str]:
    """Generate the package for `spec` into `output` (replaced entirely); return the contract
    warnings. With `strict` (the tree the facade imports) they raise ContractBroken instead,
    and `output` is left as it was."""
    generator, ruff = check_tool_versions()
    try:
        contract = load_contract()
    except ContractError as exc:
        raise RegenerateError(str(exc)) from exc
    report = NormalizeReport()
    try:
        normalized = normalize(load_spec(spec), contract=contract, report=report)
    except SpecError as exc:
        raise RegenerateError(f"{spec}: {exc}") from exc
    config = parse_yaml(GENERATOR_CONFIG.read_text(encoding="utf-8"))
    normalized = prepare_for_generator(normalized, config.get("content_type_overrides") or {})

    with tempfile.TemporaryDirectory(prefix="dune-regen-") as tmp_name:
        tmp = Path(tmp_name)
        spec_file = tmp / "spec.normalized.json"
        spec_file.write_text(json.dumps(normalized, indent=2) + "\n", encoding="utf-8")

        # The generator looks the hook's first word up with shutil.which, so it cannot be
        # quoted; the venv's bin directory goes first on PATH instead, and is the ruff checked.
        ruff_args = f'--config "{RUFF_CONFIG}" --no-cache'
        config["post_hooks"] = [
            f"ruff check . --fix-only --quiet {ruff_args}",
            f"ruff format . --quiet {ruff_args}",
        ]
        config_file = tmp / "config.yaml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=True), encoding="utf-8")
        templates = _template_dir(tmp)

        out_dir = tmp / PACKAGE
        path = os.pathsep.join([str(ruff.parent), os.environ.get("PATH", "")])
        env = {**os.environ, "PYTHONHASHSEED": "0", "PATH": path}
        result = subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(spec_file),
                "--meta",
                "none",
                "--output-path",
                str(out_dir),
                "--config",
                str(config_file),
                "--custom-template-path",
                str(templates),
                "--fail-on-warning",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
            check=False,
        )
        log = (result.stdout + result.stderr).strip()
        # --fail-on-warning makes any warning a non-zero exit; the log itself is not grepped,
        # since it echoes paths, which may contain any word.
        if result.returncode != 0 or not out_dir.is_dir():
            raise RegenerateError(explain(log, normalized, result.returncode))
        lines = contract_lines(contract, report, out_dir, strict=strict)
        if strict and lines:
            raise ContractBroken(lines)

        for junk in IGNORED_NAMES:
            for found in sorted(out_dir.rglob(junk), reverse=True):
                shutil.rmtree(found)
        (out_dir / "py.typed").write_text("", encoding="utf-8")
        provenance = {
            "generator": f"openapi-python-client {GENERATOR_VERSION}",
            "ruff": f"ruff {RUFF_VERSION}",
            "spec": _display_name(spec),
            "spec_sha256": hashlib.sha256(spec.read_bytes()).hexdigest(),
            "normalized_spec_sha256": hashlib.sha256(spec_file.read_bytes()).hexdigest(),
        }
        (out_dir / PROVENANCE_FILE).write_text(
            json.dumps(provenance, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out_dir, output)
    return lines


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not IGNORED_NAMES.intersection(p.relative_to(root).parts)
    }


def diff_trees(expected: Path, actual: Path) -> list[str]:
    """Unified diff lines turning `actual` (on disk) into `expected` (fresh); empty if equal."""
    want, have = _files(expected), _files(actual) if actual.exists() else set()
    lines: list[str] = []
    for rel in sorted(want | have):
        new, old = expected / rel, actual / rel
        if rel in want and rel in have and filecmp.cmp(new, old, shallow=False):
            continue
        old_text = old.read_text(encoding="utf-8").splitlines(keepends=True) if rel in have else []
        new_text = new.read_text(encoding="utf-8").splitlines(keepends=True) if rel in want else []
        lines.extend(
            difflib.unified_diff(
                old_text,
                new_text,
                fromfile=f"a/{rel}" if rel in have else "/dev/null",
                tofile=f"b/{rel}" if rel in want else "/dev/null",
            )
        )
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
    return lines


def check(spec: Path, output: Path) -> int:
    """Regenerate into a temporary directory (contract checked) and compare with `output`."""
    with tempfile.TemporaryDirectory(prefix="dune-check-") as tmp:
        fresh = Path(tmp) / PACKAGE
        generate(spec, fresh, strict=True)
        lines = diff_trees(fresh, output)
    if lines:
        sys.stdout.writelines(lines)
        print(
            f"\n{output} is out of date; run: uv run python scripts/regenerate.py", file=sys.stderr
        )
        return 1
    print(f"{output} is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI document")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="package directory")
    parser.add_argument(
        "--check", action="store_true", help="do not write; fail with a diff if output is stale"
    )
    parser.add_argument(
        "--strict-contract",
        action="store_true",
        help="fail on missing contract items even though --output is not generated/",
    )
    args = parser.parse_args(argv)
    strict = args.strict_contract or args.output.resolve() == DEFAULT_OUTPUT.resolve()
    try:
        if args.check:
            return check(args.spec, args.output)
        warnings = generate(args.spec, args.output, strict=strict)
    except ContractBroken as exc:
        for line in exc.lines:
            print(f"regenerate: contract: {line}", file=sys.stderr)
        print(
            f"regenerate: {len(exc.lines)} contract item(s) broken by {args.spec}; "
            f"{args.output} was not changed (openapi/contract.yaml lists what the facade imports)",
            file=sys.stderr,
        )
        return 1
    except RegenerateError as exc:
        print(f"regenerate: {exc}", file=sys.stderr)
        return 2
    for line in warnings:
        print(f"regenerate: warning: contract: {line}", file=sys.stderr)
    print(f"generated {args.output} from {args.spec}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
