"""``dune.lowlevel`` is a third driver of the one exchange flow (issue 25 item 1): its calls are
paced by the server's rate-limit evidence, retried by the same loop (the same ``on_retry``
events as the facade), kept within the client's ``wait_timeout``, and share the client's one
httpx client. Real HTTP to the emulator; durations are read off the emulator's clock."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

import duneq
import httpx
import pytest
from dune_api.api.executions import execute_sql, get_execution_status
from dune_api.api.usage import get_usage
from dune_api.models import (
    ExecuteQueryResponse,
    ExecuteSqlRequest,
    GetExecutionStatusResponse,
    UsageResponse,
)
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from helpers.clients import count

STATUS = "GET /api/v1/execution/{execution_id}/status"
EXECUTE = "POST /api/v1/sql/execute"
USAGE = "POST /api/v1/usage"


def _client(
    emu: EmulatorHandle, time: EmulatorTime, seen: list[duneq.Retrying], **kwargs: Any
) -> duneq.Client:
    return duneq.Client(
        emu.api_key,
        base_url=emu.base_url,
        rand=lambda: 0.0,
        on_retry=seen.append,
        **time.client_kwargs(),
        **kwargs,
    )


def _started(dune: duneq.Client) -> str:
    started = execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1"))
    assert isinstance(started, ExecuteQueryResponse)
    return started.execution_id


def _events(seen: list[duneq.Retrying]) -> list[tuple[str, int, int, float, str, str]]:
    return [
        (e.cause, e.retry, e.max_retries, e.delay, e.request.method, e.request.display_path)
        for e in seen
    ]


def test_lowlevel_reads_are_paced_by_the_servers_headers_with_no_429(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """10 reads a minute and 25 low-level status calls: no 429, the quota's time on the
    emulator clock (the old transport had no limiter: it ran into 429s)."""
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen) as dune:
        eid = _started(dune)
        dune_emulator.control.configure(rate_limit_high_rpm=10)
        start = dune_emulator_time.clock()
        for _ in range(25):
            status = get_execution_status.sync(eid, client=dune.lowlevel)
            assert isinstance(status, GetExecutionStatusResponse) and status.execution_id == eid
        took = dune_emulator_time.clock() - start
    assert dune_emulator.control.counters()["throttled"] == {}
    assert seen == []  # paced before sending, so nothing was refused and retried
    assert count(dune_emulator, STATUS) == 25
    assert 60 <= took <= 180, took  # 25 requests at 10 a minute: two windows waited out


def test_a_429_on_a_lowlevel_call_is_waited_out_and_counted_once(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen) as dune:
        eid = _started(dune)
        dune_emulator.control.add_fault(STATUS, status=429, retry_after=7)
        start = dune_emulator_time.clock()
        status = get_execution_status.sync(eid, client=dune.lowlevel)
        assert isinstance(status, GetExecutionStatusResponse) and status.execution_id == eid
        assert dune_emulator_time.clock() - start >= 7  # the Retry-After, waited out
        assert count(dune_emulator, STATUS) == 2
        path = f"/api/v1/execution/{eid}/status"
        assert _events(seen) == [("HTTP 429", 1, 7, 7.0, "GET", path)]

        # a billed call refused with 429 started nothing: retried, booked once
        seen.clear()
        before = count(dune_emulator, EXECUTE)
        dune_emulator.control.add_fault(EXECUTE, status=429, retry_after=3)
        started = execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 2"))
        assert isinstance(started, ExecuteQueryResponse)
        assert count(dune_emulator, EXECUTE) == before + 2
        assert [e.cause for e in seen] == ["HTTP 429"]
        assert dune.spent.executions == 2 and dune.spent.credits == 20  # 10 each, once


def test_lowlevel_5xx_retries_are_the_facades_retries(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """The same faults give the same on_retry events through dune.lowlevel, dune.request and
    the facade's own get_status: one loop."""
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen) as dune:
        eid = _started(dune)
        runs = []
        calls: list[Callable[[], object]] = [
            lambda: get_execution_status.sync(eid, client=dune.lowlevel),
            lambda: dune.request("GET", f"/v1/execution/{eid}/status"),
            lambda: dune.get_status(eid),
        ]
        for call in calls:
            seen.clear()
            dune_emulator.control.add_fault(STATUS, count=2, status=503)
            assert call() is not None
            runs.append(_events(seen))
        path = f"/api/v1/execution/{eid}/status"
        assert runs[0] == [
            ("HTTP 503", 1, 7, 0.5, "GET", path),
            ("HTTP 503", 2, 7, 1.0, "GET", path),
        ]
        assert runs[0] == runs[1] == runs[2]
        assert count(dune_emulator, STATUS) == 9


def test_facade_attempts_pass_the_shared_transport_once(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """The facade's own attempts go through the transport the low-level client shares but
    are not retried again there: 3 attempts for max_retries=2, not 9."""
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen, max_retries=2) as dune:
        eid = _started(dune)
        dune_emulator.control.add_fault(STATUS, count=20, status=503)
        with pytest.raises(duneq.ServerError):
            dune.get_status(eid)
        assert count(dune_emulator, STATUS) == 3
        with pytest.raises(duneq.ServerError):
            get_execution_status.sync(eid, client=dune.lowlevel)
        assert count(dune_emulator, STATUS) == 6
        assert [e.retry for e in seen] == [1, 2, 1, 2]


