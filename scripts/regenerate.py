"""Regenerate generated/dune_api from openapi/dune.yaml with pinned tools, reproducibly.

Usage:
    python scripts/regenerate.py                   # rewrite generated/dune_api
    python scripts/regenerate.py --check           # exit 1 and print a diff if it is stale
    python scripts/regenerate.py --spec X --output DIR

The spec is normalized first (scripts/_spec_normalize.py), so upstream's document works too.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import hashlib
import json
import os
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
from scripts._spec_normalize import SpecError, normalize

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


def load_spec(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON OpenAPI document."""
    if not path.is_file():
        raise RegenerateError(f"spec file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RegenerateError(f"cannot parse {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RegenerateError(f"{path} does not contain an OpenAPI document")
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
    ours can include it and add to it (the generator's file is read from the installed package)."""
    import openapi_python_client

    out = tmp / "templates"
    shutil.copytree(TEMPLATES, out)
    pinned = Path(openapi_python_client.__file__).parent / "templates" / "endpoint_module.py.jinja"
    shutil.copyfile(pinned, out / PINNED_ENDPOINT_TEMPLATE)
    return out


def _display_name(spec: Path) -> str:
    try:
        return spec.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return spec.name


def generate(spec: Path, output: Path) -> None:
    """Generate the package for `spec` into `output` (replaced entirely)."""
    generator, ruff = check_tool_versions()
    try:
        normalized = normalize(load_spec(spec))
    except SpecError as exc:
        raise RegenerateError(f"{spec}: {exc}") from exc
    config = yaml.safe_load(GENERATOR_CONFIG.read_text(encoding="utf-8"))
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
        if result.returncode != 0 or "warning" in log.lower() or "error" in log.lower():
            raise RegenerateError(f"openapi-python-client failed (rc={result.returncode}):\n{log}")

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
    """Regenerate into a temporary directory and compare with `output`."""
    with tempfile.TemporaryDirectory(prefix="dune-check-") as tmp:
        fresh = Path(tmp) / PACKAGE
        generate(spec, fresh)
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
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check(args.spec, args.output)
        generate(args.spec, args.output)
    except RegenerateError as exc:
        print(f"regenerate: {exc}", file=sys.stderr)
        return 2
    print(f"generated {args.output} from {args.spec}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
