"""Normalize any Dune OpenAPI document (ours or upstream's) before generation or comparison.

The upstream document is produced by a Go generator and carries artifacts that would make
openapi-python-client drop endpoints, add bogus required arguments or build row models that
crash on scalar cells. `normalize` removes them and makes the output order deterministic.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scripts._contract import Contract, load_contract

JsonDict = dict[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PREFIX = "#/components/schemas/"

# (method, path) -> (tag, operationId): the contract's pinned module names.
OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {
    (op.method, op.path): (op.package, op.name) for op in load_contract().operations.values()
}

# Parameters that carry the API key; auth is configured on the client instead.
_AUTH_PARAMS = {("header", "x-dune-api-key"), ("query", "api_key")}
# Upstream generator artifacts: a required `queryID` query parameter on result operations and
# a `Content-Type` header parameter that the request body's media type already expresses.
_ARTIFACT_PARAMS = {("query", "queryid"), ("header", "content-type")}


class SpecError(ValueError):
    """The document is not an OpenAPI 3 document this tool can normalize."""


def snake_case(name: str) -> str:
    """`queryId` -> `query_id`, `endpoint-slug` -> `endpoint_slug`."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def fallback_operation_id(method: str, path: str) -> str:
    """Deterministic operationId for a path the contract table does not know."""
    return snake_case(f"{method}_{path.replace('{', '').replace('}', '')}")


def fallback_tag(path: str) -> str:
    """First path segment after the version, e.g. `/v1/tables/x` -> `tables`."""
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    if parts and re.fullmatch(r"v\d+", parts[0]):
        parts = parts[1:]
    return snake_case(parts[0]) if parts else "default"


def canonical_path(path: str) -> str:
    """Path with snake_case template variables: `/v1/query/{queryId}` -> `/v1/query/{query_id}`."""
    return re.sub(r"\{([^}]+)\}", lambda m: "{" + snake_case(m.group(1)) + "}", path)


def short_schema_name(name: str) -> str:
    """Strip a Go package prefix: `models.Error400` -> `Error400`."""
    return name.rsplit(".", 1)[-1]


def iter_operations(doc: JsonDict) -> Iterator[tuple[str, str, JsonDict]]:
    """Yield (method, path, operation) for every operation, in document order."""
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        raise SpecError("document has no 'paths' object")
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield method, path, op


def resolve(doc: JsonDict, node: Any) -> Any:
    """Follow local `$ref`s (any component kind) until a non-reference node is reached."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise SpecError(f"cannot resolve reference {ref!r}")
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise SpecError(f"dangling reference {ref!r}")
            target = target[part]
        node = target
    return node


def _walk(node: Any) -> Iterator[JsonDict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _joined_name(name: str) -> str:
    """`models.Error400` -> `ModelsError400`: the package prefix kept, as one class name."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("."))


def _json_schema_of(doc: JsonDict, holder: Any) -> JsonDict | None:
    """The schema of a request body or response's JSON (or `*/*`) content, if it has one."""
    resolved = resolve(doc, holder) if isinstance(holder, dict) else None
    content = resolved.get("content") if isinstance(resolved, dict) else None
    if not isinstance(content, dict):
        return None
    for media in ("application/json", "*/*"):
        spec = content.get(media)
        if isinstance(spec, dict) and isinstance(spec.get("schema"), dict):
            schema: JsonDict = spec["schema"]
            return schema
    return None


