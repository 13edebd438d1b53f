"""Issue 24 item 2: user SQL runs with no host access. Statements that are not queries are
refused with Trino's wording, and DuckDB itself has file access, extensions and SET locked, so
no payload writes, attaches or reads a file (checked on disk, not only by the message)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunSql = Callable[..., tuple[str, dict[str, Any]]]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("copy (select 42) to '{out}'", "mismatched input 'copy'"),
        ("attach '{out}' as x", "mismatched input 'attach'"),
        ("install httpfs", "mismatched input 'install'"),
        ("load httpfs", "mismatched input 'load'"),
        ("pragma version", "mismatched input 'pragma'"),
        ("set enable_external_access = true", "SET statements are not supported"),
        ("delete from dex.trades", "Access Denied: Cannot delete from table dex.trades"),
        ("truncate dex.trades", "Access Denied: Cannot truncate table dex.trades"),
        ("drop table dex.trades", "Access Denied: Cannot drop table dex.trades"),
        ("create table t as select 1 as a", "Access Denied: Cannot create table t"),
        ("insert into dex.trades select * from dex.trades", "Cannot insert into table"),
        ("select 1; delete from dex.trades", "mismatched input ';'"),
        ("/* don't */ drop table dex.trades /* ' */", "Access Denied: Cannot drop table"),
        ("select * from read_csv('{out}')", "Table function 'read_csv' not registered"),
        ("select * from read_text('/etc/passwd')", "Table function 'read_text' not registered"),
        ('select * from "{out}"', "does not exist"),
        ("select getenv('HOME')", "Function 'getenv' not registered"),
        ("explain select 1", "EXPLAIN statements are not supported"),
    ],
)
def test_non_queries_are_refused_and_touch_no_file(
    run_sql: RunSql, tmp_path: Path, template: str, message: str
) -> None:
    out = tmp_path / "out.csv"
    _, status = run_sql(template.format(out=out))
    assert status["state"] == "QUERY_STATE_FAILED", status
    text = status["error"]["message"]
    assert message in text
    assert text.count("line ") <= 1  # the position appears once
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_rows_survive_refused_writes(run_sql: RunSql, emu_api: Any) -> None:
    run_sql("delete from dex.trades")
    run_sql("select 1 -- it's\n; delete from dex.trades; select 2 -- '")
    eid, status = run_sql("select count(*) as n from dex.trades")
    assert status["state"] == "QUERY_STATE_COMPLETED"
    assert emu_api.get(f"/execution/{eid}/results").json()["result"]["rows"][0]["n"] > 0


def test_duckdb_refuses_files_even_past_the_parser(dune_emulator: Any, tmp_path: Path) -> None:
    """Defence in depth: the database connection itself cannot reach the file system."""
    import duckdb

    out = tmp_path / "direct.csv"
    cur = dune_emulator.state.db.cursor()
    try:
        for sql in (
            f"COPY (SELECT 1) TO '{out}'",
            f"ATTACH '{tmp_path / 'x.db'}' AS x",
            "SET enable_external_access = true",
            "SELECT * FROM read_text('/etc/hostname')",
        ):
            with pytest.raises(duckdb.Error):
                cur.execute(sql)
    finally:
        cur.close()
    assert list(tmp_path.iterdir()) == []
