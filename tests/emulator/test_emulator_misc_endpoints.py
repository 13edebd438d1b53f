"""Usage, datasets and custom endpoints on the emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from dune_emulator import EmulatorHandle

RunSql = Callable[..., tuple[str, dict[str, Any]]]


def _control(emu: EmulatorHandle, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, f"{emu.base_url}/_emulator{path}", timeout=30, **kw)


def test_usage_counts_credits_of_finished_executions(
    emu_api: httpx.Client, run_sql: RunSql
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    empty = emu_api.post("/usage").json()
    assert empty["private_queries"] == 0 and empty["bytes_used"] == 0
    (period,) = empty["billing_periods"]
    assert period["start_date"] == today.replace(day=1).isoformat()
    assert period["credits_used"] == 0.0 and period["credits_included"] == 2500.0
    run_sql("select 1")
    run_sql("select 2", performance="large")
    run_sql("select nope")  # failed executions are charged too
    emu_api.post("/query", json={"name": "p", "query_sql": "select 1", "is_private": True})
    emu_api.post("/uploads/csv", json={"table_name": "u", "data": "a\n1\n"})
    usage = emu_api.post("/usage", json={}).json()
    assert usage["billing_periods"][0]["credits_used"] == 40.0
    assert usage["private_queries"] == 1 and usage["bytes_used"] == 4
    assert usage["bytes_allowed"] == 100 * 1024 * 1024 and usage["private_dashboards"] == 0


def test_usage_date_ranges(emu_api: httpx.Client) -> None:
    r = emu_api.post("/usage", json={"start_date": "2024-01-15", "end_date": "2024-03-02"})
    assert [(p["start_date"], p["end_date"]) for p in r.json()["billing_periods"]] == [
        ("2024-01-01", "2024-01-31"),
        ("2024-02-01", "2024-02-29"),
        ("2024-03-01", "2024-03-31"),
    ]
    bad = emu_api.post("/usage", json={"start_date": "2024-13-01"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["error"]
    rev = emu_api.post("/usage", json={"start_date": "2024-02-01", "end_date": "2024-01-01"})
    assert rev.json() == {"error": "start_date must not be after end_date"}


def test_datasets_list_filters_and_get(emu_api: httpx.Client) -> None:
    emu_api.post(
        "/uploads",
        json={
            "namespace": "alice",
            "table_name": "prices",
            "schema": [{"name": "amount", "type": "int256"}, {"name": "d", "type": "date"}],
            "is_private": True,
            "description": "my prices",
        },
    )
    listing = emu_api.get("/datasets").json()
    names = [d["full_name"] for d in listing["datasets"]]
    assert names == ["dex.trades", "dune.alice.prices", "samples.all_types", "tokens.transfers"]
    assert listing["total"] == 4
    spells = emu_api.get("/datasets", params={"type": "spell", "limit": 1}).json()
    assert spells["total"] == 2 and [d["full_name"] for d in spells["datasets"]] == ["dex.trades"]
    mine = emu_api.get("/datasets", params={"owner_handle": "alice"}).json()["datasets"]
    assert [d["type"] for d in mine] == ["uploaded_table"]
    assert mine[0]["is_private"] is True and mine[0]["metadata"] == {"description": "my prices"}
    assert mine[0]["columns"] == [
        {
            "name": "amount",
            "type": "int256",
            "nullable": True,
            "metadata": {"description": "", "filtering_column": False},
        },
        {
            "name": "d",
            "type": "date",
            "nullable": True,
            "metadata": {"description": "", "filtering_column": False},
        },
    ]
    trades = emu_api.get("/datasets/dex.trades").json()
    assert trades["type"] == "spell" and trades["owner"] == {"handle": "dune", "type": "team"}
    cols = {c["name"]: c["type"] for c in trades["columns"]}
    assert cols["token_bought_amount_raw"] == "uint256" and cols["tx_hash"] == "varbinary"
    assert cols["block_time"] == "timestamp(3) with time zone"
    assert emu_api.get("/datasets/dune.alice.prices").json()["owner"]["handle"] == "alice"
    missing = emu_api.get("/datasets/no.such")
    assert missing.status_code == 404 and missing.json() == {"error": "Dataset no.such not found"}
    bad = emu_api.get("/datasets", params={"type": "spell,bogus"})
    assert bad.status_code == 400 and "bogus" in bad.json()["error"]


def test_custom_endpoint_serves_latest_result(
    dune_emulator: EmulatorHandle, emu_api: httpx.Client
) -> None:
    url = "/endpoints/acme/numbers/results"
    assert emu_api.get(url).status_code == 404
    assert emu_api.get(url).json() == {"error": "Custom endpoint not found"}
    body = {"handle": "acme", "slug": "numbers", "query_id": 2, "parameters": {"n": 5}}
    defined = _control(dune_emulator, "POST", "/endpoints", json=body)
    assert defined.json() == {
        "endpoint": {"handle": "acme", "slug": "numbers", "query_id": 2, "parameters": {"n": "5"}}
    }
    assert emu_api.get(url).status_code == 404  # defined, but the query never ran with n=5
    eid = emu_api.post("/query/2/execute", json={"query_parameters": {"n": "5"}}).json()[
        "execution_id"
    ]
    from dune_emulator.testing import wait_terminal

    assert wait_terminal(emu_api, eid)["state"] == "QUERY_STATE_COMPLETED"
    page = emu_api.get(url, params={"limit": 2, "offset": 1}).json()
    assert page["execution_id"] == eid
    assert page["result"]["rows"] == [{"number": 1}, {"number": 2}]
    assert page["next_offset"] == 3 and page["next_uri"].endswith(
        f"/api/v1/execution/{eid}/results?limit=2&offset=3"
    )
    filtered = emu_api.get(url, params={"filters": "number >= 3", "sort_by": "number desc"})
    assert filtered.json()["result"]["rows"] == [{"number": 4}, {"number": 3}]
    assert [
        e["slug"] for e in _control(dune_emulator, "GET", "/endpoints").json()["endpoints"]
    ] == ["numbers"]
    bad = _control(dune_emulator, "POST", "/endpoints", json={**body, "parameters": {"x": 1}})
    assert bad.status_code == 400 and "unknown parameters (x)" in bad.json()["error"]
    none = _control(dune_emulator, "POST", "/endpoints", json={**body, "query_id": 999})
    assert none.status_code == 404
    assert _control(dune_emulator, "DELETE", "/endpoints/acme/numbers").json() == {"ok": True}
    assert emu_api.get(url).status_code == 404
    _control(dune_emulator, "POST", "/endpoints", json=body)
    dune_emulator.control.reset()
    assert emu_api.get(url).json() == {"error": "Custom endpoint not found"}


def test_empty_paging_values_are_400_in_every_state(
    emu_api: httpx.Client, run_sql: Callable[..., tuple[str, dict[str, Any]]]
) -> None:
    done, _ = run_sql("select 1 as x")
    failed, status = run_sql("select * from no_such_table")
    assert status["state"] == "QUERY_STATE_FAILED"
    for eid in (done, failed):
        for name in ("limit", "offset"):
            r = emu_api.get(f"/execution/{eid}/results", params={name: ""})
            assert r.status_code == 400, (eid, name, r.text)
            assert r.json()["error"] == f"{name} must be an integer, got ''"