def _pin_models(doc: JsonDict, contract: Contract, report: NormalizeReport) -> dict[str, str]:
    """Schema key -> contract model name, for each contract model found where it is used."""
    routes = {(m, p): op for m, p, op in iter_operations(doc)}
    schemas: JsonDict = doc.setdefault("components", {}).setdefault("schemas", {})
    pins: dict[str, str] = {}
    for model in contract.models.values():
        c_op = contract.operations[model.operation]
        op = routes.get((c_op.method, c_op.path))
        route = f"{c_op.method.upper()} {c_op.path}"
        if op is None:
            report.missing_models[model.name] = f"{route} is not in the spec"
            continue
        if model.where == "request":
            schema = _json_schema_of(doc, op.get("requestBody"))
        else:
            schema = _json_schema_of(doc, (op.get("responses") or {}).get("200"))
        if schema is None:
            report.missing_models[model.name] = f"{route} has no JSON {model.where} body"
            continue
        if model.property is not None:
            schema = _follow(schemas, schema, model.property)
            if schema is None:
                report.missing_models[model.name] = (
                    f"the {model.where} body of {route} has no property {model.property}"
                )
                continue
            if _ref_of(schema) is None and "enum" in schema:
                key = model.name  # an inline enum: give it a component of its own
                while key in schemas:
                    key += "_"
                schemas[key] = copy.deepcopy(schema)
                schema.clear()
                schema["$ref"] = SCHEMA_PREFIX + key
            ref_of = _ref_of(schema)
            if ref_of is not None:
                schema = {"$ref": ref_of}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            key = ref[len(SCHEMA_PREFIX) :]
        elif schema.get("type") == "object" or "properties" in schema:
            key = model.name  # an inline body: give it a component of its own
            while key in schemas:
                key += "_"
            schemas[key] = copy.deepcopy(schema)
            schema.clear()
            schema["$ref"] = SCHEMA_PREFIX + key
        else:
            report.missing_models[model.name] = f"the {model.where} body of {route} is no object"
            continue
        if key in pins and pins[key] != model.name:
            report.missing_models[model.name] = f"{route} uses the same schema as {pins[key]}"
            continue
        pins[key] = model.name
    return pins


