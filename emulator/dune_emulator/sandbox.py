"""Lock the DuckDB database down before any user SQL runs: no file system, no extensions, no
configuration changes, and Trino's integer division. Applied once, after the emulator's own
set-up (sample data, the attached `dune` catalog, user functions) is done."""

from __future__ import annotations

import duckdb

from .dune_types import quote_literal


def lock_down(con: duckdb.DuckDBPyConnection, scratch_dir: str) -> None:
    """Disable external access (only `scratch_dir`, where uploads stage their CSV, stays
    readable), extension loading and later SET statements; make `/` divide integers as Trino."""
    cur = con.cursor()
    try:
        for statement in (
            "SET GLOBAL integer_division = true",
            "SET GLOBAL autoinstall_known_extensions = false",
            "SET GLOBAL autoload_known_extensions = false",
            "SET GLOBAL allow_community_extensions = false",
            f"SET GLOBAL allowed_directories = [{quote_literal(scratch_dir.rstrip('/') + '/')}]",
            "SET GLOBAL enable_external_access = false",
            "SET GLOBAL lock_configuration = true",
        ):
            cur.execute(statement)
    finally:
        cur.close()
