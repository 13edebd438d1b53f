"""Report how an upstream Dune OpenAPI document differs from openapi/dune.yaml.

Usage:
    python scripts/spec_diff.py UPSTREAM [--ours openapi/dune.yaml]

Both documents are normalized first, then compared by (method, path): operations, parameters,
request bodies, response status codes, media types, headers and body fields (added, removed,
retyped, required). Descriptions, schema names and ordering are ignored. Exit status: 0 when
nothing differs, 1 when something does, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# Run as a file (`python scripts/spec_diff.py`), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._spec_normalize import JsonDict, SpecError, iter_operations, normalize, resolve
from scripts.regenerate import DEFAULT_SPEC, RegenerateError, load_spec

# Lines shared by at least this many operations are printed once, in a summary section.
_SHARED_THRESHOLD = 3


def type_signature(doc: JsonDict, schema: Any) -> str:
    """A short, name-independent description of a schema's type, e.g. `array<integer>`."""
    schema = _merged(doc, schema)
    if not schema or (not schema.get("type") and not schema.get("properties")):
        if schema.get("additionalProperties") not in (None, False):
            return "object"
        return "any"
    kind = str(schema.get("type") or "object")
    if kind == "array":
        kind = f"array<{type_signature(doc, schema.get('items', {}))}>"
    if schema.get("format"):
        kind += f"({schema['format']})"
    if schema.get("enum"):
        kind += " enum[" + ",".join(sorted(str(v) for v in schema["enum"])) + "]"
    if schema.get("nullable"):
        kind += "|null"
    return kind


def _merged(doc: JsonDict, schema: Any) -> JsonDict:
    """Resolve references and fold `allOf` parts into one schema."""
    resolved = resolve(doc, schema)
    if not isinstance(resolved, dict):
        return {}
    parts = resolved.get("allOf")
    if not isinstance(parts, list):
        return resolved
    merged: JsonDict = {k: v for k, v in resolved.items() if k != "allOf"}
    for part in parts:
        sub = _merged(doc, part)
        for key, value in sub.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged.setdefault(key, value)
    return merged


def flatten_fields(doc: JsonDict, schema: Any, prefix: str = "", depth: int = 0) -> dict[str, str]:
    """Map dotted field paths (`result.metadata.row_count`, `nodes[].id`) to type signatures."""
    fields: dict[str, str] = {}
    merged = _merged(doc, schema)
    if depth > 12:  # recursive schemas: stop descending
        return fields
    if merged.get("type") == "array" and prefix:
        return flatten_fields(doc, merged.get("items", {}), prefix + "[]", depth + 1)
    required = set(merged.get("required", []))
    for name, sub in sorted(merged.get("properties", {}).items()):
        path = f"{prefix}.{name}" if prefix else name
        signature = type_signature(doc, sub)
        fields[path] = signature + (" required" if name in required else "")
        fields.update(flatten_fields(doc, sub, path, depth + 1))
    if merged.get("type") == "array" and not prefix:
        fields["[]"] = type_signature(doc, merged.get("items", {}))
        fields.update(flatten_fields(doc, merged.get("items", {}), "[]", depth + 1))
    return fields


