"""EmulatorTime: a client's sleeps move the emulator's clock instead of waiting, its clock never
goes backwards, and a jump lands only after the emulator's running SQL has finished."""

from __future__ import annotations

import asyncio

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

COMPLETED = "QUERY_STATE_COMPLETED"


def client_on(emu: EmulatorHandle, emu_time: EmulatorTime) -> duneq.Client:
    """A client of ``emu`` that sleeps and reads its clock through ``emu_time``."""
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, **emu_time.client_kwargs())


def test_sleep_moves_the_emulator_clock_and_the_client_clock(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)
    before = emu_time.clock()
    offset = dune_emulator.state.clock.offset_seconds
    emu_time.sleep(3600)
    emu_time.sleep(0)  # nothing to do
    emu_time.sleep(-1)  # nor here
    assert dune_emulator.state.clock.offset_seconds == pytest.approx(offset + 3600)
    assert emu_time.clock() - before >= 3600
    assert emu_time.slept == pytest.approx(3600, abs=1)
    dune_emulator.control.reset()  # the offset goes back to zero, the client's clock does not
    assert emu_time.clock() >= before + 3600


def test_a_pinned_10_minutes_complete_on_the_emulator_clock(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)
    dune_emulator.control.pin_next_executions(count=1, executing_seconds=600)
    with client_on(dune_emulator, emu_time) as dune:
        execution = dune.execute_sql("select 42 as answer")
        status = execution.wait(timeout=1200)
        assert status.state == COMPLETED
        assert list(execution.result().rows) == [{"answer": 42}]
        # the client's clock is real time plus the jumps, so the jumps are nearly the 10 min
        assert 500 < emu_time.slept < 600 + 10  # the last poll may overshoot
        # the run took 10 minutes on the emulator's own timestamps
        assert status.execution_ended_at and status.execution_started_at
        took = status.execution_ended_at - status.execution_started_at
        assert took.total_seconds() >= 600


def test_the_deadline_is_on_the_emulator_clock(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)
    dune_emulator.control.pin_next_executions(count=1, executing_seconds=3600)
    with client_on(dune_emulator, emu_time) as dune:
        execution = dune.execute_sql("select 1 as x")
        with pytest.raises(duneq.ExecutionTimeout):
            execution.wait(timeout=600)
        assert dune.get_status(execution.execution_id).state == "QUERY_STATE_CANCELLED"
        assert 500 < emu_time.slept <= 600


def test_async_client_on_the_emulator_clock(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)
    dune_emulator.control.pin_next_executions(count=2, executing_seconds=300)

    async def scenario() -> list[list[dict[str, object]]]:
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key,
            base_url=dune_emulator.base_url,
            **emu_time.client_kwargs(asynchronous=True),
        ) as dune:
            runs = await asyncio.gather(
                dune.run_sql("select 1 as x"), dune.run_sql("select 2 as x")
            )
            return [list(await run.rows) for run in runs]

    assert asyncio.run(scenario()) == [[{"x": 1}], [{"x": 2}]]
    assert 250 < emu_time.slept < 600


def test_sleeps_at_once_overlap(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)

    async def scenario() -> None:
        await asyncio.gather(*(emu_time.async_sleep(100) for _ in range(4)))
        await emu_time.async_sleep(50)  # after them: it moves the clock on again

    start = emu_time.clock()
    asyncio.run(scenario())
    assert emu_time.slept == pytest.approx(150, abs=1)
    assert emu_time.clock() - start >= 150


def test_the_jump_waits_for_running_sql(dune_emulator: EmulatorHandle) -> None:
    emu_time = EmulatorTime(dune_emulator)
    engine = dune_emulator.state.engine
    execution = engine.submit(0, "select count(*) as n from range(3000000) t(i)", {}, "medium")
    emu_time.sleep(1)
    # the SQL was done before the clock moved: nothing is left running
    assert execution.work.done
    assert engine.settle(timeout=0)


def test_the_readme_fixture_example(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    dune_emulator.control.pin_next_executions(count=1, executing_seconds=60)
    with duneq.Client(
        api_key=dune_emulator.api_key,
        base_url=dune_emulator.base_url,
        **dune_emulator_time.client_kwargs(),
    ) as dune:
        assert list(dune.run_sql("select 1 as x").rows) == [{"x": 1}]
    assert 50 < dune_emulator_time.slept < 60 + 10  # the last poll may overshoot
