"""Issue 24: read-only ``duneq mcp`` refuses every write before anything reaches the server (each
attack payload a test: the tool errs, the victim table is unchanged, no execute was sent), saved
query parameters are checked against their declared types, and the session budget books an
ambiguous execute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from duneq import params as P
from test_mcp import call, inproc_session, refused, run

EXECUTE_SQL = "POST /api/v1/sql/execute"
EXECUTE_QUERY = "POST /api/v1/query/{query_id}/execute"
VICTIM = "dune.emulator.victim"
VICTIM_ROWS = 3


def _client(emu: EmulatorHandle) -> duneq.Client:
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url)


def _make_victim(emu: EmulatorHandle) -> None:
    with _client(emu) as dune:
        dune.uploads.create("emulator", "victim", [("id", "integer")])
        dune.uploads.insert("emulator", "victim", [{"id": 1}, {"id": 2}, {"id": 3}])


def _victim_rows(emu: EmulatorHandle) -> int | None:
    """Rows in the victim table (None once it is gone)."""
    with _client(emu) as dune:
        try:
            return int(dune.run_sql(f"select count(*) as n from {VICTIM}").rows[0]["n"])
        except duneq.QueryFailed:
            return None


def _table_exists(emu: EmulatorHandle, name: str) -> bool:
    with _client(emu) as dune:
        try:
            dune.run_sql(f"select * from {name}")
        except duneq.QueryFailed:
            return False
        return True


def _executes(emu: EmulatorHandle) -> int:
    requests = emu.control.counters()["requests"]
    return int(requests.get(EXECUTE_SQL, 0)) + int(requests.get(EXECUTE_QUERY, 0))


def _refused_before_the_server(emu: EmulatorHandle, tool: str, **arguments: Any) -> str:
    """Call ``tool`` on a read-only server: it must fail and send no execute; its error text."""
    before = _executes(emu)

    async def scenario() -> None:
        async with inproc_session(emu) as client:
            texts.append(await refused(client, tool, **arguments))

    texts: list[str] = []
    run(scenario)
    assert _executes(emu) == before, "an execute reached the emulator"
    return texts[0]


PAYLOADS = {
    "quote in a line comment hides a delete": (
        "select 1 -- it's\n; delete from dune.emulator.victim; select 2 -- '",
        "3 statements",
    ),
    "quote in a block comment hides a drop": (
        "/* don't */ drop table dune.emulator.victim /* ' */",
        "`drop table`",
    ),
    "truncate without TABLE": ("truncate dune.emulator.victim", "`truncate`"),
    "delete": ("DELETE FROM dune.emulator.victim WHERE id > 0", "`delete from`"),
    "update": ("update dune.emulator.victim set id = 0", "`update`"),
    "insert": ("insert into dune.emulator.victim values (9)", "`insert into`"),
    "delete in a CTE": (
        "with d as (delete from dune.emulator.victim returning *) select * from d",
        "contains `delete from`",
    ),
    "explain analyze of a delete": (
        "explain analyze delete from dune.emulator.victim",
        "explains a statement that may not run",
    ),
    "show then delete": ("show tables; delete from dune.emulator.victim", "2 statements"),
    "unterminated string": ("select 'x; delete from dune.emulator.victim", "does not parse"),
}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_read_only_run_sql_refuses_writes(name: str, dune_emulator: EmulatorHandle) -> None:
    sql, reason = PAYLOADS[name]
    _make_victim(dune_emulator)
    text = _refused_before_the_server(dune_emulator, "run_sql", sql=sql)
    assert "read-only" in text and reason in text and "--allow-writes" in text, text
    assert _victim_rows(dune_emulator) == VICTIM_ROWS


def test_read_only_refuses_copy_and_attach_and_no_file_appears(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    out, db = tmp_path / "out.csv", tmp_path / "x.db"
    text = _refused_before_the_server(dune_emulator, "run_sql", sql=f"copy (select 42) to '{out}'")
    assert "`copy`" in text
    text = _refused_before_the_server(dune_emulator, "run_sql", sql=f"attach '{db}'")
    assert "`attach`" in text
    text = _refused_before_the_server(dune_emulator, "run_sql", sql="select 1 into pwned")
    assert "`select ... into`" in text
    assert not out.exists() and not db.exists()
    assert list(tmp_path.iterdir()) == []


def test_read_only_runs_every_allowed_kind(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            ran = await call(client, "run_sql", sql="/* don't */ select 1 as a -- it's")
            assert ran["result"]["rows"] == [[1]]
            ran = await call(client, "run_sql", sql="with t as (select 2 as b) select b from t;")
            assert ran["result"]["rows"] == [[2]]
            ran = await call(client, "run_sql", sql="select 'delete from x' as note")
            assert ran["result"]["rows"] == [["delete from x"]]
            for sql in (
                "values (1), (2)",
                "show tables",
                "describe dex.trades",
                "explain select 1",
            ):
                result = await client.call_tool("run_sql", {"sql": sql})
                text = " ".join(getattr(b, "text", "") for b in result.content)
                assert "read-only" not in text, (sql, text)  # the emulator answers as it can

    run(scenario)


def test_read_only_run_query_checks_the_rendered_sql(dune_emulator: EmulatorHandle) -> None:
    _make_victim(dune_emulator)
    chain = "x'; delete from dune.emulator.victim; select 'y"
    text = _refused_before_the_server(
        dune_emulator, "run_query", query_id=1, params={"chain": chain}
    )
    assert "read-only" in text and "query 1 with these parameters" in text
    assert "3 statements" in text
    assert _victim_rows(dune_emulator) == VICTIM_ROWS

    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            ok = await call(client, "run_query", query_id=1, params={"chain": "base"})
            assert ok["result"]["rows"] and {row[1] for row in ok["result"]["rows"]} == {"base"}
            text = await refused(client, "run_query", query_id=1, params={"chain": "it's"})
            assert "does not parse" in text  # a stray quote breaks the SQL: refused, not run

    run(scenario)


def test_read_only_latest_result_checks_before_probing_or_running(
    dune_emulator: EmulatorHandle,
) -> None:
    chain = "x'; create table dune.emulator.pwned as select 1 as a; select 'y"
    text = _refused_before_the_server(
        dune_emulator, "latest_result", query_id=1, params={"chain": chain}, run_if_stale=True
    )
    assert "read-only" in text and "3 statements" in text
    assert not _table_exists(dune_emulator, "dune.emulator.pwned")


def _typed_query(emu: EmulatorHandle) -> int:
    with _client(emu) as dune:
        return dune.queries.create(
            "typed",
            "select {{n}} as n, '{{chain}}' as chain, timestamp '{{since}}' as since, "
            "'{{note}}' as note",
            parameters=[
                P.number("n", 1),
                P.enum("chain", "ethereum", ["ethereum", "base"]),
                P.date("since", "2024-01-01 00:00:00"),
                P.text("note", "hi"),
            ],
        )


BAD_PARAMS = {
    "number injection": ({"n": "1 as n; delete from dune.emulator.victim; select 1"}, "number"),
    "number nan": ({"n": "nan"}, "needs a number"),
    "number bool": ({"n": True}, "is a number"),
    "enum not an option": ({"chain": "x'; drop table dune.emulator.victim; --"}, "one of"),
    "datetime injection": ({"since": "2024-01-01'; delete from t; --"}, "YYYY-MM-DD"),
    "unknown name": ({"nope": 1}, "has no parameter 'nope'"),
    "list for a scalar": ({"n": ["1", "2"]}, "not a list"),
}


@pytest.mark.parametrize("tool", ["run_query", "latest_result"])
@pytest.mark.parametrize("name", list(BAD_PARAMS))
def test_parameters_are_checked_against_declared_types(
    tool: str, name: str, dune_emulator: EmulatorHandle
) -> None:
    _make_victim(dune_emulator)
    qid = _typed_query(dune_emulator)
    params, reason = BAD_PARAMS[name]
    text = _refused_before_the_server(dune_emulator, tool, query_id=qid, params=params)
    assert "Invalid argument" in text and reason in text and "nothing was sent" in text, text
    assert _victim_rows(dune_emulator) == VICTIM_ROWS


def test_well_typed_parameters_run(dune_emulator: EmulatorHandle) -> None:
    qid = _typed_query(dune_emulator)

    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            good = {"n": "2.5", "chain": "base", "since": "2024-02-03 04:05:06", "note": "ok"}
            out = await call(client, "run_query", query_id=qid, params=good)
            assert out["result"]["rows"][0][:2] == ["2.5", "base"]
            again = await call(client, "latest_result", query_id=qid, params=good)
            assert again["reused"] is True and again["execution_id"] == out["execution_id"]

    run(scenario)


def test_session_budget_books_an_ambiguous_execute(dune_emulator: EmulatorHandle) -> None:
    # Three executes fail with a 5xx (they may have started): 30 credits are booked, so the
    # fourth is refused by --max-credits 30 without being sent.
    dune_emulator.control.add_fault(EXECUTE_SQL, count=3, status=500)

    async def scenario() -> None:
        async with inproc_session(dune_emulator, "--max-credits", "30") as client:
            for _ in range(3):
                text = await refused(client, "run_sql", sql="select 1 as a")
                assert "may have started" in text
            text = await refused(client, "run_sql", sql="select 1 as a")
            assert "Refused by the session budget" in text and "only 0 of the 30-credit" in text
            use = await call(client, "usage")
            assert use["session"]["credits"] == 30 and use["session"]["executions"] == 3

    run(scenario)
    assert _executes(dune_emulator) == 3