def _compare_maps(label: str, ours: dict[str, str], theirs: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for key in sorted(ours.keys() | theirs.keys()):
        if key not in theirs:
            lines.append(f"{label} {key}: only in ours ({ours[key]})")
        elif key not in ours:
            lines.append(f"{label} {key}: only upstream ({theirs[key]})")
        elif ours[key] != theirs[key]:
            lines.append(f"{label} {key}: ours {ours[key]}, upstream {theirs[key]}")
    return lines


def _parameters(doc: JsonDict, op: JsonDict) -> dict[str, str]:
    params: dict[str, str] = {}
    for raw in op.get("parameters", []):
        param = resolve(doc, raw)
        if isinstance(param, dict):
            signature = type_signature(doc, param.get("schema", {}))
            if param.get("required"):
                signature += " required"
            params[f"{param.get('in')} {param.get('name')}"] = signature
    return params


def _content(doc: JsonDict, holder: Any) -> dict[str, JsonDict]:
    resolved = resolve(doc, holder) if holder is not None else None
    content = resolved.get("content") if isinstance(resolved, dict) else None
    return content if isinstance(content, dict) else {}


def _compare_bodies(
    label: str, ours_doc: JsonDict, ours: Any, up_doc: JsonDict, upstream: Any
) -> list[str]:
    ours_content, up_content = _content(ours_doc, ours), _content(up_doc, upstream)
    if not ours_content and not up_content:
        return []
    if not up_content:
        return [f"{label}: only in ours ({', '.join(sorted(ours_content))})"]
    if not ours_content:
        return [f"{label}: only upstream ({', '.join(sorted(up_content))})"]
    lines: list[str] = []
    if sorted(ours_content) != sorted(up_content):
        lines.append(
            f"{label} media types: ours {', '.join(sorted(ours_content))}; "
            f"upstream {', '.join(sorted(up_content))}"
        )
    ours_schema = next(iter(ours_content.values())).get("schema", {})
    up_schema = next(iter(up_content.values())).get("schema", {})
    ours_type, up_type = type_signature(ours_doc, ours_schema), type_signature(up_doc, up_schema)
    if ours_type != up_type:
        lines.append(f"{label} type: ours {ours_type}, upstream {up_type}")
    lines += _compare_maps(
        f"{label} field",
        flatten_fields(ours_doc, ours_schema),
        flatten_fields(up_doc, up_schema),
    )
    return lines


def _headers(doc: JsonDict, response: Any) -> dict[str, str]:
    resolved = resolve(doc, response)
    headers = resolved.get("headers", {}) if isinstance(resolved, dict) else {}
    return {
        name.lower(): type_signature(doc, resolve(doc, spec).get("schema", {}))
        for name, spec in headers.items()
    }


def compare_operation(
    ours_doc: JsonDict, ours: JsonDict, up_doc: JsonDict, up: JsonDict
) -> list[str]:
    """Differences between one operation in our document and the same one upstream."""
    lines = _compare_maps("parameter", _parameters(ours_doc, ours), _parameters(up_doc, up))
    lines += _compare_bodies(
        "request body", ours_doc, ours.get("requestBody"), up_doc, up.get("requestBody")
    )
    ours_resp, up_resp = ours.get("responses", {}), up.get("responses", {})
    for status in sorted(ours_resp.keys() | up_resp.keys(), key=str):
        if status not in up_resp:
            lines.append(f"response {status}: only in ours")
        elif status not in ours_resp:
            lines.append(f"response {status}: only upstream")
        else:
            label = f"response {status}"
            lines += _compare_bodies(label, ours_doc, ours_resp[status], up_doc, up_resp[status])
            lines += _compare_maps(
                f"{label} header",
                _headers(ours_doc, ours_resp[status]),
                _headers(up_doc, up_resp[status]),
            )
    return lines


def diff_documents(ours_raw: JsonDict, upstream_raw: JsonDict) -> list[str]:
    """Readable report lines; empty when the documents agree after normalization."""
    ours_doc, up_doc = normalize(ours_raw), normalize(upstream_raw)
    ours_ops = {(m.upper(), p): op for m, p, op in iter_operations(ours_doc)}
    up_ops = {(m.upper(), p): op for m, p, op in iter_operations(up_doc)}

    per_op: dict[str, list[str]] = {}
    for key in sorted(ours_ops.keys() | up_ops.keys(), key=lambda k: (k[1], k[0])):
        name = f"{key[0]} {key[1]}"
        if key not in up_ops:
            per_op[name] = [f"operation only in ours ({ours_ops[key].get('operationId')})"]
        elif key not in ours_ops:
            per_op[name] = [f"operation only upstream (would be {up_ops[key].get('operationId')})"]
        else:
            found = compare_operation(ours_doc, ours_ops[key], up_doc, up_ops[key])
            if found:
                per_op[name] = found

    shared: dict[str, list[str]] = defaultdict(list)
    for name, found in per_op.items():
        for line in found:
            shared[line].append(name)
    common = {line for line, ops in shared.items() if len(ops) >= _SHARED_THRESHOLD}

    out: list[str] = []
    if common:
        out.append("In several operations:")
        out.extend(f"  {line}  [{len(shared[line])} operations]" for line in sorted(common))
    for name, found in per_op.items():
        specific = [line for line in found if line not in common]
        if specific:
            out.append(name)
            out.extend(f"  {line}" for line in specific)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare an upstream Dune OpenAPI document with ours."
    )
    parser.add_argument("upstream", type=Path, help="upstream OpenAPI document (JSON or YAML)")
    parser.add_argument("--ours", type=Path, default=DEFAULT_SPEC, help="our document")
    args = parser.parse_args(argv)
    try:
        lines = diff_documents(load_spec(args.ours), load_spec(args.upstream))
    except (RegenerateError, SpecError) as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    if not lines:
        print(f"no differences between {args.ours} and {args.upstream}")
        return 0
    print(f"Differences between {args.ours} (ours) and {args.upstream} (upstream):")
    print("\n".join(lines))
    return 1


if __name__ == "__main__":
    sys.exit(main())
