"""Emulator materialized views over real HTTP: upsert, refresh into a real table, get, list,
delete, name forms and cron validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from dune_emulator.testing import wait_terminal


def new_query(api: httpx.Client, sql: str) -> int:
    return int(api.post("/query", json={"name": "mv", "query_sql": sql}).json()["query_id"])


def upsert(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/materialized-views", json=body)


def sql_rows(api: httpx.Client, sql: str) -> list[dict[str, Any]]:
    eid = api.post("/sql/execute", json={"sql": sql}).json()["execution_id"]
    status = wait_terminal(api, eid)
    assert status["state"] == "QUERY_STATE_COMPLETED", status
    out: list[dict[str, Any]] = api.get(f"/execution/{eid}/results").json()["result"]["rows"]
    return out


def test_upsert_refresh_and_select_from_the_view(emu_api: httpx.Client) -> None:
    qid = new_query(emu_api, "select 7 as seven")
    r = upsert(emu_api, name="result_seven", query_id=qid, cron_expression="*/15 * * * *")
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "dune.emulator.result_seven"
    wait_terminal(emu_api, r.json()["execution_id"])
    assert sql_rows(emu_api, "select * from dune.emulator.result_seven") == [{"seven": 7}]
    view = emu_api.get("/materialized-views/dune.emulator.result_seven").json()
    assert view["query_id"] == qid and view["last_execution_ids"] == [r.json()["execution_id"]]
    assert view["table_size_bytes"] > 0
    assert view["schedule"]["cron_expression"] == "*/15 * * * *"
    # refresh re-executes the (changed) query and replaces the table
    emu_api.patch(f"/query/{qid}", json={"query_sql": "select 8 as seven"})
    ref = emu_api.post("/materialized-views/result_seven/refresh", json={"performance": "large"})
    assert ref.status_code == 200 and ref.json()["sql_id"] == "dune.emulator.result_seven"
    wait_terminal(emu_api, ref.json()["execution_id"])
    assert sql_rows(emu_api, "select * from dune.emulator.result_seven") == [{"seven": 8}]
    # upsert again for the same query updates it; another query may not take the name
    assert upsert(emu_api, name="result_seven", query_id=qid, is_private=True).status_code == 200
    assert emu_api.get("/materialized-views/result_seven").json()["is_private"] is True
    other = new_query(emu_api, "select 1")
    clash = upsert(emu_api, name="result_seven", query_id=other)
    assert clash.status_code == 400 and "already exists for query" in clash.json()["error"]


def test_list_paginates_and_delete_drops_the_table(emu_api: httpx.Client) -> None:
    qid = new_query(emu_api, "select 1 as one")
    for name in ("result_c", "result_a", "result_b"):
        wait_terminal(emu_api, upsert(emu_api, name=name, query_id=qid).json()["execution_id"])
    page = emu_api.get("/materialized-views", params={"limit": 2}).json()
    assert [v["sql_id"] for v in page["materialized_views"]] == [
        "dune.emulator.result_a",
        "dune.emulator.result_b",
    ]
    assert page["next_offset"] == 2
    last = emu_api.get("/materialized-views", params={"limit": 2, "offset": 2}).json()
    assert [v["sql_id"] for v in last["materialized_views"]] == ["dune.emulator.result_c"]
    assert "next_offset" not in last
    r = emu_api.delete("/materialized-views/dune.emulator.result_a")
    assert r.status_code == 200 and "deleted" in r.json()["message"]
    assert emu_api.get("/materialized-views/result_a").status_code == 404
    eid = emu_api.post("/sql/execute", json={"sql": "select * from dune.emulator.result_a"})
    assert wait_terminal(emu_api, eid.json()["execution_id"])["state"] == "QUERY_STATE_FAILED"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "summary", "query_id": 1}, "use result_<name>"),
        ({"name": "result_x"}, "query_id is required"),
        ({"name": "result_x", "query_id": 1, "performance": "huge"}, "invalid performance"),
        ({"name": "result_x", "query_id": 1, "cron_expression": "* * * *"}, "5 fields"),
        ({"name": "result_x", "query_id": 1, "cron_expression": "*/5 * * * *"}, "every 15"),
        ({"name": "result_x", "query_id": 1, "cron_expression": "0 0 1 * *"}, "weekly"),
        ({"name": "result_x", "query_id": 1, "cron_expression": "61 * * * *"}, "minute"),
    ],
)
def test_upsert_rejects_bad_input(
    emu_api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    r = upsert(emu_api, **body)
    assert r.status_code == 400
    assert message in r.json()["error"]


@pytest.mark.parametrize("cron", ["0 * * * *", "0,30 * * * *", "15 3 * * 1", "*/20 */2 * * *"])
def test_upsert_accepts_valid_crons(emu_api: httpx.Client, cron: str) -> None:
    assert upsert(emu_api, name="result_ok", query_id=2, cron_expression=cron).status_code == 200


def test_unknown_views_and_queries(emu_api: httpx.Client) -> None:
    assert upsert(emu_api, name="result_x", query_id=999999).status_code == 404
    assert emu_api.get("/materialized-views/result_nope").status_code == 404
    assert emu_api.get("/materialized-views/dune.other.result_nope").status_code == 404
    assert emu_api.post("/materialized-views/result_nope/refresh").status_code == 404
    assert emu_api.delete("/materialized-views/result_nope").status_code == 404