def test_a_lowlevel_post_read_is_retried_by_the_billing_table(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """POST /v1/usage only reads: the table says idempotent, so a 503 is retried (the old URL
    guess called every POST that was not an execute unsafe and raised at once)."""
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen) as dune:
        dune_emulator.control.add_fault(USAGE, status=503)
        assert isinstance(get_usage.sync(client=dune.lowlevel), UsageResponse)
        dune_emulator.control.add_fault(USAGE, status=503)
        assert dune.request("POST", "/v1/usage").status_code == 200
    assert [e.cause for e in seen] == ["HTTP 503", "HTTP 503"]
    assert count(dune_emulator, USAGE) == 4


def test_a_lowlevel_call_ends_at_the_clients_wait_timeout(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    seen: list[duneq.Retrying] = []
    with _client(dune_emulator, dune_emulator_time, seen, wait_timeout=5) as dune:
        eid = _started(dune)
        dune_emulator.control.add_fault(STATUS, count=50, status=503)
        start = dune_emulator_time.clock()
        with pytest.raises(duneq.APITimeout, match=r"wait_timeout=5 s.*HTTP 503|wait_timeout=5 s"):
            get_execution_status.sync(eid, client=dune.lowlevel)
        took = dune_emulator_time.clock() - start
        assert took <= 5, took  # backoff 0.5 + 1 + 2 s; the next 4 s pause would pass it
        assert count(dune_emulator, STATUS) == 4
        assert [e.delay for e in seen] == [0.5, 1.0, 2.0]

        # a Retry-After longer than the time left is not slept at all
        dune_emulator.control.reset()
        eid = _started(dune)
        dune_emulator.control.add_fault(STATUS, status=429, retry_after=30)
        start = dune_emulator_time.clock()
        with pytest.raises(duneq.APITimeout) as info:
            get_execution_status.sync(eid, client=dune.lowlevel)
        assert dune_emulator_time.clock() - start < 5
        assert isinstance(info.value.__cause__, duneq.RateLimited)


def test_a_stalled_lowlevel_call_is_cut_at_the_deadline(dune_emulator: EmulatorHandle) -> None:
    """A request timeout far above the stall: only the call's deadline can cut it short."""
    with duneq.Client(
        dune_emulator.api_key, base_url=dune_emulator.base_url, timeout=120, wait_timeout=0.5
    ) as dune:
        eid = _started(dune)
        dune_emulator.control.add_fault(STATUS, kind="delay", delay_seconds=4)
        with pytest.raises(duneq.APITimeout, match="wait_timeout=0.5 s") as info:
            get_execution_status.sync(eid, client=dune.lowlevel)
        assert isinstance(info.value.__cause__, duneq.APITimeout)
        assert info.value.__cause__.failure == "timeout"


def test_one_httpx_client_and_pool_per_client(dune_emulator: EmulatorHandle) -> None:
    inner = httpx.HTTPTransport()
    with duneq.Client(
        dune_emulator.api_key, base_url=dune_emulator.base_url, transport=inner
    ) as dune:
        http = dune.lowlevel.get_httpx_client()
        assert http is dune._http  # the facade's own httpx client, not a second one
        assert dune.lowlevel is dune.lowlevel
        assert http._transport.inner is inner  # type: ignore[attr-defined]
        dune.usage()
        assert isinstance(get_usage.sync(client=dune.lowlevel), UsageResponse)
        assert len(inner._pool.connections) == 1  # both calls on one kept-alive connection
    assert http.is_closed


def test_async_lowlevel_shares_the_client_and_keeps_the_deadline(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    async def scenario() -> None:
        seen: list[duneq.Retrying] = []
        async with duneq.AsyncClient(
            dune_emulator.api_key,
            base_url=dune_emulator.base_url,
            rand=lambda: 0.0,
            on_retry=seen.append,
            wait_timeout=5,
            **dune_emulator_time.client_kwargs(asynchronous=True),
        ) as dune:
            assert dune.lowlevel.get_async_httpx_client() is dune._http
            started = await execute_sql.asyncio(
                client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1")
            )
            assert isinstance(started, ExecuteQueryResponse)
            eid = started.execution_id
            dune_emulator.control.add_fault(STATUS, status=429, retry_after=2)
            status = await get_execution_status.asyncio(eid, client=dune.lowlevel)
            assert isinstance(status, GetExecutionStatusResponse) and status.execution_id == eid
            assert [(e.cause, e.delay) for e in seen] == [("HTTP 429", 2.0)]
            dune_emulator.control.add_fault(STATUS, count=50, status=503)
            start = dune_emulator_time.clock()
            with pytest.raises(duneq.APITimeout, match="wait_timeout=5 s"):
                await get_execution_status.asyncio(eid, client=dune.lowlevel)
            assert dune_emulator_time.clock() - start <= 5

    asyncio.run(scenario())


def test_a_deprecated_route_warns_once_at_the_low_level_callers_line(
    dune_emulator: EmulatorHandle,
) -> None:
    dune_emulator.control.configure(deprecated_routes=["POST /api/v1/usage"])
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        with pytest.warns(DeprecationWarning, match=r"POST /api/v1/usage") as seen:
            get_usage.sync(client=dune.lowlevel)
        (warning,) = [w for w in seen if w.category is DeprecationWarning]
        assert warning.filename == __file__  # not httpx's or the generated client's line
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dune.usage()  # the same route through the facade: already said, by this client