def _ref_of(schema: JsonDict) -> str | None:
    """The component a schema points at, directly or through a one-item ``allOf``."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref
    parts = schema.get("allOf")
    if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict):
        inner = parts[0].get("$ref")
        return inner if isinstance(inner, str) else None
    return None


def _follow(schemas: JsonDict, schema: JsonDict, path: str) -> JsonDict | None:
    """The schema at a contract property path (``a.b``, ``items[]``) inside a body schema."""
    current: JsonDict | None = schema
    for part in path.split("."):
        name, is_list = part.removesuffix("[]"), part.endswith("[]")
        current = _deref(schemas, current)
        props = current.get("properties") if current is not None else None
        found = props.get(name) if isinstance(props, dict) else None
        if not isinstance(found, dict):
            return None
        current = found
        if is_list:
            items = _deref(schemas, current)
            current = items.get("items") if items is not None else None
            if not isinstance(current, dict):
                return None
    return current


def _deref(schemas: JsonDict, schema: JsonDict | None) -> JsonDict | None:
    if schema is None:
        return None
    ref = _ref_of(schema)
    if ref is not None and ref.startswith(SCHEMA_PREFIX):
        target = schemas.get(ref[len(SCHEMA_PREFIX) :])
        return target if isinstance(target, dict) else None
    return schema


def _rename_schemas(doc: JsonDict, pins: dict[str, str], report: NormalizeReport) -> None:
    """Strip Go package prefixes and apply the contract's pins. Names that collide are all kept
    qualified (`ModelsError400`), never silently given to whichever sorts first."""
    schemas = doc.get("components", {}).get("schemas")
    if not isinstance(schemas, dict):
        return
    wanted: dict[str, list[str]] = {}
    for old in sorted(schemas):
        wanted.setdefault(pins.get(old, short_schema_name(old)), []).append(old)
    renames: dict[str, str] = {}
    for new, olds in wanted.items():
        if len(olds) == 1:
            renames[olds[0]] = new
            continue
        report.schema_collisions[new] = olds
        for old in olds:
            renames[old] = new if pins.get(old) == new else _joined_name(old)
    if len(set(renames.values())) != len(renames):
        clash = sorted(n for n in renames.values() if list(renames.values()).count(n) > 1)[0]
        raise SpecError(f"schema names collide after normalization: {clash!r}")
    report.schema_renames = {old: new for old, new in renames.items() if old != new}
    doc["components"]["schemas"] = {
        renames[k]: schemas[k] for k in sorted(schemas, key=lambda k: renames[k])
    }
    for node in _walk(doc):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            old = ref[len(SCHEMA_PREFIX) :]
            if old in renames:
                node["$ref"] = SCHEMA_PREFIX + renames[old]


def _free_form_rows(doc: JsonDict) -> None:
    """Make every `rows` array free-form and drop row schemas nothing else uses."""
    schemas: JsonDict = doc.get("components", {}).get("schemas", {})
    row_refs: set[str] = set()
    for node in _walk(doc):
        props = node.get("properties")
        if not isinstance(props, dict):
            continue
        rows = props.get("rows")
        if not isinstance(rows, dict):
            continue
        if isinstance(rows.get("$ref"), str):  # `rows: $ref Rows`, Rows an array or bare object
            target = resolve(doc, rows)
            if isinstance(target, dict) and not target.get("properties"):
                row_refs.add(rows["$ref"])
                kept = {k: v for k, v in rows.items() if k != "$ref"}
                props["rows"] = rows = {**kept, "type": "array"}
        if rows.get("type") == "array":
            items = rows.get("items")
            if isinstance(items, dict) and isinstance(items.get("$ref"), str):
                row_refs.add(items["$ref"])
            rows["items"] = {}
    for ref in sorted(row_refs):
        if not ref.startswith(SCHEMA_PREFIX):
            continue
        still_used = any(n.get("$ref") == ref for n in _walk(doc))
        if not still_used:
            schemas.pop(ref[len(SCHEMA_PREFIX) :], None)


def _is_raw_string(doc: JsonDict, schema: Any) -> bool:
    target = resolve(doc, schema) if isinstance(schema, dict) else None
    return isinstance(target, dict) and target.get("type") == "string"


def _fix_request_body(doc: JsonDict, op: JsonDict) -> None:
    body = resolve(doc, op.get("requestBody"))
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        return
    content: JsonDict = {}
    for media, spec in body["content"].items():
        if media == "*/*":
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if _is_raw_string(doc, schema):
                # A raw string body: the generator can only send it as bytes.
                media = "application/octet-stream"
                spec = {**spec, "schema": {"type": "string", "format": "binary"}}
            else:
                media = "application/json"
        content.setdefault(media, spec)
    body["content"] = content


_JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json$")


def _fix_responses(doc: JsonDict, op: JsonDict) -> None:
    """One media type per response that the generator can parse: JSON wins over others, `*/*`
    becomes JSON (or text for a raw string), NDJSON becomes text, error bodies become JSON."""
    responses = op.get("responses")
    if not isinstance(responses, dict):
        return
    for status, response in responses.items():
        resolved = resolve(doc, response)
        content = resolved.get("content") if isinstance(resolved, dict) else None
        if not isinstance(content, dict) or not content:
            continue
        fixed: JsonDict = {}
        for media, spec in content.items():
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if media == "*/*":
                media = "text/plain" if _is_raw_string(doc, schema) else "application/json"
            elif media == "application/x-ndjson":
                media, spec = "text/plain", {**spec, "schema": {"type": "string"}}
            elif (
                media == "text/plain"
                and not str(status).startswith("2")
                and isinstance(resolve(doc, schema), dict)
                and not _is_raw_string(doc, schema)
            ):
                media = "application/json"  # error bodies are JSON even where it says text
            fixed.setdefault(media, spec)
        if len(fixed) > 1:  # the generator keeps only the last one; keep JSON on purpose
            json_media = sorted(m for m in fixed if _JSON_MEDIA.match(m))
            keep = json_media[0] if json_media else next(iter(fixed))
            fixed = {keep: fixed[keep]}
        resolved["content"] = fixed


def _fix_parameters(doc: JsonDict, path: str, op: JsonDict) -> None:
    template_vars = set(re.findall(r"\{([^}]+)\}", path))
    kept: list[Any] = []
    for param in op.get("parameters", []):
        resolved = resolve(doc, param)
        if not isinstance(resolved, dict):
            continue
        where, name = str(resolved.get("in", "")), str(resolved.get("name", ""))
        if (where, name.lower()) in _AUTH_PARAMS | _ARTIFACT_PARAMS:
            continue
        if where == "path":
            name = snake_case(name)
            if name not in template_vars:  # stray path parameter the path does not have
                continue
            if resolved is param:
                param["name"] = name
        elif where == "query" and snake_case(name) in template_vars:
            continue  # duplicates a path parameter
        kept.append(param)
    if "parameters" in op:
        op["parameters"] = kept


_SKIP_KEYS = {"example", "examples", "default", "enum", "const", "x-examples"}


def _walk_schemas(node: Any) -> Iterator[JsonDict]:
    """Every dict that may be a schema: `_walk` without example values, defaults and enums."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in _SKIP_KEYS:
                yield from _walk_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_schemas(value)


