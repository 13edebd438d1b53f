"""Materialized views: metadata kept in the `dune` catalog, data as real DuckDB tables
`dune.emulator.result_<x>` written when a refresh execution completes."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson

from . import dune_catalog
from .config import DEFAULT_OWNER_HANDLE
from .cron import validate_cron
from .dune_catalog import CATALOG, META_SCHEMA
from .dune_types import quote_ident
from .engine import WITH_RESULT, Execution, ExecutionEngine
from .errors import OBJECT_NOT_FOUND, ApiError, bad_request
from .query_store import QueryStore, bind_parameters
from .type_inference import keep_int256

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^result_[a-z0-9_]{1,120}$")
PERFORMANCE = ("medium", "large")
_META = f"{CATALOG}.{META_SCHEMA}.matviews"
_LAST_EXECUTIONS = 10


def full_name(namespace: str, short: str) -> str:
    return f"{CATALOG}.{namespace}.{short}"


def short_name(raw: str, namespace: str, *, strict: bool = False) -> str:
    """`result_x` from `result_x` or `dune.<namespace>.result_x` (case-insensitive); 404 for
    another namespace, 400 for a malformed name when `strict`."""
    parts = raw.strip().lower().split(".")
    if len(parts) == 3 and parts[0] == CATALOG:
        if parts[1] != namespace:
            raise ApiError(404, OBJECT_NOT_FOUND)
        parts = parts[2:]
    name = parts[0] if len(parts) == 1 else ""
    if not NAME_RE.match(name):
        if strict:
            raise bad_request(
                f"invalid materialized view name {raw!r}: use result_<name> "
                "(lower-case letters, digits, underscores)"
            )
        raise ApiError(404, OBJECT_NOT_FOUND)
    return name


@dataclass
class MatView:
    """One materialized view's settings and recent refreshes."""

    name: str  # short name, result_<x>
    query_id: int
    namespace: str = DEFAULT_OWNER_HANDLE  # the owner's handle
    created_at: str = ""
    updated_at: str = ""
    is_private: bool = False
    performance: str = "medium"
    cron_expression: str | None = None
    expires_at: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    last_execution_ids: list[str] = field(default_factory=list)
    table_size_bytes: int = 0

    @property
    def full_name(self) -> str:
        return full_name(self.namespace, self.name)

    @property
    def qualified(self) -> str:
        return f"{CATALOG}.{quote_ident(self.namespace)}.{quote_ident(self.name)}"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sql_id": self.full_name,
            "query_id": self.query_id,
            "is_private": self.is_private,
            "table_size_bytes": self.table_size_bytes,
        }

    def to_api(self) -> dict[str, Any]:
        out = self.summary()
        out["last_execution_ids"] = list(self.last_execution_ids)
        if self.cron_expression is not None:
            out["schedule"] = {
                "cron_expression": self.cron_expression,
                "performance": self.performance,
                "expires_at": self.expires_at,
            }
        return out


