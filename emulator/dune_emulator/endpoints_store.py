"""Custom endpoint definitions (`handle/slug` → saved query + parameter values), kept in the
`dune` catalog's bookkeeping schema so they persist with `--data-dir`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson

from . import dune_catalog
from .dune_catalog import CATALOG, META_SCHEMA
from .errors import ApiError

SLUG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_META = f"{CATALOG}.{META_SCHEMA}.custom_endpoints"


@dataclass(frozen=True)
class CustomEndpoint:
    handle: str
    slug: str
    query_id: int
    parameters: dict[str, str]

    def to_api(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "slug": self.slug,
            "query_id": self.query_id,
            "parameters": self.parameters,
        }


def parse_definition(body: dict[str, Any]) -> CustomEndpoint:
    """Validate a control-API definition `{handle, slug, query_id, parameters?}`."""
    handle, slug, query_id = body.get("handle"), body.get("slug"), body.get("query_id")
    for key, value in (("handle", handle), ("slug", slug)):
        if not isinstance(value, str) or not SLUG_RE.match(value):
            raise ApiError(400, f"{key} must be a non-empty name of letters, digits, _ . -")
    if not isinstance(query_id, int) or isinstance(query_id, bool) or query_id <= 0:
        raise ApiError(400, "query_id must be a positive integer")
    params = body.get("parameters", {}) or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise ApiError(400, "parameters must be an object of name → value")
    text = {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()}
    assert isinstance(handle, str) and isinstance(slug, str)
    return CustomEndpoint(handle.lower(), slug, query_id, text)


class EndpointStore:
    """Custom endpoints of one emulator (the `dune` catalog must already be attached)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._sql(
            f"CREATE TABLE IF NOT EXISTS {_META} (handle VARCHAR, slug VARCHAR, "
            "query_id BIGINT, parameters VARCHAR, PRIMARY KEY (handle, slug))"
        )

    def _sql(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return dune_catalog.run_sql(self._con, sql, params)

    def put(self, ep: CustomEndpoint) -> None:
        self._sql(
            f"INSERT OR REPLACE INTO {_META} VALUES (?, ?, ?, ?)",
            [ep.handle, ep.slug, ep.query_id, orjson.dumps(ep.parameters).decode()],
        )

    def find(self, handle: str, slug: str) -> CustomEndpoint | None:
        rows = self._sql(
            f"SELECT * FROM {_META} WHERE handle = ? AND slug = ?", [handle.lower(), slug]
        )
        return _endpoint(rows[0]) if rows else None

    def all(self) -> list[CustomEndpoint]:
        return [_endpoint(r) for r in self._sql(f"SELECT * FROM {_META} ORDER BY handle, slug")]

    def remove(self, handle: str, slug: str) -> bool:
        found = self.find(handle, slug) is not None
        self._sql(f"DELETE FROM {_META} WHERE handle = ? AND slug = ?", [handle.lower(), slug])
        return found

    def reset(self) -> None:
        self._sql(f"DELETE FROM {_META}")


def _endpoint(row: tuple[Any, ...]) -> CustomEndpoint:
    handle, slug, query_id, params = row
    return CustomEndpoint(handle, slug, int(query_id), orjson.loads(params))
