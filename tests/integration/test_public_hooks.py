"""The public hooks the CLI and MCP server are built on (issue 25 item 2): ``on_retry``,
``request()``, ``cancel()`` with the API's message and ``latest_execution()``, sync and async,
over real HTTP to the emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import duneq
import pytest
from dune_emulator.server import EmulatorHandle
from helpers.clients import count

STATUS = "GET /api/v1/execution/{execution_id}/status"
USAGE = "POST /api/v1/usage"
QUERIES = "GET /api/v1/queries"
EXECUTE_SQL = "POST /api/v1/sql/execute"


def _client(emu: EmulatorHandle, **kwargs: Any) -> duneq.Client:
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, **kwargs)


def _aclient(emu: EmulatorHandle, **kwargs: Any) -> duneq.AsyncClient:
    return duneq.AsyncClient(api_key=emu.api_key, base_url=emu.base_url, **kwargs)


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


# --------------------------------------------------------------------------- on_retry


def test_on_retry_is_told_of_each_retry_before_its_pause(dune_emulator: EmulatorHandle) -> None:
    seen: list[duneq.Retrying] = []
    sleeps: list[float] = []
    with _client(dune_emulator, on_retry=seen.append, sleep=sleeps.append, max_retries=3) as dune:
        eid = dune.execute_sql("select 1").execution_id
        dune_emulator.control.add_fault(STATUS, count=2, status=503)
        assert dune.get_status(eid).execution_id == eid
    assert [(r.cause, r.retry, r.max_retries) for r in seen] == [
        ("HTTP 503", 1, 3),
        ("HTTP 503", 2, 3),
    ]
    assert [r.delay for r in seen] == sleeps  # told the very pause that follows
    assert all(r.request.method == "GET" and "/status" in r.request.display_path for r in seen)


def test_async_on_retry_and_a_bad_callback_is_refused(dune_emulator: EmulatorHandle) -> None:
    seen: list[duneq.Retrying] = []

    async def main() -> None:
        async with _aclient(dune_emulator, on_retry=seen.append, sleep=_no_sleep) as dune:
            dune_emulator.control.add_fault(USAGE, count=1, status=502)
            await dune.usage()

    asyncio.run(main())
    assert [(r.cause, r.retry) for r in seen] == [("HTTP 502", 1)]
    with pytest.raises(duneq.InvalidArgument, match="on_retry must be callable"):
        duneq.Client(api_key="k", on_retry="print")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- request()


def test_request_goes_through_retries_budget_and_typed_errors(
    dune_emulator: EmulatorHandle,
) -> None:
    sleeps: list[float] = []
    with _client(dune_emulator, sleep=sleeps.append, max_credits=5) as dune:
        dune_emulator.control.add_fault(QUERIES, count=1, status=503)
        listed = dune.request("GET", "/v1/queries", params={"limit": 5})
        assert listed.status_code == 200 and listed.json()["queries"]
        assert count(dune_emulator, QUERIES) == 2 and len(sleeps) == 1  # retried once
        assert dune.request("get", "api/v1/queries", params={"limit": 5}).json() == listed.json()
        assert "billing_periods" in dune.request("POST", "/v1/usage", json={}).json()
        with pytest.raises(duneq.NotFound):
            dune.request("GET", "/v1/query/987654321")
        # an execute is billed: the client's own budget refuses it before anything is sent
        with pytest.raises(duneq.BudgetExceeded, match="nothing was sent"):
            dune.request("POST", "/v1/sql/execute", json={"sql": "select 1"})
        assert count(dune_emulator, EXECUTE_SQL) == 0
    with _client(dune_emulator, sleep=sleeps.append) as dune:
        started = dune.request("POST", "/v1/sql/execute", json={"sql": "select 7 as x"}).json()
        assert dune.spent.executions == 1  # the ledger saw it like any execute
        eid = started["execution_id"]
        dune.wait(eid)
        csv = dune.request("GET", f"/v1/execution/{eid}/results/csv").text
        assert csv.splitlines() == ["x", "7"]
        paged = dune.request("GET", f"/v1/execution/{eid}/results", params={"limit": 1})
        assert paged.json()["result"]["rows"] == [{"x": 7}]


def test_request_keeps_its_deadline_and_refuses_bad_paths(dune_emulator: EmulatorHandle) -> None:
    sleeps: list[float] = []
    with _client(dune_emulator, sleep=sleeps.append) as dune:
        dune_emulator.control.add_fault(QUERIES, count=5, status=429, retry_after=30)
        with pytest.raises(duneq.RateLimited):  # waiting 30 s would outlive timeout=2
            dune.request("GET", "/v1/queries", timeout=2)
        assert count(dune_emulator, QUERIES) == 1 and sleeps == []
        for method, path, why in [
            ("GET", "https://evil.example/v1/usage", "relative"),
            ("GET", "/v1/usage?x=1", "params="),
            ("GET", "/v2/usage", "/v1/"),
            ("FETCH", "/v1/usage", "method must be"),
        ]:
            with pytest.raises(duneq.InvalidArgument, match=why):
                dune.request(method, path)


def test_async_request(dune_emulator: EmulatorHandle) -> None:
    async def main() -> dict[str, Any]:
        async with _aclient(dune_emulator, sleep=_no_sleep) as dune:
            dune_emulator.control.add_fault(QUERIES, count=1, status=500)
            answer = await dune.request("GET", "/v1/queries")
            data: dict[str, Any] = answer.json()
            return data

    assert asyncio.run(main())["queries"]
    assert count(dune_emulator, QUERIES) == 2


# --------------------------------------------------------------------------- cancel()


def test_cancel_returns_the_apis_answer(dune_emulator: EmulatorHandle) -> None:
    with _client(dune_emulator) as dune:
        done = dune.run_sql("select 1").execution_id
        refused = dune.cancel(done)
        assert not refused and refused.cancelled is False
        assert refused.message is not None and "already finished" in refused.message
        dune_emulator.control.pin_next_executions(1, executing_seconds=120)
        running = dune.execute_sql("select 2").execution_id
        confirmed = dune.cancel(running)
        assert confirmed and confirmed.execution_id == running
        assert str(dune.get_status(running).state) == "QUERY_STATE_CANCELLED"
        # the execution handle's cancel gives the same answer, message included
        handle = dune.execute_sql("select 3")
        handle.wait()
        late = handle.cancel()
        assert isinstance(late, duneq.Cancellation) and not late
        assert "already finished" in (late.message or "")

    async def main() -> duneq.Cancellation:
        async with _aclient(dune_emulator) as dune:
            return await dune.cancel(done)

    again = asyncio.run(main())
    assert not again and "already finished" in (again.message or "")


# --------------------------------------------------------------------------- latest_execution()


def test_latest_execution_probes_without_running(dune_emulator: EmulatorHandle) -> None:
    with _client(dune_emulator) as dune:
        ran = dune.run_query(2, {"n": 3})
        before = count(dune_emulator, "POST /api/v1/query/{query_id}/execute")
        latest = dune.latest_execution(2, {"n": 3})
        assert latest is not None and latest.execution_id == ran.execution_id
        assert str(latest.state) == "QUERY_STATE_COMPLETED"
        assert dune.latest_execution(2, {"n": 3}, max_age=timedelta(hours=1)) is not None
        assert dune.latest_execution(987654321) is None  # no such query: nothing usable
        assert count(dune_emulator, "POST /api/v1/query/{query_id}/execute") == before
        with pytest.raises(duneq.InvalidArgument):
            dune.latest_execution(2, max_age=5)  # type: ignore[arg-type]

    async def main() -> duneq.ExecutionStatus | None:
        async with _aclient(dune_emulator) as dune:
            return await dune.latest_execution(2, {"n": 3})

    probed = asyncio.run(main())
    assert probed is not None and probed.execution_id == ran.execution_id
