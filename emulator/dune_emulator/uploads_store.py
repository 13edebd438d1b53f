"""Uploaded tables: real DuckDB tables `dune.<namespace>.<table>` plus their metadata (columns
as declared, description, privacy, timestamps, bytes written) kept in the same catalog."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from . import dune_catalog
from .dune_catalog import CATALOG, META_SCHEMA
from .dune_types import dune_type, quote_ident
from .errors import ApiError
from .type_inference import mark_int256

#: Dune upload column type → DuckDB storage type.
COLUMN_TYPES = {
    "varchar": "VARCHAR",
    "varbinary": "BLOB",
    "uint256": "UINT256",
    "int256": "INT256",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")
COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
UINT256_MAX = str(2**256 - 1)
INT256_MIN, INT256_MAX = str(-(2**255)), str(2**255 - 1)
_META = f"{CATALOG}.{META_SCHEMA}.uploads"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Dune type name
    nullable: bool = True


@dataclass
class Upload:
    """One uploaded table's metadata."""

    namespace: str
    table_name: str
    description: str
    is_private: bool
    columns: list[Column]
    created_at: str
    updated_at: str
    bytes: int

    @property
    def full_name(self) -> str:
        return f"{CATALOG}.{self.namespace}.{self.table_name}"

    @property
    def qualified(self) -> str:
        return f"{CATALOG}.{quote_ident(self.namespace)}.{quote_ident(self.table_name)}"


def check_name(value: Any, what: str) -> str:
    """A lower-cased namespace/table name, or 400."""
    if not isinstance(value, str) or not NAME_RE.match(value.lower()):
        raise ApiError(
            400, f"{what} must be letters, digits and underscores, not starting with a digit"
        )
    return value.lower()


def parse_schema(raw: Any) -> list[Column]:
    """The `schema` of a create request: a non-empty list of {name, type, nullable}."""
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "schema must be a non-empty list of {name, type, nullable} objects")
    columns: list[Column] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ApiError(400, "each schema entry must be an object with name and type")
        name, typ, nullable = item.get("name"), item.get("type"), item.get("nullable", True)
        if not isinstance(name, str) or not COLUMN_RE.match(name):
            raise ApiError(
                400, f"invalid column name {name!r}: must not start with a digit or symbol"
            )
        if not isinstance(typ, str) or typ.lower() not in COLUMN_TYPES:
            allowed = ", ".join(COLUMN_TYPES)
            raise ApiError(400, f"column {name}: unsupported type {typ!r} (allowed: {allowed})")
        if not isinstance(nullable, bool):
            raise ApiError(400, f"column {name}: nullable must be true or false")
        if any(c.name.lower() == name.lower() for c in columns):
            raise ApiError(400, f"duplicate column name {name!r}")
        columns.append(Column(name, typ.lower(), nullable))
    return columns


def _cast_sql(col: Column) -> str:
    """SQL turning the text value `v` into the column's storage value (raising on bad input)."""
    v = quote_ident(col.name)
    if col.type == "varbinary":
        return (
            f"CASE WHEN {v} IS NULL THEN NULL WHEN lower({v}) LIKE '0x%' "
            f"THEN unhex(substr({v}, 3)) ELSE from_base64({v}) END"
        )
    if col.type in ("uint256", "int256"):
        lo, hi = ("0", UINT256_MAX) if col.type == "uint256" else (INT256_MIN, INT256_MAX)
        x = f"CAST({v} AS BIGNUM)"
        return (
            f"CASE WHEN {x} < CAST('{lo}' AS BIGNUM) OR {x} > CAST('{hi}' AS BIGNUM) "
            f"THEN error('value ' || {v} || ' is out of range for {col.type} column "
            f"{col.name}') ELSE {x} END"
        )
    return f"CAST({v} AS {COLUMN_TYPES[col.type]})"


