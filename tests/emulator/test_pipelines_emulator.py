"""Emulator pipelines and materialized views over real HTTP: lineage, order, parallelism,
failure propagation, cancel, and the view tables that other queries read."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

import httpx
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime, wait_terminal

BASE_SQL = "select n, n * 2 as doubled from unnest(sequence(1, 4)) as t(n)"


def ts(text: str) -> tuple[str, str]:
    """An RFC 3339 timestamp as a sortable (seconds, 9-digit fraction) pair."""
    whole, _, frac = text.rstrip("Z").partition(".")
    return whole, frac.ljust(9, "0")


def create_query(api: httpx.Client, sql: str, name: str = "q") -> int:
    r = api.post("/query", json={"name": name, "query_sql": sql})
    assert r.status_code == 200, r.text
    return int(r.json()["query_id"])


def make_view(api: httpx.Client, name: str, sql: str) -> int:
    """Create a query and a view over it; wait for the first refresh. Returns the query id."""
    qid = create_query(api, sql, name)
    r = api.post("/materialized-views", json={"name": name, "query_id": qid})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == f"dune.emulator.{name}"
    assert wait_terminal(api, r.json()["execution_id"])["state"] == "QUERY_STATE_COMPLETED"
    return qid


def three_levels(api: httpx.Client) -> tuple[int, int, int]:
    """result_base <- result_mid <- final query; returns (base qid, mid qid, final qid)."""
    base = make_view(api, "result_base", BASE_SQL)
    mid = make_view(
        api, "result_mid", "select sum(doubled) as total from dune.emulator.result_base"
    )
    final = create_query(api, "select total + 1 as answer from dune.emulator.result_mid")
    return base, mid, final


def wait_pipeline(
    api: httpx.Client, emu: EmulatorHandle, pid: str, limit_s: float = 30
) -> dict[str, Any]:
    """Poll the pipeline until completed (or `limit_s` real seconds pass); between polls the
    emulator's clock moves 0.1 s on, so pinned nodes cost no real time."""
    emu_time = EmulatorTime(emu)
    deadline = time.monotonic() + limit_s
    while True:
        body: dict[str, Any] = api.get(f"/pipelines/executions/{pid}/status").json()
        if body["status"] == "completed" or time.monotonic() > deadline:
            return body
        emu_time.sleep(0.1)


def node_status(node: dict[str, Any]) -> dict[str, Any]:
    inner = node.get("query_execution_status") or node["materialized_view_refresh_status"]
    assert isinstance(inner, dict)
    return inner


