"""Executions on the emulator: saved queries, raw SQL, dialects, failures, pins, queueing,
cancel and expiry — all through real HTTP."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from dune_emulator import EmulatorHandle
from dune_emulator.testing import wait_terminal

ULID = re.compile(r"^01[0-9A-HJKMNP-TV-Z]{24}$")


def test_execute_saved_query_with_parameters(emu_api: httpx.Client) -> None:
    r = emu_api.post("/query/2/execute", json={"query_parameters": {"n": "7"}})
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "QUERY_STATE_PENDING" and ULID.match(body["execution_id"])
    status = wait_terminal(emu_api, body["execution_id"])
    assert status["state"] == "QUERY_STATE_COMPLETED"
    assert status["query_id"] == 2 and status["is_execution_finished"] is True
    assert status["result_metadata"]["total_row_count"] == 7
    assert status["execution_cost_credits"] == 10
    rows = emu_api.get(f"/execution/{body['execution_id']}/results").json()["result"]["rows"]
    assert [r["number"] for r in rows] == list(range(7))


def test_default_parameter_and_text_parameter(emu_api: httpx.Client) -> None:
    eid = emu_api.post("/query/1/execute", json={"query_parameters": {"chain": "base"}}).json()[
        "execution_id"
    ]
    assert wait_terminal(emu_api, eid)["state"] == "QUERY_STATE_COMPLETED"
    rows = emu_api.get(f"/execution/{eid}/results").json()["result"]["rows"]
    assert len(rows) == 200 and {r["blockchain"] for r in rows} == {"base"}
    eid2 = emu_api.post("/query/2/execute").json()["execution_id"]
    assert wait_terminal(emu_api, eid2)["result_metadata"]["total_row_count"] == 10


def test_unknown_parameter_and_bad_values(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    r = emu_api.post("/query/2/execute", json={"query_parameters": {"Invalid Parameter": 1}})
    assert r.status_code == 400
    assert r.json() == {"error": "unknown parameters (Invalid Parameter)"}
    r = emu_api.post("/query/2/execute", json={"query_parameters": {"n": "ten"}})
    assert r.status_code == 400 and "n" in r.json()["error"]
    r = emu_api.post("/query/2/execute", content=b"[1,2]")
    assert r.status_code == 400 and r.json() == {"error": "Invalid request body payload"}
    r = emu_api.post("/query/2/execute", json={"performance": "huge"})
    assert r.status_code == 400 and "performance" in r.json()["error"]
    assert emu_api.post("/query/424242/execute").json() == {"error": "Query not found"}
    assert dune_emulator.control.counters()["executions_started"] == 0


def test_sql_execute_query_id_zero_and_large(run_sql: Any) -> None:
    eid, status = run_sql("select 1 as one", performance="large")
    assert status["query_id"] == 0 and status["state"] == "QUERY_STATE_COMPLETED"
    assert status["execution_cost_credits"] == 20


def test_trino_sql_is_transpiled(run_sql: Any, emu_api: httpx.Client) -> None:
    eid, status = run_sql(
        "select cardinality(array[1,2,3]) as c, from_hex('abcd') as b, "
        "date_add('day', 1, date '2024-01-01') as d"
    )
    assert status["state"] == "QUERY_STATE_COMPLETED", status
    row = emu_api.get(f"/execution/{eid}/results").json()["result"]["rows"][0]
    assert row["c"] == 3 and row["b"] == "0xabcd"


def test_duckdb_only_sql_is_refused_not_run(run_sql: Any) -> None:
    """Issue 23: SQL Dune's Trino would reject never falls back to running as DuckDB SQL."""
    _, status = run_sql("select list_value(1, 2) as q")
    assert status["state"] == "QUERY_STATE_FAILED"
    assert status["error"]["message"].startswith("line 1:8: Function 'list_value' not registered")


def test_failure_has_line_and_column(run_sql: Any, emu_api: httpx.Client) -> None:
    eid, status = run_sql("select 1 as a,\n  nosuchcol + 1\nfrom dex.trades")
    assert status["state"] == "QUERY_STATE_FAILED"
    err = status["error"]
    assert err["type"] == "FAILED_TYPE_EXECUTION_FAILED"
    assert err["metadata"] == {"line": 2, "column": 3}
    assert "nosuchcol" in err["message"] and eid in err["message"]
    results = emu_api.get(f"/execution/{eid}/results").json()
    assert results["state"] == "QUERY_STATE_FAILED" and "result" not in results
    _, syntax = run_sql("selec 1")
    assert syntax["error"]["metadata"] == {"line": 1, "column": 1}


