"""Failures users hit first are typed (issue 24 item 12): a bad ``latest_result`` argument is an
InvalidArgument before any request, a 3xx answer to a status poll is raised at once instead of
polled until the deadline, and an interrupted wait carries its execution id."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

STATUS = "GET /api/v1/execution/{execution_id}/status"
CANCELLED = "QUERY_STATE_CANCELLED"


def _requests(emu: EmulatorHandle) -> int:
    return sum(int(n) for n in emu.control.counters()["requests"].values())


def _client(emu: EmulatorHandle, **kw: Any) -> duneq.Client:
    kw = {**EmulatorTime(emu).client_kwargs(), **kw}
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, **kw)


BAD = [timedelta(1), object(), Decimal("NaN"), Decimal("Infinity")]


@pytest.mark.parametrize("value", BAD, ids=["timedelta", "object", "nan", "infinity"])
def test_bad_latest_result_arguments_are_invalid_arguments(
    value: object, dune_emulator: EmulatorHandle
) -> None:
    before = _requests(dune_emulator)
    with _client(dune_emulator) as dune:
        with pytest.raises(duneq.InvalidArgument, match="query_id"):
            dune.latest_result(value)  # type: ignore[arg-type]
        with pytest.raises(duneq.InvalidArgument, match="parameter 'n'"):
            dune.latest_result(2, params={"n": value})  # type: ignore[dict-item]
        with pytest.raises(duneq.InvalidArgument, match="parameter 'n'"):
            dune.run_query(2, params={"n": value})  # type: ignore[dict-item]

    async def scenario() -> None:
        kw = EmulatorTime(dune_emulator).client_kwargs(asynchronous=True)
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, **kw
        ) as dune:
            with pytest.raises(duneq.InvalidArgument, match="query_id"):
                await dune.latest_result(value)  # type: ignore[arg-type]
            with pytest.raises(duneq.InvalidArgument, match="parameter 'n'"):
                await dune.latest_result(2, params={"n": value})  # type: ignore[dict-item]

    asyncio.run(scenario())
    assert _requests(dune_emulator) == before  # nothing was sent


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_on_a_status_poll_is_raised_at_once(
    status: int, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.pin_next_executions(1, executing_seconds=30)
    with _client(dune_emulator) as dune:
        execution = dune.execute_sql("select 1 as one")
        polled = dune_emulator.control.counters()["requests"].get(STATUS, 0)
        dune_emulator.control.add_fault(STATUS, count=1000, status=status)
        with pytest.raises(duneq.ResponseValidationError) as info:
            execution.wait(timeout=20)
    err = info.value
    assert err.status_code == status and f"unexpected HTTP status {status}" in str(err)
    assert "base URL" in str(err)
    assert dune_emulator.control.counters()["requests"].get(STATUS, 0) == polled + 1


def test_keyboard_interrupt_during_a_wait_carries_the_execution_id(
    dune_emulator: EmulatorHandle,
) -> None:
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    for cancel in (True, False):
        dune_emulator.control.pin_next_executions(1, executing_seconds=60)
        with _client(dune_emulator, sleep=interrupt, cancel_on_timeout=cancel) as dune:
            with pytest.raises(KeyboardInterrupt) as info:
                dune.run_sql("select 1 as one")
            eid = getattr(info.value, "execution_id", None)
            assert isinstance(eid, str) and len(eid) == 26
            assert getattr(info.value, "cancelled", None) is cancel
            note = " ".join(getattr(info.value, "__notes__", []))
            assert f"execution {eid}" in note
            state = str(dune.get_status(eid).state)
        assert (state == CANCELLED) is cancel


def test_async_cancellation_during_a_wait_carries_the_execution_id(
    dune_emulator: EmulatorHandle,
) -> None:
    dune_emulator.control.pin_next_executions(1, executing_seconds=600)

    async def scenario() -> None:
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url
        ) as dune:
            task = asyncio.create_task(dune.run_sql("select 1 as one"))
            for _ in range(400):
                await asyncio.sleep(0.01)
                if dune_emulator.control.counters()["requests"].get(STATUS, 0) >= 1:
                    break
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            eid = getattr(info.value, "execution_id", None)
            assert isinstance(eid, str) and len(eid) == 26
            assert getattr(info.value, "cancelled", None) is True
            assert str((await dune.get_status(eid)).state) == CANCELLED

    asyncio.run(scenario())
