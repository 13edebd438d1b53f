"""Issue 12: the emulator behaves like Dune (Trino names and errors, latest-result rules,
no 500s, no view of its insides, queues on the clock), each checked over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import wait_terminal

RunSql = Callable[..., tuple[str, dict[str, Any]]]


def _run_query(api: httpx.Client, query_id: int, params: dict[str, Any]) -> str:
    r = api.post(f"/query/{query_id}/execute", json={"query_parameters": params})
    assert r.status_code == 200, r.text
    eid: str = r.json()["execution_id"]
    assert wait_terminal(api, eid)["state"] == "QUERY_STATE_COMPLETED"
    return eid


def test_latest_result_is_the_latest_run_whatever_its_parameters(emu_api: httpx.Client) -> None:
    _run_query(emu_api, 2, {"n": "3"})
    last = _run_query(emu_api, 2, {"n": "5"})
    body = emu_api.get("/query/2/results").json()
    assert body["execution_id"] == last
    assert [r["number"] for r in body["result"]["rows"]] == [0, 1, 2, 3, 4]
    csv = emu_api.get("/query/2/results/csv").text
    assert csv == "number\n0\n1\n2\n3\n4\n"
    # params.* picks the run with those values; a combination never run is a 404
    picked = emu_api.get("/query/2/results", params={"params.n": "3"}).json()
    assert len(picked["result"]["rows"]) == 3
    assert emu_api.get("/query/2/results", params={"params.n": "10"}).status_code == 404
    _run_query(emu_api, 2, {})
    defaults = emu_api.get("/query/2/results/csv", params={"params.n": "10"}).text
    assert defaults.count("\n") == 11


def test_unnamed_columns_get_trino_names(run_sql: RunSql, emu_api: httpx.Client) -> None:
    eid, status = run_sql("select 1, 'a' as b, 2 + 3, x from (select 7 as x) t")
    assert status["state"] == "QUERY_STATE_COMPLETED"
    result = emu_api.get(f"/execution/{eid}/results").json()["result"]
    assert result["metadata"]["column_names"] == ["_col0", "b", "_col2", "x"]
    assert result["rows"] == [{"_col0": 1, "b": "a", "_col2": 5, "x": 7}]


@pytest.mark.parametrize(
    ("sql", "message", "position"),
    [
        ("select x from dex.trades", "Column 'x' cannot be resolved", (1, 8)),
        ("select 1\nfrom foo.bar", "Table 'delta_prod.foo.bar' does not exist", (2, 6)),
        ("selecdt 1", "mismatched input 'selecdt'", (1, 1)),
        ("select 1 % 0", "Division by zero", None),
        ("select 1 + 'a'", "Cannot apply operator: integer + varchar", (1, 10)),
        ("select * from sql", "Table 'sql' does not exist", (1, 15)),
        ("select * from self", "Table 'self' does not exist", (1, 15)),
    ],
)
def test_failures_read_like_trino(
    run_sql: RunSql, sql: str, message: str, position: tuple[int, int] | None
) -> None:
    eid, status = run_sql(sql)
    assert status["state"] == "QUERY_STATE_FAILED"
    text = status["error"]["message"]
    assert message in text
    assert text.endswith(f"[Execution ID: {eid}]")
    for leak in ("Binder Error", "Catalog Error", "engine.py", "ExecutionEngine", "sqlite"):
        assert leak not in text
    if position is not None:
        assert text.startswith(f"line {position[0]}:{position[1]}: ")
        assert status["error"]["metadata"] == {"line": position[0], "column": position[1]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/query/{id}"),
        ("PATCH", "/query/{id}"),
        ("POST", "/query/{id}/execute"),
        ("GET", "/query/{id}/results"),
        ("GET", "/query/{id}/results/csv"),
        ("GET", "/query/{id}/pipeline"),
    ],
)
def test_huge_query_ids_are_not_found(emu_api: httpx.Client, method: str, path: str) -> None:
    r = emu_api.request(method, path.format(id=2**63), json={})
    assert r.status_code == 404
    assert r.json() == {"error": "Query not found"}


def test_errors_name_the_right_option(run_sql: RunSql, emu_api: httpx.Client) -> None:
    eid, _ = run_sql("select 1 as a")
    r = emu_api.get(f"/execution/{eid}/results", params={"filters": "1=1; drop table x"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("invalid filters")
    r = emu_api.get(f"/execution/{eid}/results", params={"sort_by": "a; drop"})
    assert r.json()["error"].startswith("invalid sort_by")
    r = emu_api.get(f"/execution/{eid}/results", params={"sample_count": str(2**62)})
    assert r.status_code == 200
    assert r.json()["result"]["rows"] == [{"a": 1}]


def test_smaller_differences(run_sql: RunSql, emu_api: httpx.Client) -> None:
    eid, _ = run_sql("select n from unnest(sequence(1, 50)) as t(n)")
    meta = emu_api.get(f"/execution/{eid}/results").json()["result"]["metadata"]
    assert 0 < meta["result_set_bytes"] <= meta["total_result_set_bytes"]
    r = emu_api.get(f"/execution/{eid}/status/", follow_redirects=False)
    assert r.status_code == 200
    assert r.json()["execution_id"] == eid
    r = emu_api.options("/query/1")
    assert r.status_code == 405
    assert {"GET", "PATCH"} <= {m.strip() for m in r.headers["allow"].split(",")}


def test_queues_advance_without_requests(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.configure(max_concurrent_executions=1)
    dune_emulator.control.pin_next_executions(3, pending_seconds=0, executing_seconds=10)
    ids = [emu_api.post("/sql/execute", json={"sql": "select 1"}).json()["execution_id"]]
    ids += [emu_api.post("/sql/execute", json={"sql": "select 2"}).json()["execution_id"]]
    ids += [emu_api.post("/sql/execute", json={"sql": "select 3"}).json()["execution_id"]]
    # jump 31 s at once; then, with no request, the engine's ticker runs all three in turn
    dune_emulator.control.advance_clock(31)
    engine = dune_emulator.state.engine
    for _ in range(500):  # wait for the outcome (no HTTP request), up to ~10 s of real time
        if all(engine.executions[e].final_state is not None for e in ids):
            break
        time.sleep(0.02)
    states = [emu_api.get(f"/execution/{e}/status").json() for e in ids]
    assert [s["state"] for s in states] == ["QUERY_STATE_COMPLETED"] * 3
    starts = [s["execution_started_at"] for s in states]
    assert starts == sorted(starts)


def test_csv_upload_names_the_table_with_the_dataset_prefix(emu_api: httpx.Client) -> None:
    r = emu_api.post("/uploads/csv", json={"table_name": "prices", "data": "a,b\n1,x\n"})
    assert r.status_code == 200, r.text
    assert r.json()["table_name"] == "dataset_prices"
    assert r.json()["full_name"] == "dune.emulator.dataset_prices"
