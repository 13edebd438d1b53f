"""A completed result: a DuckDB table (for filters, sorting, sampling) plus pre-encoded JSON and
CSV rows for the fast path, so a page is a slice of one buffer and nothing is built per row."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from .dune_types import csv_header, csv_row_sql, dune_type, json_row_sql, quote_ident
from .type_inference import mark_result_types

RESULT_SCHEMA = "_emulator_results"


@dataclass
class EncodedRows:
    """Rows encoded as one contiguous buffer; row i is data[offsets[i]:offsets[i+1]]."""

    data: memoryview
    offsets: memoryview
    keep: pa.Array

    @classmethod
    def from_arrow(cls, column: pa.ChunkedArray | pa.Array) -> EncodedRows:
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks() if column.num_chunks else pa.array([], pa.string())
        arr = column.cast(pa.large_string())
        if arr.offset:
            arr = pa.concat_arrays([arr])
        buffers = arr.buffers()
        n = len(arr)
        offsets = memoryview(buffers[1]).cast("B")[: (n + 1) * 8].cast("q")
        data = memoryview(buffers[2]).cast("B") if buffers[2] is not None else memoryview(b"")
        return cls(data, offsets, arr)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def slice(self, start: int, stop: int) -> memoryview:
        """Concatenated encodings of rows [start, stop)."""
        if stop <= start:
            return memoryview(b"")
        return self.data[self.offsets[start] : self.offsets[stop]]

    @property
    def nbytes(self) -> int:
        return int(self.offsets[len(self)] - self.offsets[0]) if len(self) else 0


@dataclass
class StoredResult:
    """The stored rows of one execution and the metadata to describe them."""

    table: str  # unqualified table name inside RESULT_SCHEMA
    column_names: list[str]
    duckdb_types: list[str]
    row_count: int
    _json: EncodedRows | None = None
    _csv: EncodedRows | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def qualified(self) -> str:
        return f"{RESULT_SCHEMA}.{quote_ident(self.table)}"

    @property
    def column_types(self) -> list[str]:
        return [dune_type(t) for t in self.duckdb_types]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return list(zip(self.column_names, self.duckdb_types, strict=True))

    def json_rows(self, con: duckdb.DuckDBPyConnection) -> EncodedRows:
        """All rows as JSON objects, each followed by a comma (computed once, then cached)."""
        with self._lock:
            if self._json is None:
                self._json = encode(
                    con, f"SELECT {json_row_sql(self.columns)} FROM {self.qualified}"
                )
            return self._json

    def csv_rows(self, con: duckdb.DuckDBPyConnection) -> EncodedRows:
        """All rows as CSV lines (computed on first use, then cached)."""
        with self._lock:
            if self._csv is None:
                self._csv = encode(con, f"SELECT {csv_row_sql(self.columns)} FROM {self.qualified}")
            return self._csv

    def csv_header(self, names: list[str] | None = None) -> bytes:
        return csv_header(self.column_names if names is None else names)

    @property
    def total_bytes(self) -> int:
        return self._json.nbytes - self.row_count if self._json is not None else 0


def encode(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> EncodedRows:
    cur = con.cursor()
    try:
        table = cur.sql(sql, params=params or None).to_arrow_table()
    finally:
        cur.close()
    return EncodedRows.from_arrow(table.column(0))


def describe(
    con: duckdb.DuckDBPyConnection, qualified: str, sql: str | None = None
) -> tuple[list[str], list[str], int]:
    """Column names, storage type strings and row count of a stored table; given the `sql`
    that made it, 256-bit columns are typed int256 or uint256 as DuneSQL would."""
    cur = con.cursor()
    try:
        cur.execute(f"SELECT * FROM {qualified} LIMIT 0")
        desc = cur.description or []
        names = [d[0] for d in desc]
        types = [str(d[1]) for d in desc]
        cur.execute(f"SELECT count(*) FROM {qualified}")
        row = cur.fetchone()
        count = int(row[0]) if row else 0
    finally:
        cur.close()
    if sql is not None:
        types = mark_result_types(con, sql, names, types)
    return names, types, count
