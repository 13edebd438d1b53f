"""Normalize any Dune OpenAPI document (ours or upstream's) before generation or comparison.

The upstream document is produced by a Go generator and carries artifacts that would make
openapi-python-client drop endpoints, add bogus required arguments or build row models that
crash on scalar cells. `normalize` removes them and makes the output order deterministic.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

JsonDict = dict[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PREFIX = "#/components/schemas/"

# (method, path) -> (tag, operationId); the agreed contract for module names.
OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("post", "/v1/query/{query_id}/execute"): ("executions", "execute_query"),
    ("post", "/v1/sql/execute"): ("executions", "execute_sql"),
    ("get", "/v1/execution/{execution_id}/status"): ("executions", "get_execution_status"),
    ("get", "/v1/execution/{execution_id}/results"): ("executions", "get_execution_results"),
    ("get", "/v1/execution/{execution_id}/results/csv"): (
        "executions",
        "get_execution_results_csv",
    ),
    ("get", "/v1/query/{query_id}/results"): ("executions", "get_latest_query_results"),
    ("get", "/v1/query/{query_id}/results/csv"): ("executions", "get_latest_query_results_csv"),
    ("post", "/v1/execution/{execution_id}/cancel"): ("executions", "cancel_execution"),
    ("get", "/v1/query/{query_id}/pipeline"): ("pipelines", "get_query_pipeline"),
    ("post", "/v1/query/{query_id}/pipeline/execute"): ("pipelines", "execute_query_pipeline"),
    ("post", "/v1/pipelines/execute"): ("pipelines", "execute_pipeline"),
    ("get", "/v1/pipelines/executions/{pipeline_execution_id}/status"): (
        "pipelines",
        "get_pipeline_execution_status",
    ),
    ("get", "/v1/queries"): ("queries", "list_queries"),
    ("post", "/v1/query"): ("queries", "create_query"),
    ("get", "/v1/query/{query_id}"): ("queries", "get_query"),
    ("patch", "/v1/query/{query_id}"): ("queries", "update_query"),
    ("post", "/v1/query/{query_id}/archive"): ("queries", "archive_query"),
    ("post", "/v1/query/{query_id}/unarchive"): ("queries", "unarchive_query"),
    ("post", "/v1/query/{query_id}/private"): ("queries", "make_query_private"),
    ("post", "/v1/query/{query_id}/unprivate"): ("queries", "make_query_public"),
    ("get", "/v1/uploads"): ("uploads", "list_uploads"),
    ("post", "/v1/uploads"): ("uploads", "create_upload"),
    ("post", "/v1/uploads/csv"): ("uploads", "upload_csv"),
    ("post", "/v1/uploads/{namespace}/{table_name}/insert"): ("uploads", "insert_upload_rows"),
    ("post", "/v1/uploads/{namespace}/{table_name}/clear"): ("uploads", "clear_upload"),
    ("delete", "/v1/uploads/{namespace}/{table_name}"): ("uploads", "delete_upload"),
    ("get", "/v1/materialized-views"): ("materialized_views", "list_materialized_views"),
    ("post", "/v1/materialized-views"): ("materialized_views", "upsert_materialized_view"),
    ("get", "/v1/materialized-views/{name}"): ("materialized_views", "get_materialized_view"),
    ("delete", "/v1/materialized-views/{name}"): (
        "materialized_views",
        "delete_materialized_view",
    ),
    ("post", "/v1/materialized-views/{name}/refresh"): (
        "materialized_views",
        "refresh_materialized_view",
    ),
    ("post", "/v1/usage"): ("usage", "get_usage"),
    ("get", "/v1/datasets"): ("datasets", "list_datasets"),
    ("get", "/v1/datasets/{slug}"): ("datasets", "get_dataset"),
    ("get", "/v1/endpoints/{handle}/{endpoint_slug}/results"): (
        "custom_endpoints",
        "get_custom_endpoint_results",
    ),
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


def _rename_schemas(doc: JsonDict) -> None:
    schemas = doc.get("components", {}).get("schemas")
    if not isinstance(schemas, dict):
        return
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for old in sorted(schemas):
        new = short_schema_name(old)
        if new in taken:  # two packages define the same name: keep the prefix, joined
            new = "".join(part[:1].upper() + part[1:] for part in old.split("."))
        if new in taken:
            raise SpecError(f"schema names collide after normalization: {old!r}")
        taken.add(new)
        renames[old] = new
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
        rows = props.get("rows") if isinstance(props, dict) else None
        if isinstance(rows, dict) and rows.get("type") == "array":
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


def _fix_responses(doc: JsonDict, op: JsonDict) -> None:
    responses = op.get("responses")
    if not isinstance(responses, dict):
        return
    for status, response in responses.items():
        resolved = resolve(doc, response)
        content = resolved.get("content") if isinstance(resolved, dict) else None
        if not isinstance(content, dict) or str(status).startswith("2"):
            continue
        # Error bodies are JSON even where the document claims text/plain.
        if "text/plain" in content and "application/json" not in content:
            schema = content["text/plain"].get("schema")
            if isinstance(resolve(doc, schema), dict) and not _is_raw_string(doc, schema):
                content["application/json"] = content.pop("text/plain")


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


def _sort_properties(doc: JsonDict) -> None:
    for node in _walk(doc):
        props = node.get("properties")
        if isinstance(props, dict) and all(isinstance(v, dict) for v in props.values()):
            node["properties"] = dict(sorted(props.items()))
            required = node.get("required")
            if isinstance(required, list):
                node["required"] = sorted(required)


def normalize(source: JsonDict) -> JsonDict:
    """Return a normalized copy of a Dune OpenAPI 3 document (the input is not modified)."""
    if not isinstance(source, dict) or not str(source.get("openapi", "")).startswith("3."):
        raise SpecError("not an OpenAPI 3 document (missing or wrong 'openapi' version)")
    doc = copy.deepcopy(source)
    _rename_schemas(doc)

    new_paths: JsonDict = {}
    for path, item in doc.get("paths", {}).items():
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

    seen_ids: set[str] = set()
    for method, path, op in iter_operations(doc):
        tag, op_id = OPERATIONS.get(
            (method, path), (fallback_tag(path), fallback_operation_id(method, path))
        )
        op.setdefault("operationId", op_id)
        if not op.get("tags"):
            op["tags"] = [tag]
        if op["operationId"] in seen_ids:
            raise SpecError(f"duplicate operationId {op['operationId']!r}")
        seen_ids.add(op["operationId"])
        _fix_parameters(doc, path, op)
        _fix_request_body(doc, op)
        _fix_responses(doc, op)
        op.pop("security", None)

    _free_form_rows(doc)
    _sort_properties(doc)
    return doc