def _enum_key(value: str) -> str:
    """What the generator turns an enum value into for a member name (MEDIUM for medium)."""
    return re.sub(r"\W+", "_", value).strip("_").upper() or "_"


def _fix_schema_shapes(doc: JsonDict) -> None:
    """Arrays get `items`, `{$ref, nullable}` becomes a nullable allOf, and enums whose values
    collide once upper-cased (medium/Medium) become plain strings."""
    for node in list(_walk_schemas(doc)):
        if node.get("type") == "array" and not isinstance(node.get("items"), dict):
            node["items"] = {}
        elif "items" in node and "type" not in node and isinstance(node["items"], dict):
            node["type"] = "array"
        if isinstance(node.get("$ref"), str) and node.get("nullable") is True:
            ref = node.pop("$ref")
            node["allOf"] = [{"$ref": ref}]
        values = node.get("enum")
        if (
            isinstance(values, list)
            and all(isinstance(v, str) for v in values)
            and len({_enum_key(v) for v in values}) < len(set(values))
        ):
            del node["enum"]


_STATE_LIKE = re.compile(r"(^|_)(state|status)$")


def _children(schema: JsonDict) -> Iterator[Any]:
    props = schema.get("properties")
    if isinstance(props, dict):
        yield from props.values()
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield schema[key]
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            yield from schema[key]


def _response_schemas(doc: JsonDict) -> list[JsonDict]:
    """Every object schema a response can contain (component schemas reached through $ref
    included once), so that wire-facing fixes leave request-only schemas alone."""
    roots: list[Any] = []
    for _, _, op in iter_operations(doc):
        for response in (op.get("responses") or {}).values():
            resolved = resolve(doc, response)
            roots.extend(
                spec["schema"]
                for spec in ((resolved or {}).get("content") or {}).values()
                if isinstance(spec, dict) and isinstance(spec.get("schema"), dict)
            )
    seen_refs: set[str] = set()
    out: list[JsonDict] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref not in seen_refs:
                seen_refs.add(ref)
                stack.append(resolve(doc, node))
            continue
        out.append(node)
        stack.extend(reversed(list(_children(node))))
    return out


def _open_response_fields(doc: JsonDict) -> None:
    """Wire-facing tolerance: state/status enums become open strings (QUERY_STATE_CANCELED and
    QUERY_STATE_CANCELLED both parse, and so do states added later), and optional object fields
    accept null."""
    for schema in _response_schemas(doc):
        props = schema.get("properties")
        if not isinstance(props, dict):
            continue
        required = set(schema.get("required") or [])
        for name, prop in list(props.items()):
            if not isinstance(prop, dict):
                continue
            target = resolve(doc, prop)
            parts = prop.get("allOf")
            if isinstance(parts, list) and len(parts) == 1:
                target = resolve(doc, parts[0])
            if _STATE_LIKE.search(name) and isinstance(target, dict) and "enum" in target:
                kept = {k: v for k, v in prop.items() if k in ("description", "nullable")}
                props[name] = {**kept, "type": "string"}
                continue
            is_object = isinstance(target, dict) and (
                target.get("type") == "object" or "properties" in target
            )
            if name in required or not is_object or prop.get("nullable") is True:
                continue
            if isinstance(prop.get("$ref"), str):
                prop["allOf"] = [{"$ref": prop.pop("$ref")}]
                prop["nullable"] = True
            elif isinstance(parts, list) and len(parts) == 1:
                prop.pop("type", None)  # beside allOf, `type: object` makes nullable ignored
                prop["nullable"] = True


def _sort_properties(doc: JsonDict) -> None:
    for node in _walk(doc):
        props = node.get("properties")
        if isinstance(props, dict) and all(isinstance(v, dict) for v in props.values()):
            node["properties"] = dict(sorted(props.items()))
            required = node.get("required")
            if isinstance(required, list):
                node["required"] = sorted(required)


@dataclass
class NormalizeReport:
    """What normalization decided that the contract check reports on."""

    #: contract name -> (operationId or tag the spec declared, "METHOD path"), when they differ
    renamed_operations: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: contract name -> "METHOD path" of a non-contract operation declaring that operationId
    moved_operations: dict[str, str] = field(default_factory=dict)
    #: short schema name -> the schema keys that all normalize to it
    schema_collisions: dict[str, list[str]] = field(default_factory=dict)
    schema_renames: dict[str, str] = field(default_factory=dict)
    #: contract model -> why its schema was not found
    missing_models: dict[str, str] = field(default_factory=dict)


