"""`GET /api/v1/datasets[/{slug}]`: the catalog, read from DuckDB: the sample spells, uploaded
tables, materialized views (`dune.<ns>.result_*`) and other tables users created."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..dune_catalog import CATALOG
from ..dune_types import dune_type
from ..errors import ApiError
from ..state import EmulatorState
from .common import emulator, int_param, json_response

TYPES = (
    "transformation_view",
    "transformation_table",
    "uploaded_table",
    "decoded_table",
    "spell",
    "dune_table",
    "materialized_view",
)
MAX_LIMIT = 250
SAMPLE_SPELLS = {
    "dex.trades": "Sample DEX trades across five chains (deterministic emulator data).",
    "tokens.transfers": "Sample token transfers (deterministic emulator data).",
}
FIXED_TIME = "2024-01-01T00:00:00Z"


def _columns(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "type": dune_type(typ),
            "nullable": bool(nullable),
            "metadata": {"description": "", "filtering_column": False},
        }
        for name, typ, nullable in rows
    ]


def catalog(state: EmulatorState) -> list[dict[str, Any]]:
    """Every dataset, sorted by full name."""
    uploads = {(u.namespace, u.table_name): u for u in state.uploads.all()}
    cur = state.db.cursor()
    try:
        main = cur.execute("SELECT current_database()").fetchone()
        tables = cur.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
            "WHERE NOT temporary AND NOT internal UNION "
            "SELECT database_name, schema_name, view_name FROM duckdb_views() "
            "WHERE NOT temporary AND NOT internal"
        ).fetchall()
        cols = cur.execute(
            "SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable "
            "FROM duckdb_columns() WHERE NOT internal ORDER BY column_index"
        ).fetchall()
    finally:
        cur.close()
    by_table: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for db, schema, table, name, typ, nullable in cols:
        by_table.setdefault((db, schema, table), []).append((name, typ, nullable))
    out = []
    for db, schema, table in tables:
        if schema.startswith("_emulator") or schema in ("main", "information_schema"):
            continue
        key = (db, schema, table)
        entry: dict[str, Any] = {
            "is_private": False,
            "columns": _columns(by_table.get(key, [])),
            "metadata": {},
            "created_at": FIXED_TIME,
            "updated_at": FIXED_TIME,
        }
        if main is not None and db == main[0]:
            full = f"{schema}.{table}"
            kind = "spell" if full in SAMPLE_SPELLS else "dune_table"
            entry["owner"] = {"handle": "dune", "type": "team"}
            if full in SAMPLE_SPELLS:
                entry["metadata"] = {"description": SAMPLE_SPELLS[full]}
        elif db == CATALOG:
            full = f"{CATALOG}.{schema}.{table}"
            up = uploads.get((schema, table))
            kind = (
                "uploaded_table"
                if up
                else "materialized_view"
                if table.startswith("result_")
                else "dune_table"
            )
            entry["owner"] = {"handle": schema, "type": "user" if up else "team"}
            if up is not None:
                entry["is_private"] = up.is_private
                entry["created_at"], entry["updated_at"] = up.created_at, up.updated_at
                entry["metadata"] = {"description": up.description}
                entry["columns"] = [
                    {**c, "type": d.type}
                    for c, d in zip(entry["columns"], up.columns, strict=False)
                ]
        else:
            continue
        out.append({"full_name": full, "type": kind, **entry})
    out.sort(key=lambda d: d["full_name"])
    return out


def _order(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("full_name", "type", "is_private", "owner", "columns", "metadata")
    return {k: entry[k] for k in (*keys, "created_at", "updated_at")}


async def list_datasets(request: Request) -> Response:
    state = emulator(request)
    limit = min(int_param(request, "limit", 50, minimum=1) or 50, MAX_LIMIT)
    offset = int_param(request, "offset", 0, minimum=0) or 0
    owner = request.query_params.get("owner_handle", "").strip().lower()
    raw_types = request.query_params.get("type", "")
    types = set(raw_types.split(",")) if raw_types else set()
    unknown = sorted(types - set(TYPES))
    if unknown:
        raise ApiError(400, f"unknown dataset type(s) {unknown}; known: {', '.join(TYPES)}")
    items = await run_in_threadpool(catalog, state)
    items = [
        d
        for d in items
        if (not owner or d["owner"]["handle"].lower() == owner)
        and (not types or d["type"] in types)
    ]
    page = [_order(d) for d in items[offset : offset + limit]]
    return json_response({"datasets": page, "total": len(items)})


async def get_dataset(request: Request) -> Response:
    slug = request.path_params["slug"].strip().lower()
    items = await run_in_threadpool(catalog, emulator(request))
    for d in items:
        if d["full_name"].lower() == slug:
            return json_response(_order(d))
    raise ApiError(404, f"Dataset {request.path_params['slug']} not found")


def routes() -> list[Route]:
    return [
        Route("/api/v1/datasets", list_datasets, methods=["GET"]),
        Route("/api/v1/datasets/{slug}", get_dataset, methods=["GET"]),
    ]