class MatviewStore:
    """All views; refreshes are engine executions whose completion writes the view's table."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        engine: ExecutionEngine,
        queries: QueryStore,
        data_dir: Path | None,
        namespace: str,
        now: Callable[[], str],
    ) -> None:
        self.namespace = namespace
        self._now = now
        self._con = con
        self._engine = engine
        self._queries = queries
        self._lock = threading.RLock()
        self._views: dict[str, MatView] = {}
        self._refreshing: dict[str, str] = {}  # execution_id -> short name
        dune_catalog.attach(con, data_dir)
        self._sql(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{quote_ident(namespace)}")
        self._sql(f"CREATE TABLE IF NOT EXISTS {_META} (name VARCHAR PRIMARY KEY, record VARCHAR)")
        for name, record in self._sql(f"SELECT name, record FROM {_META}"):
            self._views[name] = MatView(**orjson.loads(record))
        engine.finalize_hooks.append(self._on_finalize)

    def _sql(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return dune_catalog.run_sql(self._con, sql, params)

    def _save(self, view: MatView) -> None:
        self._sql(
            f"INSERT OR REPLACE INTO {_META} VALUES (?, ?)",
            [view.name, orjson.dumps(asdict(view)).decode()],
        )

    # -- reading ----------------------------------------------------------------------------
    def get(self, raw_name: str) -> MatView:
        with self._lock:
            view = self._views.get(short_name(raw_name, self.namespace))
        if view is None:
            raise ApiError(404, OBJECT_NOT_FOUND)
        return view

    def find(self, full: str) -> MatView | None:
        """The view with this full name, or None (any other name is not a view of ours)."""
        try:
            return self.get(full)
        except ApiError:
            return None

    def list(self) -> list[MatView]:
        with self._lock:
            return sorted(self._views.values(), key=lambda v: v.name)

    # -- writing ----------------------------------------------------------------------------
    def upsert(self, body: dict[str, Any]) -> tuple[MatView, Execution]:
        """Create or update (same query only) a view, then start its refresh."""
        raw = body.get("name")
        if not isinstance(raw, str):
            raise bad_request("name is required: result_<name>")
        name = short_name(raw, self.namespace, strict=True)
        query_id = body.get("query_id")
        if not isinstance(query_id, int) or isinstance(query_id, bool) or query_id <= 0:
            raise bad_request("query_id is required and must be a positive integer")
        self._queries.get(query_id)
        settings = _settings(body)
        with self._lock:
            view = self._views.get(name)
            if view is not None and view.query_id != query_id:
                raise bad_request(
                    f"materialized view {full_name(self.namespace, name)} already exists for query "
                    f"{view.query_id}, not {query_id}"
                )
            if view is None:
                now = self._now()
                view = MatView(name, query_id, self.namespace, created_at=now, updated_at=now)
            for key, value in settings.items():
                setattr(view, key, value)
            self._views[name] = view
            self._save(view)
        return view, self.refresh(name, view.performance)

    def refresh(self, raw_name: str, performance: str | None = None) -> Execution:
        """Start an execution of the view's query (default parameter values)."""
        view = self.get(raw_name)
        ex = self.submit(view, performance or view.performance)
        return ex

    def submit(self, view: MatView, performance: str, at_ns: int | None = None) -> Execution:
        """Queue a refresh of `view` (now, or at `at_ns` from inside a finalize hook)."""
        query = self._queries.get(view.query_id)
        sql, values = bind_parameters(query.query_sql, query.parameters, {})
        with self._engine.lock, self._lock:  # engine first: the finalize hooks lock that way
            if at_ns is None:
                ex = self._engine.submit(view.query_id, sql, values, performance)
            else:
                ex = self._engine.enqueue(view.query_id, sql, values, performance, at_ns)
            self._refreshing[ex.execution_id] = view.name
            view.last_execution_ids = [ex.execution_id, *view.last_execution_ids][:_LAST_EXECUTIONS]
            self._save(view)
        return ex

    def delete(self, raw_name: str) -> MatView:
        view = self.get(raw_name)
        with self._lock:
            self._views.pop(view.name, None)
            self._sql(f"DROP TABLE IF EXISTS {view.qualified}")
            self._sql(f"DELETE FROM {_META} WHERE name = ?", [view.name])
        return view

    def clear(self) -> None:
        with self._lock:
            for view in list(self._views.values()):
                self._sql(f"DROP TABLE IF EXISTS {view.qualified}")
            self._views.clear()
            self._refreshing.clear()
            self._sql(f"DELETE FROM {_META}")

    def _on_finalize(self, ex: Execution) -> None:
        """Engine hook (its lock held): a completed refresh replaces the view's table."""
        with self._lock:
            name = self._refreshing.pop(ex.execution_id, None)
            view = self._views.get(name) if name else None
            if view is None or ex.final_state not in WITH_RESULT or ex.result is None:
                return
            self._sql(
                f"CREATE OR REPLACE TABLE {view.qualified} AS SELECT * FROM {ex.result.qualified}"
            )
            keep_int256(self._con, view.qualified, ex.result.column_names, ex.result.duckdb_types)
            view.table_size_bytes = ex.result.total_bytes
            view.updated_at = self._now()
            self._save(view)


def _settings(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if body.get("is_private") is not None:
        if not isinstance(body["is_private"], bool):
            raise bad_request("is_private must be a boolean")
        out["is_private"] = body["is_private"]
    if body.get("performance") is not None:
        if body["performance"] not in PERFORMANCE:
            raise bad_request(
                f"invalid performance {body['performance']!r}: use 'medium' or 'large'"
            )
        out["performance"] = body["performance"]
    if body.get("cron_expression") not in (None, ""):
        out["cron_expression"] = validate_cron(body["cron_expression"])
    if body.get("expires_at") is not None:
        if not isinstance(body["expires_at"], str):
            raise bad_request("expires_at must be an RFC 3339 timestamp string")
        out["expires_at"] = body["expires_at"]
    return out