def test_pinned_durations_follow_the_clock(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.pin_next_executions(pending_seconds=30, executing_seconds=60)
    eid = emu_api.post("/sql/execute", json={"sql": "select 1 as x"}).json()["execution_id"]
    s = emu_api.get(f"/execution/{eid}/status").json()
    assert s["state"] == "QUERY_STATE_PENDING" and "execution_started_at" not in s
    dune_emulator.control.advance_clock(31)
    s = emu_api.get(f"/execution/{eid}/status").json()
    assert s["state"] == "QUERY_STATE_EXECUTING" and "execution_started_at" in s
    assert "result" not in emu_api.get(f"/execution/{eid}/results").json()
    r = emu_api.get(f"/execution/{eid}/results/csv")
    assert r.status_code == 400 and "QUERY_STATE_EXECUTING" in r.json()["error"]
    dune_emulator.control.advance_clock(61)
    s = wait_terminal(emu_api, eid)
    assert s["state"] == "QUERY_STATE_COMPLETED"
    assert s["result_metadata"]["execution_time_millis"] >= 60_000


def test_short_real_pin(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.pin_next_executions(executing_seconds=0.5)
    eid = emu_api.post("/sql/execute", json={"sql": "select 1 as x"}).json()["execution_id"]
    seen = set()
    while True:
        s = emu_api.get(f"/execution/{eid}/status").json()
        seen.add(s["state"])
        if s["is_execution_finished"]:
            break
        time.sleep(0.05)
    assert "QUERY_STATE_EXECUTING" in seen and s["state"] == "QUERY_STATE_COMPLETED"


def test_forced_failure_pin(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.pin_next_executions(executing_seconds=0, fail="boom")
    eid = emu_api.post("/sql/execute", json={"sql": "select 1"}).json()["execution_id"]
    s = wait_terminal(emu_api, eid)
    assert s["state"] == "QUERY_STATE_FAILED" and s["error"]["message"] == "boom"


def test_concurrency_cap_queues(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(max_concurrent_executions=2)
    dune_emulator.control.pin_next_executions(count=4, executing_seconds=100)
    ids = [
        emu_api.post("/sql/execute", json={"sql": f"select {i}"}).json()["execution_id"]
        for i in range(4)
    ]
    states = [emu_api.get(f"/execution/{i}/status").json() for i in ids]
    assert [s["state"] for s in states] == ["QUERY_STATE_EXECUTING"] * 2 + [
        "QUERY_STATE_PENDING"
    ] * 2
    assert [s.get("queue_position") for s in states[2:]] == [1, 2]
    assert states[0]["max_inflight_interactive_executions"] == 2
    assert states[0]["max_inflight_interactive_reached"] == 1
    dune_emulator.control.advance_clock(101)
    # Past their pinned time the first two finish as soon as their SQL has run (the first
    # run of a process may still be importing the transpiler), so wait for that, not a clock.
    assert [wait_terminal(emu_api, i)["state"] for i in ids[:2]] == ["QUERY_STATE_COMPLETED"] * 2
    states = [emu_api.get(f"/execution/{i}/status").json()["state"] for i in ids]
    assert states[2:] == ["QUERY_STATE_EXECUTING"] * 2
    dune_emulator.control.advance_clock(101)
    assert all(wait_terminal(emu_api, i)["state"] == "QUERY_STATE_COMPLETED" for i in ids)


def test_cancel_pending_executing_and_finished(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.pin_next_executions(count=2, pending_seconds=10, executing_seconds=100)
    pending = emu_api.post("/sql/execute", json={"sql": "select 1"}).json()["execution_id"]
    executing = emu_api.post("/sql/execute", json={"sql": "select 2"}).json()["execution_id"]
    assert emu_api.post(f"/execution/{pending}/cancel").json() == {"success": True}
    s = emu_api.get(f"/execution/{pending}/status").json()
    assert s["state"] == "QUERY_STATE_CANCELLED" and "cancelled_at" in s
    assert "execution_ended_at" not in s and s["is_execution_finished"]
    dune_emulator.control.advance_clock(11)
    assert emu_api.get(f"/execution/{executing}/status").json()["state"] == "QUERY_STATE_EXECUTING"
    assert emu_api.post(f"/execution/{executing}/cancel").json() == {"success": True}
    s = emu_api.get(f"/execution/{executing}/results").json()
    assert s["state"] == "QUERY_STATE_CANCELLED" and "execution_ended_at" in s and "result" not in s
    again = emu_api.post(f"/execution/{executing}/cancel")
    assert again.status_code == 200 and again.json()["success"] is False
    assert emu_api.post("/execution/not-an-id/cancel").status_code == 400
    r = emu_api.post("/execution/01HKZJ2683PHF9Q9PHHQ8FW4Q1/cancel")
    assert r.status_code == 404 and r.json() == {"error": "Object not found"}


def test_cancel_interrupts_running_sql(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    sql = "select count(*) from range(100000000000) a"
    eid = emu_api.post("/sql/execute", json={"sql": sql}).json()["execution_id"]
    time.sleep(0.2)
    assert emu_api.post(f"/execution/{eid}/cancel").json() == {"success": True}
    dune_emulator.state.engine.wait_idle(timeout=20)
    ex = dune_emulator.state.engine.get(eid)
    assert ex is not None and ex.work.done and ex.result is None
    assert emu_api.get(f"/execution/{eid}/status").json()["state"] == "QUERY_STATE_CANCELLED"


def test_expiry_after_ttl(
    run_sql: Any, emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    eid, status = run_sql("select 1 as x")
    assert status["expires_at"] > status["execution_ended_at"][:4]
    dune_emulator.control.advance_clock(89 * 86400)
    assert emu_api.get(f"/execution/{eid}/status").json()["state"] == "QUERY_STATE_COMPLETED"
    dune_emulator.control.advance_clock(2 * 86400)
    s = emu_api.get(f"/execution/{eid}/results").json()
    assert s["state"] == "QUERY_STATE_EXPIRED" and "result" not in s
    dune_emulator.control.configure(result_ttl_seconds=10)
    eid2, _ = run_sql("select 2 as x")
    dune_emulator.control.advance_clock(11)
    assert emu_api.get(f"/execution/{eid2}/status").json()["state"] == "QUERY_STATE_EXPIRED"


def test_archived_query_cannot_run(emu_api: httpx.Client) -> None:
    assert emu_api.post("/query/2/archive").json() == {"query_id": 2}
    r = emu_api.post("/query/2/execute")
    assert r.status_code == 403
    assert r.json() == {
        "error": "Not allowed to execute query. Query is archived, unsaved or not enough permissions"
    }
    emu_api.post("/query/2/unarchive")
    assert emu_api.post("/query/2/execute").status_code == 200
