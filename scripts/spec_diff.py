"""Report how an upstream Dune OpenAPI document differs from openapi/dune.yaml: only what is new.

Usage:
    python scripts/spec_diff.py UPSTREAM [--ours openapi/dune.yaml]
        [--accepted openapi/upstream-accepted.yaml] [--all] [--markdown [FILE]]

Operations are matched by method and path after canonical naming; values are compared as each
document states them (upstream's `*/*` is shown as `*/*`). Compared: operations, `deprecated`,
parameters, request bodies, response statuses, media types, headers and body fields (type,
format, enum, nullable, default, constraints, additionalProperties, oneOf/anyOf, required).
Differences listed in the accepted file (each with a reason) are not reported. Exit status:
0 when nothing new differs, 1 when something does, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as a file (`python scripts/spec_diff.py`), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import yaml

from scripts._spec_normalize import JsonDict, SpecError, iter_operations, normalize, resolve
from scripts.regenerate import DEFAULT_SPEC, ROOT, RegenerateError, load_spec

DEFAULT_ACCEPTED = ROOT / "openapi" / "upstream-accepted.yaml"
# Grouped lines name at most this many operations, then "and N more".
_NAMES_SHOWN = 8


_CONSTRAINTS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else value


def type_signature(doc: JsonDict, schema: Any, depth: int = 0) -> str:
    """A short, name-independent description of a schema, e.g. `array<integer> [maxItems=5]`."""
    schema = _merged(doc, schema)
    if depth > 6:
        return "..."
    variants = schema.get("oneOf") or schema.get("anyOf")
    extra = schema.get("additionalProperties")
    if isinstance(variants, list) and variants:
        word = "oneOf" if "oneOf" in schema else "anyOf"
        kind = f"{word}[" + "|".join(type_signature(doc, v, depth + 1) for v in variants) + "]"
    elif not schema.get("type") and not schema.get("properties"):
        kind = "object" if extra not in (None, False) else "any"
    else:
        kind = str(schema.get("type") or "object")
    if kind == "array":
        kind = f"array<{type_signature(doc, schema.get('items', {}), depth + 1)}>"
    if isinstance(extra, dict) and kind == "object":
        kind = f"object<{type_signature(doc, extra, depth + 1)}>"
    elif extra is False and schema.get("properties"):
        kind += " closed"
    if schema.get("format"):
        kind += f"({schema['format']})"
    if schema.get("enum"):
        kind += " enum[" + ",".join(sorted(str(v) for v in schema["enum"])) + "]"
    if schema.get("nullable"):
        kind += "|null"
    limits = [f"{k}={_value(schema[k])}" for k in _CONSTRAINTS if k in schema]
    if limits:
        kind += " [" + ", ".join(limits) + "]"
    if "default" in schema:
        kind += f" default={_value(schema['default'])}"
    if schema.get("deprecated"):
        kind += " deprecated"
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
            if param.get("deprecated"):
                signature += " deprecated"
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
    if bool(ours.get("deprecated")) != bool(up.get("deprecated")):
        lines.insert(
            0,
            f"deprecated: ours {bool(ours.get('deprecated'))}, upstream {bool(up.get('deprecated'))}",
        )
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


@dataclass(frozen=True)
class Difference:
    """One difference in one operation (`operation` is our operationId, or upstream's would-be)."""

    operation: str
    route: str
    text: str


def diff_documents(ours_raw: JsonDict, upstream_raw: JsonDict) -> list[Difference]:
    """Every difference, per operation; empty when the documents agree (names aside)."""
    ours_doc = normalize(ours_raw, repair=False)
    up_doc = normalize(upstream_raw, repair=False)
    ours_ops = {(m.upper(), p): op for m, p, op in iter_operations(ours_doc)}
    up_ops = {(m.upper(), p): op for m, p, op in iter_operations(up_doc)}
    out: list[Difference] = []
    for key in sorted(ours_ops.keys() | up_ops.keys(), key=lambda k: (k[1], k[0])):
        route = f"{key[0]} {key[1]}"
        if key not in up_ops:
            out.append(
                Difference(str(ours_ops[key]["operationId"]), route, "operation only in ours")
            )
        elif key not in ours_ops:
            name = str(up_ops[key]["operationId"])
            out.append(Difference(name, route, f"operation only upstream ({route})"))
        else:
            name = str(ours_ops[key]["operationId"])
            out.extend(
                Difference(name, route, line)
                for line in compare_operation(ours_doc, ours_ops[key], up_doc, up_ops[key])
            )
    return out


@dataclass(frozen=True)
class Accepted:
    """A difference we keep on purpose: `text` in `operations` (None: in every operation)."""

    text: str
    operations: frozenset[str] | None
    reason: str

    def covers(self, diff: Difference) -> bool:
        return diff.text == self.text and (
            self.operations is None or diff.operation in self.operations
        )


def load_accepted(path: Path) -> list[Accepted]:
    """Read the accepted-differences file; every entry needs a difference and a reason."""
    if not path.is_file():
        raise RegenerateError(f"accepted-differences file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegenerateError(f"{path} is not valid YAML: {exc}") from exc
    entries = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RegenerateError(f"{path}: expected a list under 'accepted'")
    out: list[Accepted] = []
    for i, entry in enumerate(entries):
        where = f"{path.name}: entry {i + 1}"
        if not isinstance(entry, dict) or set(entry) - {"difference", "operations", "reason"}:
            raise RegenerateError(f"{where}: expected difference, operations and reason only")
        text, ops, reason = entry.get("difference"), entry.get("operations"), entry.get("reason")
        if not isinstance(text, str) or not isinstance(reason, str) or not reason.strip():
            raise RegenerateError(f"{where}: needs a 'difference' and a one-line 'reason'")
        if ops == "all":
            out.append(Accepted(text, None, reason))
        elif isinstance(ops, list) and all(isinstance(o, str) for o in ops):
            out.append(Accepted(text, frozenset(ops), reason))
        else:
            raise RegenerateError(f"{where}: 'operations' must be a list of names or 'all'")
    return out


def group(diffs: list[Difference]) -> list[tuple[str, list[str]]]:
    """(difference, sorted operation names) for each distinct difference text, in order."""
    grouped: dict[str, list[str]] = {}
    for diff in diffs:
        names = grouped.setdefault(diff.text, [])
        if diff.operation not in names:
            names.append(diff.operation)
    return [(text, sorted(names)) for text, names in grouped.items()]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return shown + (f", and {more} more" if more > 0 else "")


def text_report(new: list[Difference], stale: list[Accepted], accepted_count: int) -> list[str]:
    """Plain lines: one per new difference with the operations it is in."""
    lines = [f"{text}: {_names(names)}" for text, names in group(new)]
    if accepted_count:
        lines.append(f"({accepted_count} accepted differences not shown; --all shows them)")
    lines.extend(
        f"accepted but no longer differs (remove it from the accepted file): {a.text}"
        for a in stale
    )
    return lines


def markdown_report(
    new: list[Difference], stale: list[Accepted], accepted_count: int, upstream: str
) -> str:
    """A report to paste into a pull request."""
    out = [f"### Upstream spec drift: `{upstream}`", ""]
    if not new:
        out.append("Nothing new: every difference from our spec is an accepted one.")
    else:
        out += [f"{len(group(new))} new difference(s):", "", "| difference | operations |"]
        out.append("|---|---|")
        for text, names in group(new):
            cell = text.replace("|", "\\|")
            out.append(f"| `{cell}` | {', '.join(f'`{n}`' for n in names)} |")
    out += [
        "",
        f"{accepted_count} accepted difference(s) not shown (openapi/upstream-accepted.yaml).",
    ]
    if stale:
        out += ["", "Accepted entries that no longer differ (remove them):", ""]
        out += [f"- `{a.text}`" for a in stale]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare an upstream Dune OpenAPI document with ours: what is new."
    )
    parser.add_argument("upstream", type=Path, help="upstream OpenAPI document (JSON or YAML)")
    parser.add_argument("--ours", type=Path, default=DEFAULT_SPEC, help="our document")
    parser.add_argument(
        "--accepted", type=Path, default=DEFAULT_ACCEPTED, help="accepted differences (YAML)"
    )
    parser.add_argument("--all", action="store_true", help="also list accepted differences")
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write Markdown (to FILE or stdout)",
    )
    args = parser.parse_args(argv)
    try:
        diffs = diff_documents(load_spec(args.ours), load_spec(args.upstream))
        accepted = [] if args.all else load_accepted(args.accepted)
    except (RegenerateError, SpecError) as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    new = [d for d in diffs if not any(a.covers(d) for a in accepted)]
    stale = [a for a in accepted if not any(a.covers(d) for d in diffs)]
    accepted_count = len(diffs) - len(new)
    if args.markdown is not None:
        report = markdown_report(new, stale, accepted_count, args.upstream.name)
        if args.markdown == "-":
            sys.stdout.write(report)
        else:
            Path(args.markdown).write_text(report, encoding="utf-8")
    elif not new:
        print(f"nothing new between {args.ours} and {args.upstream}")
        print("\n".join(text_report(new, stale, accepted_count)))
    else:
        print(f"New differences between {args.ours} (ours) and {args.upstream} (upstream):")
        print("\n".join(text_report(new, stale, accepted_count)))
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