def _canonical_paths(doc: JsonDict) -> None:
    new_paths: JsonDict = {}
    for path, item in doc["paths"].items():
        new_path = canonical_path(path)
        if new_path in new_paths:
            raise SpecError(f"paths {path!r} and another collapse to {new_path!r}")
        if isinstance(item, dict):
            for param in item.get("parameters", []):
                if isinstance(param, dict) and param.get("in") == "path" and "name" in param:
                    param["name"] = snake_case(str(param["name"]))
            item["parameters"] = [
                p
                for p in item.get("parameters", [])
                if not (
                    isinstance(p, dict)
                    and (str(p.get("in")), str(p.get("name", "")).lower()) in _AUTH_PARAMS
                )
            ]
            if not item["parameters"]:
                del item["parameters"]
        new_paths[new_path] = item
    doc["paths"] = dict(sorted(new_paths.items()))


def _name_operations(doc: JsonDict, contract: Contract, report: NormalizeReport) -> None:
    """Contract operations get the contract's name and package, whatever the spec declares;
    others keep their own operationId (snake_case) or get one from method and path."""
    routes = contract.by_route()
    seen_ids: set[str] = set()
    for method, path, op in iter_operations(doc):
        pinned = routes.get((method, path))
        declared = op.get("operationId")
        tags = op.get("tags")
        if pinned is not None:
            route = f"{method.upper()} {path}"
            if isinstance(declared, str) and snake_case(declared) != pinned.name:
                report.renamed_operations[pinned.name] = (f"operationId {declared}", route)
            elif isinstance(tags, list) and tags and snake_case(str(tags[0])) != pinned.package:
                report.renamed_operations[pinned.name] = (f"tag {tags[0]}", route)
            op["operationId"], op["tags"] = pinned.name, [pinned.package]
        else:
            op_id = snake_case(declared) if isinstance(declared, str) and declared else ""
            if op_id in contract.operations:  # a contract name at another route is no match
                report.moved_operations[op_id] = f"{method.upper()} {path}"
                op_id = ""
            if not op_id or op_id in seen_ids:
                op_id = fallback_operation_id(method, path)
            op["operationId"] = op_id
            tag = snake_case(str(tags[0])) if isinstance(tags, list) and tags else ""
            op["tags"] = [tag or fallback_tag(path)]
        if op["operationId"] in seen_ids:
            raise SpecError(f"duplicate operationId {op['operationId']!r}")
        seen_ids.add(op["operationId"])


def normalize(
    source: JsonDict,
    *,
    contract: Contract | None = None,
    repair: bool = True,
    report: NormalizeReport | None = None,
) -> JsonDict:
    """Return a normalized copy of a Dune OpenAPI 3 document (the input is not modified).

    Names (paths, operations, schemas) are always canonical; `repair=False` leaves the values
    as the document has them (media types, enums, nullability), for comparing documents.
    """
    if not isinstance(source, dict):
        raise SpecError("not an OpenAPI document (expected a JSON or YAML mapping)")
    if "swagger" in source:
        raise SpecError(
            f"Swagger {source['swagger']} document; convert it to OpenAPI 3 first "
            "(e.g. with swagger2openapi)"
        )
    if not str(source.get("openapi", "")).startswith("3."):
        raise SpecError("not an OpenAPI 3 document (missing or wrong 'openapi' version)")
    if not isinstance(source.get("paths"), dict):
        raise SpecError("OpenAPI document has no 'paths' object")
    contract = contract or load_contract()
    report = report if report is not None else NormalizeReport()
    doc = copy.deepcopy(source)
    _canonical_paths(doc)
    _rename_schemas(doc, _pin_models(doc, contract, report), report)
    _name_operations(doc, contract, report)
    for _, path, op in iter_operations(doc):
        _fix_parameters(doc, path, op)
        op.pop("security", None)
        if repair:
            _fix_request_body(doc, op)
            _fix_responses(doc, op)
    if repair:
        _fix_schema_shapes(doc)
        _open_response_fields(doc)
        _free_form_rows(doc)
    _sort_properties(doc)
    return doc