def _text(value: Any, column: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    raise ApiError(400, f"column {column}: nested JSON values are not supported")


def parse_rows(body: bytes, content_type: str, columns: list[Column]) -> dict[str, list[Any]]:
    """Column name → text values, from CSV (header must name exactly the columns) or NDJSON."""
    names = {c.name.lower(): c.name for c in columns}
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not valid UTF-8") from None
    out: dict[str, list[Any]] = {c.name: [] for c in columns}
    if media == "text/csv":
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header is None:
            raise ApiError(400, "the CSV body is empty: expected a header row")
        keys = [h.strip().lower() for h in header]
        if sorted(keys) != sorted(names):
            raise ApiError(
                400,
                f"CSV header {header} does not match the table columns {list(names.values())}",
            )
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(keys):
                raise ApiError(400, f"CSV line {line_no}: {len(row)} fields, expected {len(keys)}")
            for key, value in zip(keys, row, strict=True):
                out[names[key]].append(value if value != "" else None)
        return out
    if media in ("application/x-ndjson", "application/ndjson", "application/jsonl"):
        for line_no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ApiError(400, f"NDJSON line {line_no} is not valid JSON") from None
            if not isinstance(obj, dict):
                raise ApiError(400, f"NDJSON line {line_no} is not a JSON object")
            unknown = [k for k in obj if k.lower() not in names]
            if unknown:
                raise ApiError(400, f"NDJSON line {line_no}: unknown columns {unknown}")
            lowered = {k.lower(): v for k, v in obj.items()}
            for key, name in names.items():
                out[name].append(_text(lowered.get(key), name))
        return out
    raise ApiError(400, "Content-Type must be text/csv or application/x-ndjson")


class UploadStore:
    """All uploaded tables of one emulator; every method is thread-safe."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        data_dir: Path | None,
        now: Callable[[], str],
        csv_namespace: str,
    ) -> None:
        #: The owner's handle: CSV uploads land in `dune.<handle>.dataset_<name>`.
        self.csv_namespace = csv_namespace
        self._con = con
        self._now = now
        self._lock = threading.RLock()
        #: Where CSV uploads are staged: the one directory the locked-down DuckDB may read.
        self.scratch_dir: str | None = None
        dune_catalog.attach(con, data_dir)
        self._sql(
            f"CREATE TABLE IF NOT EXISTS {_META} (namespace VARCHAR, table_name VARCHAR, "
            "description VARCHAR, is_private BOOLEAN, columns VARCHAR, created_at VARCHAR, "
            "updated_at VARCHAR, bytes BIGINT, PRIMARY KEY (namespace, table_name))"
        )

    def _sql(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return dune_catalog.run_sql(self._con, sql, params)

    # -- reading ----------------------------------------------------------------------------
    def all(self) -> list[Upload]:
        rows = self._sql(f"SELECT * FROM {_META} ORDER BY created_at, namespace, table_name")
        return [_upload(r) for r in rows]

    def find(self, namespace: str, table_name: str) -> Upload | None:
        rows = self._sql(
            f"SELECT * FROM {_META} WHERE namespace = ? AND table_name = ?",
            [namespace.lower(), table_name.lower()],
        )
        return _upload(rows[0]) if rows else None

    def get(self, namespace: str, table_name: str) -> Upload:
        up = self.find(namespace, table_name)
        if up is None:
            raise ApiError(404, f"Table {CATALOG}.{namespace}.{table_name} not found")
        return up

    def total_bytes(self) -> int:
        return int(self._sql(f"SELECT coalesce(sum(bytes), 0) FROM {_META}")[0][0])

    # -- writing ----------------------------------------------------------------------------
    def create(
        self,
        namespace: str,
        table_name: str,
        columns: list[Column],
        description: str,
        is_private: bool,
    ) -> Upload:
        with self._lock:
            if self.find(namespace, table_name) is not None:
                raise ApiError(400, f"Table {CATALOG}.{namespace}.{table_name} already exists")
            now = self._now()
            up = Upload(namespace, table_name, description, is_private, columns, now, now, 0)
            defs = ", ".join(
                f"{quote_ident(c.name)} {COLUMN_TYPES[c.type]}"
                + ("" if c.nullable else " NOT NULL")
                for c in columns
            )
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN")
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{quote_ident(namespace)}")
                cur.execute(f"DROP TABLE IF EXISTS {up.qualified}")
                cur.execute(f"CREATE TABLE {up.qualified} ({defs})")
                for c in columns:
                    if c.type == "int256":
                        mark_int256(cur, up.qualified, c.name)
                self._write_meta(cur, up)
                cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
            return up

    def upload_csv(self, table_name: str, data: str, description: str, is_private: bool) -> Upload:
        """Create or replace `dune.emulator.dataset_<table_name>` from CSV, inferring types."""
        if not data.strip():
            raise ApiError(400, "data is empty: expected CSV text with a header row")
        name = "dataset_" + table_name
        fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="dune-upload-", dir=self.scratch_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        with self._lock:
            now = self._now()
            old = self.find(self.csv_namespace, name)
            up = Upload(
                self.csv_namespace,
                name,
                description,
                is_private,
                [],
                old.created_at if old else now,
                now,
                len(data.encode()),
            )
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN")
                cur.execute(
                    f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{quote_ident(self.csv_namespace)}"
                )
                cur.execute(
                    f"CREATE OR REPLACE TABLE {up.qualified} AS SELECT * FROM "
                    "read_csv(?, header = true, auto_detect = true, sample_size = -1)",
                    [tmp],
                )
                cur.execute(
                    "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                    "WHERE database_name = ? AND schema_name = ? AND table_name = ? "
                    "ORDER BY column_index",
                    [CATALOG, self.csv_namespace, name],
                )
                up.columns = [Column(n, dune_type(t), bool(nl)) for n, t, nl in cur.fetchall()]
                cur.execute(
                    f"DELETE FROM {_META} WHERE namespace = ? AND table_name = ?",
                    [
                        self.csv_namespace,
                        name,
                    ],
                )
                self._write_meta(cur, up)
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise ApiError(400, f"could not read the CSV: {str(exc).splitlines()[0]}") from None
            finally:
                cur.close()
                Path(tmp).unlink(missing_ok=True)
            return up

    def insert(self, namespace: str, table_name: str, body: bytes, content_type: str) -> int:
        """Append rows atomically; returns the number of rows written."""
        up = self.get(namespace, table_name)
        values = parse_rows(body, content_type, up.columns)
        count = len(next(iter(values.values()))) if values else 0
        arrow = pa.table({name: pa.array(vals, pa.string()) for name, vals in values.items()})
        cols = ", ".join(quote_ident(c.name) for c in up.columns)
        exprs = ", ".join(_cast_sql(c) for c in up.columns)
        with self._lock:
            cur = self._con.cursor()
            view = "_emulator_insert_rows"
            try:
                cur.register(view, arrow)
                cur.execute("BEGIN")
                cur.execute(f"INSERT INTO {up.qualified} ({cols}) SELECT {exprs} FROM {view}")
                cur.execute(
                    f"UPDATE {_META} SET bytes = bytes + ?, updated_at = ? "
                    "WHERE namespace = ? AND table_name = ?",
                    [len(body), self._now(), up.namespace, up.table_name],
                )
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                msg = str(exc).splitlines()[0]
                raise ApiError(400, f"no rows were written: {msg}") from None
            finally:
                with contextlib.suppress(duckdb.Error):
                    cur.unregister(view)
                cur.close()
        return count

    def clear(self, namespace: str, table_name: str) -> Upload:
        with self._lock:
            up = self.get(namespace, table_name)
            self._sql(f"DELETE FROM {up.qualified}")
            self._sql(
                f"UPDATE {_META} SET bytes = 0, updated_at = ? "
                "WHERE namespace = ? AND table_name = ?",
                [self._now(), up.namespace, up.table_name],
            )
            return up

    def delete(self, namespace: str, table_name: str) -> Upload:
        with self._lock:
            up = self.get(namespace, table_name)
            self._drop(up)
            return up

    def reset(self) -> None:
        """Drop every uploaded table (other tables in the `dune` catalog are left alone)."""
        with self._lock:
            for up in self.all():
                self._drop(up)

    def _drop(self, up: Upload) -> None:
        self._sql(f"DROP TABLE IF EXISTS {up.qualified}")
        self._sql(
            f"DELETE FROM {_META} WHERE namespace = ? AND table_name = ?",
            [up.namespace, up.table_name],
        )

    def _write_meta(self, cur: duckdb.DuckDBPyConnection, up: Upload) -> None:
        cols = orjson.dumps([c.__dict__ for c in up.columns]).decode()
        cur.execute(
            f"INSERT INTO {_META} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                up.namespace,
                up.table_name,
                up.description,
                up.is_private,
                cols,
                up.created_at,
                up.updated_at,
                up.bytes,
            ],
        )


def _upload(row: tuple[Any, ...]) -> Upload:
    ns, tn, desc, private, cols, created, updated, nbytes = row
    columns = [Column(**c) for c in orjson.loads(cols)]
    return Upload(ns, tn, desc or "", bool(private), columns, created, updated, int(nbytes))
