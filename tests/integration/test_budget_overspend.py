"""``max_credits`` holds when executes fail ambiguously (issue 24 item 4): every reservation is
booked under its own key, so a later ambiguous execute never overwrites an earlier booking.

500 tries drive the one booking implementation (``Charge``) directly, which is all the sync,
async and ``lowlevel`` paths share; real HTTP to the emulator then checks each path end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import duneq
import pytest
from dune_api.api.executions import execute_sql
from dune_api.models import ExecuteSqlRequest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq._flows.budget import Ledger
from duneq._flows.context import FlowContext
from duneq._flows.send import Charge
from duneq._protocol import Request

EXECUTE_SQL = "POST /api/v1/sql/execute"
TRIES = 500
BUDGET = 30.0  # three medium executions (10 credits each)


def _ambiguous(req: Request) -> duneq.ExecutionMayHaveStarted:
    return duneq.ExecutionMayHaveStarted(
        "execute failed with HTTP 500", cause="HTTP 500", method=req.method, path=req.path
    )


def _book_until_refused(ledger: Ledger) -> int:
    """Ambiguous executes on one client until the budget refuses one; how many were sent."""
    ctx = FlowContext(ledger=ledger)
    req = Request("POST", "/v1/sql/execute", json={"sql": "select 1"}, kind="billed")
    sent = 0
    for _ in range(10):
        try:
            charge = Charge(ctx, req, req.json)
        except duneq.BudgetExceeded:
            return sent
        sent += 1
        try:
            with charge.pending():
                raise _ambiguous(req)
        except duneq.ExecutionMayHaveStarted:
            pass
        del charge  # freed at once: CPython may hand its id() to the next Charge
    return sent


def test_500_tries_of_ambiguous_executes_never_pass_max_credits() -> None:
    overspent = []
    for attempt in range(TRIES):
        ledger = Ledger(max_credits=BUDGET)
        sent = _book_until_refused(ledger)
        if sent != 3 or ledger.credits != BUDGET or ledger.spent().executions != 3:
            overspent.append((attempt, sent, ledger.credits))
    assert overspent == []


def _client(emu: EmulatorHandle, asynchronous: bool) -> Any:
    kw = EmulatorTime(emu).client_kwargs(asynchronous=asynchronous)
    cls = duneq.AsyncClient if asynchronous else duneq.Client
    return cls(api_key=emu.api_key, base_url=emu.base_url, max_credits=BUDGET, **kw)


def _sync_calls(dune: duneq.Client) -> Callable[[], Any]:
    return lambda: dune.execute_sql("select 1 as one")


def _lowlevel_calls(dune: duneq.Client) -> Callable[[], Any]:
    return lambda: execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1"))


def _executes(emu: EmulatorHandle) -> int:
    return int(emu.control.counters()["requests"].get(EXECUTE_SQL, 0))


@pytest.mark.parametrize("path", ["sync", "lowlevel"])
def test_ambiguous_executes_over_http_stop_at_the_budget(
    path: str, dune_emulator: EmulatorHandle
) -> None:
    for _ in range(5):
        before = _executes(dune_emulator)
        dune_emulator.control.add_fault(EXECUTE_SQL, count=10, status=500)
        with _client(dune_emulator, asynchronous=False) as dune:
            send = _sync_calls(dune) if path == "sync" else _lowlevel_calls(dune)
            for _ in range(3):
                with pytest.raises(duneq.ExecutionMayHaveStarted):
                    send()
            with pytest.raises(duneq.BudgetExceeded) as info:
                send()
            assert (info.value.spent, info.value.would_cost) == (BUDGET, 10)
            assert dune.spent.credits == BUDGET and dune.spent.executions == 3
        assert _executes(dune_emulator) == before + 3  # the fourth was never sent
        dune_emulator.control.reset()


@pytest.mark.parametrize("path", ["async", "lowlevel-async"])
def test_ambiguous_executes_over_http_stop_at_the_budget_async(
    path: str, dune_emulator: EmulatorHandle
) -> None:
    async def send(dune: duneq.AsyncClient) -> Any:
        if path == "async":
            return await dune.execute_sql("select 1 as one")
        body = ExecuteSqlRequest(sql="select 1")
        return await execute_sql.asyncio(client=dune.lowlevel, body=body)

    async def scenario() -> None:
        for _ in range(5):
            before = _executes(dune_emulator)
            dune_emulator.control.add_fault(EXECUTE_SQL, count=10, status=500)
            async with _client(dune_emulator, asynchronous=True) as dune:
                for _ in range(3):
                    with pytest.raises(duneq.ExecutionMayHaveStarted):
                        await send(dune)
                with pytest.raises(duneq.BudgetExceeded):
                    await send(dune)
                assert dune.spent.credits == BUDGET and dune.spent.executions == 3
            assert _executes(dune_emulator) == before + 3
            dune_emulator.control.reset()

    asyncio.run(scenario())


@pytest.mark.parametrize("path", ["lowlevel", "lowlevel-async"])
def test_a_truncated_200_on_a_lowlevel_execute_keeps_its_booking(
    path: str, dune_emulator: EmulatorHandle
) -> None:
    """A 200 whose body is cut after the run started (found by scripts/chaos.py): before, the
    guarded transport raised ResponseValidationError and released the reservation, so each
    such execute started a billed run while ``spent`` stayed 0 and the budget never refused."""
    body = ExecuteSqlRequest(sql="select 1")

    async def send(dune: Any) -> Any:
        if path == "lowlevel":
            return execute_sql.sync(client=dune.lowlevel, body=body)
        return await execute_sql.asyncio(client=dune.lowlevel, body=body)

    async def scenario() -> None:
        started = int(dune_emulator.control.counters()["executions_started"])
        dune_emulator.control.add_fault(EXECUTE_SQL, count=10, kind="truncate")
        dune = _client(dune_emulator, asynchronous=path == "lowlevel-async")
        try:
            for _ in range(3):
                with pytest.raises(duneq.ExecutionMayHaveStarted) as info:
                    await send(dune)
                assert info.value.status_code == 200
            with pytest.raises(duneq.BudgetExceeded):
                await send(dune)
            assert dune.spent.credits == BUDGET and dune.spent.executions == 3
        finally:
            closed = dune.close()
            if asyncio.iscoroutine(closed):
                await closed
        # the server did start (and bill) the three runs the client booked
        assert int(dune_emulator.control.counters()["executions_started"]) == started + 3

    asyncio.run(scenario())
