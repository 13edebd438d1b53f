"""Turn openapi-python-client's output into a first line that names the cause in the spec.

The generator prints endpoint warnings ("Could not find reference", with object reprs) before
the schema failure that caused them, and an enum clash as the last line of a long traceback.
"""

from __future__ import annotations

import json
import re
from typing import Any

_MAX_RAW_LINES = 40
_UNTRUSTED = re.compile(
    r"<openapi_python_client\.schema\.untrusted_string\.UntrustedString object at 0x[0-9a-f]+>"
)
_BOX = re.compile(r"^[\s│╭╰─┃━]*$|^[│╭╰]")

# (pattern in the generator's message, what to do about it)
_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"must have items"),
        "give the array an `items` schema (`items: {}` for any value)",
    ),
    (
        re.compile(r"Unsupported content_type (\S+)"),
        "use a media type the generator supports (JSON, text/*, octet-stream) or map it in "
        "content_type_overrides in openapi/generator-config.yaml",
    ),
    (
        re.compile(r"Duplicate key (\S+) in enum"),
        "make the enum values unique ignoring case, or drop the enum (a plain string)",
    ),
    (
        re.compile(r"Could not find reference"),
        "a $ref points to a schema that is missing or failed to parse (see below)",
    ),
]


def pointer(*parts: str) -> str:
    """RFC 6901 JSON pointer from unescaped parts."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _find(node: Any, wanted: Any, at: str) -> str | None:
    if node == wanted:
        return at
    if isinstance(node, dict):
        for key, value in node.items():
            found = _find(value, wanted, at + pointer(str(key)))
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _find(value, wanted, at + pointer(str(i)))
            if found:
                return found
    return None


def _colliding_enum(node: Any, at: str) -> str | None:
    """Pointer to the first enum whose values are equal once upper-cased (medium/Medium)."""
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list):
            keys = [re.sub(r"\W+", "_", str(v)).upper() for v in values]
            if len(set(keys)) < len(keys):
                return at + "/enum"
        for key, value in node.items():
            found = _colliding_enum(value, at + pointer(str(key)))
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _colliding_enum(value, at + pointer(str(i)))
            if found:
                return found
    return None


def _json_block(lines: list[str], start: int) -> Any:
    """The JSON object printed right after line `start`, if there is one."""
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "{":
        return None
    for j in range(i + 1, len(lines)):
        if lines[j].rstrip() == "}":
            try:
                return json.loads("\n".join(lines[i : j + 1]))
            except json.JSONDecodeError:
                return None
    return None


def _hint(message: str) -> str:
    for pattern, hint in _HINTS:
        if pattern.search(message):
            return hint
    return "fix or remove that part of the spec (or normalize it in scripts/_spec_normalize.py)"


def causes(log: str, doc: dict[str, Any]) -> list[str]:
    """One line per root cause found in the log, schema failures first: what, where, fix."""
    lines = _UNTRUSTED.sub("<status>", log).splitlines()
    schema_causes: list[str] = []
    endpoint_causes: list[str] = []
    endpoint: str | None = None
    for i, line in enumerate(lines):
        text = line.strip()
        if m := re.match(r"Unable to (?:process|parse) schema (/\S+?):?$", text):
            where = m.group(1)
            reason = next((x.strip() for x in lines[i + 1 :] if x.strip()), "unknown reason")
            schema = doc
            for part in where.strip("/").split("/"):
                schema = schema.get(part.replace("~1", "/").replace("~0", "~"), {})
            # The offending sub-schema is printed after "removal of:"; locate it inside.
            sub = None
            for j in range(i + 1, min(i + 30, len(lines))):
                if lines[j].strip().startswith("Failure to process schema"):
                    sub = _json_block(lines, j + 1)
                    break
            inner = _find(schema, sub, where) if sub is not None else None
            schema_causes.append(f"{inner or where}: {reason}; {_hint(reason)}")
        elif m := re.match(r"WARNING parsing (\w+) (\S+) within \S+\.", text):
            endpoint = pointer("paths", m.group(2), m.group(1).lower())
        elif endpoint and (m := re.search(r"\(([^)]*)\)", text)) and "response" in text:
            status = ""
            block = _json_block(lines, i)
            op = doc.get("paths", {})
            for part in endpoint.strip("/").split("/")[1:]:
                op = op.get(part.replace("~1", "/").replace("~0", "~"), {})
            for code, response in (op.get("responses") or {}).items():
                if block is not None and (response == block or response.get("content") == block):
                    status = f"/responses/{code}"
                elif block is not None and isinstance(response, dict):
                    media: Any = next(iter((response.get("content") or {}).values()), {})
                    if isinstance(media, dict) and media.get("schema") == block:
                        status = f"/responses/{code}"
            endpoint_causes.append(f"{endpoint}{status}: {m.group(1)}; {_hint(m.group(1))}")
        elif m := re.match(r"(\w+Error|\w+Exception): (.*)", text):
            rest = [m.group(2)]
            for follow in lines[i + 1 :]:
                if not follow.strip() or _BOX.match(follow):
                    break
                rest.append(follow.strip())
            message = " ".join(rest)
            where = _colliding_enum(doc, "") if "Duplicate key" in message else None
            prefix = f"{where}: " if where else ""
            schema_causes.append(f"{prefix}{m.group(1)}: {message}; {_hint(message)}")
    # An endpoint that only lost a reference is a symptom of a schema cause: list it last.
    symptoms = [c for c in endpoint_causes if "Could not find reference" in c]
    real = [c for c in endpoint_causes if c not in symptoms]
    return schema_causes + real + (symptoms if not schema_causes else [])


def explain(log: str, doc: dict[str, Any], rc: int) -> str:
    """The failure message: causes first, then the generator's own output, trimmed."""
    found = causes(log, doc) or [f"openapi-python-client failed (rc={rc}); see its output below"]
    raw = [line for line in _UNTRUSTED.sub("<status>", log).splitlines() if not _BOX.match(line)]
    raw = [line for line in raw if line.strip()]
    if len(raw) > _MAX_RAW_LINES:
        raw = [*raw[:_MAX_RAW_LINES], f"... ({len(raw) - _MAX_RAW_LINES} more lines)"]
    head = "\n".join(f"spec: {c}" for c in found)
    return f"{head}\n--- openapi-python-client output (rc={rc}, trimmed) ---\n" + "\n".join(raw)
