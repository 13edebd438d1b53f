"""Issue 24 item 7: ``run_sql(timeout=...)`` bounds the result fetch too, on every read path and
under every fault kind, and the way out is ExecutionTimeout naming the read. The run finishes
cleanly; then every results page after the first (JSON and CSV) meets one fault kind, so each
path has started delivering (the CSV fan-out has pages in flight) when the faults begin.

The client sleeps and reads its clock on the emulator's, so backoff and Retry-After cost no
real time; a stall or a trickle is served in real time and cut off by the deadline, so those
runs take about the 2 s timeout (bounded generously against a hang, as the suite does)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

JSON = "GET /api/v1/execution/{execution_id}/results"
CSV = "GET /api/v1/execution/{execution_id}/results/csv"
ROWS = 300
SQL = f"select range as n, range * 7 % 13 as m from range({ROWS})"
TIMEOUT = 2.0

#: One fault kind on every results page after the first; the real-time ones last 5 s each.
KINDS: dict[str, dict[str, Any]] = {
    "stall": {"kind": "delay", "delay_seconds": 5.0},
    "trickle": {"kind": "trickle", "delay_seconds": 5.0},
    "429 Retry-After 100": {"kind": "status", "status": 429, "retry_after": 100},
    "500": {"kind": "status", "status": 500},
    "503 after handler": {"kind": "status", "status": 503, "after_handler": True},
    "reset mid-body": {"kind": "reset"},
}
REAL_TIME = {"stall", "trickle"}


def _sync_paths(tmp: Path) -> dict[str, Callable[[duneq.Client, duneq.Result], object]]:
    return {
        "rows": lambda dune, r: len(r.rows),
        "iter_rows": lambda dune, r: sum(1 for _ in r.iter_rows()),
        "to_arrow": lambda dune, r: r.to_arrow().num_rows,
        "iter_batches": lambda dune, r: sum(b.num_rows for b in r.iter_batches()),
        "to_parquet": lambda dune, r: r.to_parquet(tmp / "out.parquet"),
        "to_csv": lambda dune, r: r.to_csv(tmp / "out.csv"),
        "download_csv": lambda dune, r: dune.download_csv(
            r.execution_id, tmp / "dl.csv", timeout=TIMEOUT, page_size=100
        ),
    }


SYNC_PATHS = list(_sync_paths(Path()))


def _fault_pages(emu: EmulatorHandle, kind: str) -> None:
    """Every JSON and CSV results page after the first of each route meets ``kind``."""
    for route in (JSON, CSV):
        emu.control.add_fault(route, skip=1, count=200, **KINDS[kind])


def _check(info: pytest.ExceptionInfo[duneq.ExecutionTimeout], path: str, eid: str) -> None:
    error = info.value
    assert error.execution_id == eid
    assert error.reading is not None and error.reading.startswith(path), error.reading
    assert error.timeout == TIMEOUT
    assert "could not be read within the 2 s timeout" in str(error)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("path", SYNC_PATHS)
def test_run_sql_timeout_bounds_every_sync_read(
    dune_emulator: EmulatorHandle,
    dune_emulator_time: EmulatorTime,
    tmp_path: Path,
    path: str,
    kind: str,
) -> None:
    """Before: the read ignored the timeout (a stall took 7 attempts of the client's 3 s
    timeout, a 429 waited out 100 s of Retry-After, 5xx retried to ServerError)."""
    clock = dune_emulator_time.clock
    dune_emulator.control.pin_next_executions(executing_seconds=0.5)
    kwargs = dune_emulator_time.client_kwargs()
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, timeout=3, **kwargs
    ) as dune:
        start, real = clock(), time.monotonic()
        result = dune.run_sql(SQL, timeout=TIMEOUT, page_size=100)
        _fault_pages(dune_emulator, kind)
        with pytest.raises(duneq.ExecutionTimeout) as info:
            _sync_paths(tmp_path)[path](dune, result)
        overrun = clock() - start - TIMEOUT
    _check(info, path, result.execution_id)
    assert time.monotonic() - real < TIMEOUT + 5  # a hang guard: one stall alone is 5 s
    if kind not in REAL_TIME:  # on the emulator's clock: the deadline itself is the property
        assert overrun <= 1.0


ASYNC_PATHS = ["rows", "iter_rows", "to_arrow", "to_csv", "download_csv"]


async def _async_read(dune: duneq.AsyncClient, r: duneq.AsyncResult, path: str, tmp: Path) -> Any:
    if path == "rows":
        return len(await r.rows)
    if path == "iter_rows":
        return len([row async for row in r.iter_rows()])
    if path == "to_arrow":
        return (await r.to_arrow()).num_rows
    if path == "to_csv":
        return await r.to_csv(tmp / "out.csv")
    return await dune.download_csv(r.execution_id, tmp / "dl.csv", timeout=TIMEOUT, page_size=100)


@pytest.mark.parametrize("kind", ["stall", "429 Retry-After 100", "500", "reset mid-body"])
@pytest.mark.parametrize("path", ASYNC_PATHS)
def test_run_sql_timeout_bounds_every_async_read(
    dune_emulator: EmulatorHandle,
    dune_emulator_time: EmulatorTime,
    tmp_path: Path,
    path: str,
    kind: str,
) -> None:
    clock = dune_emulator_time.clock
    dune_emulator.control.pin_next_executions(executing_seconds=0.5)
    kwargs = dune_emulator_time.client_kwargs(asynchronous=True)

    async def main() -> tuple[str, float, pytest.ExceptionInfo[duneq.ExecutionTimeout]]:
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, timeout=3, **kwargs
        ) as dune:
            start = clock()
            result = await dune.run_sql(SQL, timeout=TIMEOUT, page_size=100)
            _fault_pages(dune_emulator, kind)
            with pytest.raises(duneq.ExecutionTimeout) as info:
                await _async_read(dune, result, path, tmp_path)
            return result.execution_id, clock() - start - TIMEOUT, info

    real = time.monotonic()
    eid, overrun, info = asyncio.run(main())
    _check(info, path, eid)
    assert time.monotonic() - real < TIMEOUT + 5
    if kind not in REAL_TIME:
        assert overrun <= 1.0


def test_a_read_begun_after_the_deadline_gets_the_timeout_again(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """A result held past its call's deadline (a notebook's next cell) is still readable: the
    read gets the timeout from its own start, and within it, exact rows."""
    dune_emulator.control.pin_next_executions(executing_seconds=0.5)
    kwargs = dune_emulator_time.client_kwargs()
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, **kwargs
    ) as dune:
        result = dune.run_sql(SQL, timeout=TIMEOUT, page_size=100)
        dune_emulator_time.sleep(10)
        dune_emulator.control.add_fault(CSV, skip=1, count=2, status=500)
        assert result.to_arrow().column("n").to_pylist() == list(range(ROWS))


def test_the_deadline_error_of_a_read_is_typed_when_unbounded_reads_would_hang(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """``get_result(timeout=...)`` bounds its reads the same way (a 429 whose Retry-After
    outlives the deadline ends the read at once, naming the last error)."""
    kwargs = dune_emulator_time.client_kwargs()
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, **kwargs
    ) as dune:
        eid = dune.run_sql(SQL, timeout=30).execution_id
        result = dune.get_result(eid, timeout=TIMEOUT, page_size=100)
        dune_emulator.control.add_fault(JSON, count=5, status=429, retry_after=100)
        with pytest.raises(duneq.ExecutionTimeout) as info:
            result.rows  # noqa: B018 - the read is the point
    _check(info, "rows", eid)
    assert info.value.reading is not None and "RateLimited" in info.value.reading
