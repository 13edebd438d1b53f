"""Uploads (`/api/v1/uploads...`) and their deprecated `/api/v1/table...` aliases: create,
CSV upload, insert, clear, delete and list of tables `dune.<namespace>.<table>`."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ApiError
from ..uploads_store import Upload, check_name, parse_schema
from .common import MAX_INT32, emulator, int_param, json_body, json_response

MAX_LIST_LIMIT = 10_000


def _str_field(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"{key} must be a string")
    return value


def _bool_field(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(400, f"{key} must be true or false")
    return value


def _path_names(request: Request) -> tuple[str, str]:
    return request.path_params["namespace"].lower(), request.path_params["table_name"].lower()


def table_element(up: Upload) -> dict[str, Any]:
    """One entry of the uploads list."""
    return {
        "full_name": up.full_name,
        "is_private": up.is_private,
        "table_size_bytes": str(up.bytes),
        "created_at": up.created_at,
        "updated_at": up.updated_at,
        "purged_at": None,
        "owner": {"handle": up.namespace, "type": "user"},
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                "nullable": c.nullable,
                "metadata": {"description": "", "filtering_column": False},
            }
            for c in up.columns
        ],
    }


async def create_table(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True)
    namespace = check_name(body.get("namespace"), "namespace")
    table_name = check_name(body.get("table_name"), "table_name")
    columns = parse_schema(body.get("schema"))
    description = _str_field(body, "description")
    private = _bool_field(body, "is_private")
    up = await run_in_threadpool(
        state.uploads.create, namespace, table_name, columns, description, private
    )
    return json_response(
        {
            "namespace": up.namespace,
            "table_name": up.table_name,
            "full_name": up.full_name,
            "example_query": f"select * from {up.full_name} limit 10",
            "message": "Table created successfully",
            "already_existed": False,
        }
    )


async def upload_csv(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True)
    table_name = check_name(body.get("table_name"), "table_name")
    data = body.get("data")
    if not isinstance(data, str):
        raise ApiError(400, "data must be the CSV text as a string")
    description = _str_field(body, "description")
    private = _bool_field(body, "is_private")
    up = await run_in_threadpool(state.uploads.upload_csv, table_name, data, description, private)
    # Dune prefixes dataset_ and says so in both names
    return json_response({"success": True, "table_name": up.table_name, "full_name": up.full_name})


async def insert_rows(request: Request) -> Response:
    state = emulator(request)
    namespace, table_name = _path_names(request)
    state.uploads.get(namespace, table_name)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    rows = await run_in_threadpool(state.uploads.insert, namespace, table_name, body, content_type)
    return json_response(
        {"name": f"{namespace}.{table_name}", "rows_written": rows, "bytes_written": len(body)}
    )


async def clear_table(request: Request) -> Response:
    namespace, table_name = _path_names(request)
    up = await run_in_threadpool(emulator(request).uploads.clear, namespace, table_name)
    return json_response({"message": f"Table {up.namespace}.{up.table_name} successfully cleared"})


async def delete_table(request: Request) -> Response:
    namespace, table_name = _path_names(request)
    up = await run_in_threadpool(emulator(request).uploads.delete, namespace, table_name)
    return json_response({"message": f"Table {up.namespace}.{up.table_name} successfully deleted"})


async def list_tables(request: Request) -> Response:
    limit = int_param(request, "limit", 50, minimum=1, maximum=MAX_INT32) or 50
    limit = min(limit, MAX_LIST_LIMIT)
    offset = int_param(request, "offset", 0, minimum=-(2**31), maximum=MAX_INT32) or 0
    offset = max(offset, 0)
    tables = await run_in_threadpool(emulator(request).uploads.all)
    page = tables[offset : offset + limit]
    out: dict[str, Any] = {"tables": [table_element(up) for up in page]}
    if offset + limit < len(tables):
        out["next_offset"] = offset + limit
    return json_response(out)


def routes() -> list[Route]:
    new, old = "/api/v1/uploads", "/api/v1/table"
    return [
        Route(new, list_tables, methods=["GET"]),
        Route(new, create_table, methods=["POST"]),
        Route(f"{new}/csv", upload_csv, methods=["POST"]),
        Route(f"{new}/{{namespace}}/{{table_name}}/insert", insert_rows, methods=["POST"]),
        Route(f"{new}/{{namespace}}/{{table_name}}/clear", clear_table, methods=["POST"]),
        Route(f"{new}/{{namespace}}/{{table_name}}", delete_table, methods=["DELETE"]),
        Route("/api/v1/tables", list_tables, methods=["GET"]),
        Route(f"{old}/create", create_table, methods=["POST"]),
        Route(f"{old}/upload/csv", upload_csv, methods=["POST"]),
        Route(f"{old}/{{namespace}}/{{table_name}}/insert", insert_rows, methods=["POST"]),
        Route(f"{old}/{{namespace}}/{{table_name}}/clear", clear_table, methods=["POST"]),
        Route(f"{old}/{{namespace}}/{{table_name}}", delete_table, methods=["DELETE"]),
    ]
