"""The `dune` DuckDB catalog that holds user tables (`dune.<namespace>.<table>`): an attached
in-memory database, or `DIR/dune.duckdb` when a data dir is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from .dune_types import quote_literal

CATALOG = "dune"
CATALOG_FILE = "dune.duckdb"
META_SCHEMA = "_emulator_meta"


def attach(con: duckdb.DuckDBPyConnection, data_dir: Path | None) -> None:
    """Attach the `dune` catalog (idempotent) and create its bookkeeping schema."""
    target = ":memory:" if data_dir is None else str(data_dir / CATALOG_FILE)
    cur = con.cursor()
    try:
        cur.execute(f"ATTACH IF NOT EXISTS {quote_literal(target)} AS {CATALOG}")
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{META_SCHEMA}")
    finally:
        cur.close()


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run one statement on its own cursor (safe across threads); rows when it returns any."""
    cur = con.cursor()
    try:
        cur.execute(sql, params or [])
        return cur.fetchall() if cur.description else []
    finally:
        cur.close()