def rows(api: httpx.Client, execution_id: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.get(f"/execution/{execution_id}/results").json()["result"][
        "rows"
    ]
    return result


def test_three_level_lineage_plan(emu_api: httpx.Client) -> None:
    _, mid, final = three_levels(emu_api)
    r = emu_api.get(f"/query/{final}/pipeline", params={"performance": "large"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "pipeline": {
            "nodes": [
                {
                    "id": 1,
                    "dependencies": [],
                    "materialized_view_refresh": {
                        "name": "dune.emulator.result_base",
                        "performance": "large",
                    },
                },
                {
                    "id": 2,
                    "dependencies": [1],
                    "materialized_view_refresh": {
                        "name": "dune.emulator.result_mid",
                        "performance": "large",
                    },
                },
                {
                    "id": 3,
                    "dependencies": [2],
                    "query_execution": {"query_id": final, "performance": "large"},
                },
            ]
        }
    }
    view = emu_api.get("/materialized-views/result_mid").json()
    assert view["query_id"] == mid and view["sql_id"] == "dune.emulator.result_mid"


def test_three_level_pipeline_runs_in_order_with_results(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    three = three_levels(emu_api)
    # change the base data: the pipeline must refresh base, then mid, then run the query
    emu_api.patch(f"/query/{three[0]}", json={"query_sql": BASE_SQL.replace("4)", "10)")})
    dune_emulator.control.pin_next_executions(count=3, executing_seconds=0.3)
    r = emu_api.post(f"/query/{three[2]}/pipeline/execute", json={"performance": "medium"})
    assert r.status_code == 200, r.text
    pid = r.json()["pipeline_execution_id"]
    first = emu_api.get(f"/pipelines/executions/{pid}/status").json()
    assert first["status"] in ("pending", "executing")
    assert "execution_id" in node_status(first["node_executions"][0])
    assert "execution_id" not in node_status(first["node_executions"][2])
    body = wait_pipeline(emu_api, dune_emulator, pid)
    assert body["status"] == "completed" and "error" not in body
    statuses = [node_status(n) for n in body["node_executions"]]
    assert [s["status"] for s in statuses] == ["QUERY_STATE_COMPLETED"] * 3
    assert statuses[0]["name"] == "dune.emulator.result_base"
    assert statuses[2]["query_id"] == three[2]
    times = [emu_api.get(f"/execution/{s['execution_id']}/status").json() for s in statuses]
    for before, after in pairwise(times):
        assert ts(before["execution_ended_at"]) <= ts(after["execution_started_at"])
    assert rows(emu_api, statuses[0]["execution_id"])[-1] == {"n": 10, "doubled": 20}
    assert rows(emu_api, statuses[1]["execution_id"]) == [{"total": 110}]
    assert rows(emu_api, statuses[2]["execution_id"]) == [{"answer": 111}]


def test_parallel_siblings_and_shared_dependency(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    make_view(emu_api, "result_left", "select 1 as x")
    make_view(emu_api, "result_right", "select 2 as x")
    final = create_query(
        emu_api,
        "select l.x + r.x as s from dune.emulator.result_left l, dune.emulator.result_right r "
        "where l.x < (select max(x) from dune.emulator.result_left) + 5",
    )
    plan = emu_api.get(f"/query/{final}/pipeline").json()["pipeline"]["nodes"]
    assert [n["dependencies"] for n in plan] == [[], [], [1, 2]]
    dune_emulator.control.pin_next_executions(count=2, executing_seconds=1.0)
    pid = emu_api.post(f"/query/{final}/pipeline/execute", json={}).json()["pipeline_execution_id"]
    body = wait_pipeline(emu_api, dune_emulator, pid)
    ids = [node_status(n)["execution_id"] for n in body["node_executions"]]
    left, right, last = (emu_api.get(f"/execution/{i}/status").json() for i in ids)
    # the siblings overlap on the emulator clock; the query starts after both ended
    assert left["execution_started_at"] < right["execution_ended_at"]
    assert right["execution_started_at"] < left["execution_ended_at"]
    assert last["execution_started_at"] >= max(
        left["execution_ended_at"], right["execution_ended_at"]
    )
    assert rows(emu_api, ids[2]) == [{"s": 3}]


def test_failing_middle_node_skips_dependents(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    _, mid, final = three_levels(emu_api)
    r = httpx.post(
        f"{dune_emulator.base_url}/_emulator/fail-query",
        json={"query_id": mid, "message": "division by zero in mid"},
    )
    assert r.status_code == 200
    pid = emu_api.post(f"/query/{final}/pipeline/execute").json()["pipeline_execution_id"]
    body = wait_pipeline(emu_api, dune_emulator, pid)
    assert body["status"] == "completed"
    first, middle, last = (node_status(n) for n in body["node_executions"])
    assert first["status"] == "QUERY_STATE_COMPLETED"
    assert middle["status"] == "QUERY_STATE_FAILED"
    assert middle["error"] == "division by zero in mid" and middle["execution_id"]
    assert last["status"] == "skipped" and "execution_id" not in last
    assert "node 2: division by zero in mid" in body["error"]


def test_cancelled_node_skips_dependents(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    _, _, final = three_levels(emu_api)
    dune_emulator.control.pin_next_executions(count=1, executing_seconds=600)
    pid = emu_api.post(f"/query/{final}/pipeline/execute").json()["pipeline_execution_id"]
    body = emu_api.get(f"/pipelines/executions/{pid}/status").json()
    assert body["status"] == "executing"
    eid = node_status(body["node_executions"][0])["execution_id"]
    assert emu_api.post(f"/execution/{eid}/cancel").json() == {"success": True}
    body = emu_api.get(f"/pipelines/executions/{pid}/status").json()
    assert body["status"] == "completed"
    assert [node_status(n)["status"] for n in body["node_executions"]] == [
        "QUERY_STATE_CANCELLED",
        "skipped",
        "skipped",
    ]


def test_execute_pipeline_both_body_shapes(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    _, _, final = three_levels(emu_api)
    plan = emu_api.get(f"/query/{final}/pipeline").json()["pipeline"]
    for body in ({"pipeline": plan}, {"query_id": final, "performance": "large"}):
        r = emu_api.post("/pipelines/execute", json=body)
        assert r.status_code == 200, r.text
        done = wait_pipeline(emu_api, dune_emulator, r.json()["pipeline_execution_id"])
        last = node_status(done["node_executions"][-1])
        assert rows(emu_api, last["execution_id"]) == [{"answer": 21}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "either a pipeline definition or a query_id"),
        ({"pipeline": {"nodes": []}}, "non-empty list of nodes"),
        (
            {
                "pipeline": {
                    "nodes": [{"id": 1, "dependencies": [2], "query_execution": {"query_id": 1}}]
                }
            },
            "unknown node",
        ),
        (
            {
                "pipeline": {
                    "nodes": [
                        {"id": 1, "dependencies": [2], "query_execution": {"query_id": 1}},
                        {"id": 2, "dependencies": [1], "query_execution": {"query_id": 2}},
                    ]
                }
            },
            "pipeline has a cycle",
        ),
        ({"pipeline": {"nodes": [{"id": 1}]}}, "exactly one of"),
    ],
)
def test_execute_pipeline_rejects_bad_definitions(
    emu_api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    r = emu_api.post("/pipelines/execute", json=body)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_lineage_cycle_is_rejected(emu_api: httpx.Client) -> None:
    a = make_view(emu_api, "result_a", "select 1 as x")
    make_view(emu_api, "result_b", "select x from dune.emulator.result_a")
    emu_api.patch(f"/query/{a}", json={"query_sql": "select x from dune.emulator.result_b"})
    final = create_query(emu_api, "select * from dune.emulator.result_b")
    r = emu_api.get(f"/query/{final}/pipeline")
    assert r.status_code == 400
    assert r.json()["error"] == (
        "pipeline has a cycle: dune.emulator.result_b -> dune.emulator.result_a "
        "-> dune.emulator.result_b"
    )
    assert emu_api.post(f"/query/{final}/pipeline/execute").status_code == 400


def test_query_without_views_is_one_node_and_status_errors(emu_api: httpx.Client) -> None:
    plan = emu_api.get("/query/2/pipeline", params={"query_parameters": '{"n": 3}'}).json()
    assert plan["pipeline"]["nodes"] == [
        {
            "id": 1,
            "dependencies": [],
            "query_execution": {
                "query_id": 2,
                "performance": "medium",
                "query_parameters": {"n": 3},
            },
        }
    ]
    assert emu_api.get("/query/999999/pipeline").status_code == 404
    assert emu_api.get("/pipelines/executions/nope/status").status_code == 400
    assert emu_api.get(f"/pipelines/executions/{'0' * 26}/status").status_code == 404
