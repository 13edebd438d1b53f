"""Fault-injection figures for duneq (issue 11): drive sync and async clients against the
emulator with faults on every route and print how many runs returned exact rows, what the
failures were, duplicate executions, deadline overruns and rate-limit behaviour. The CSV
paths (to_arrow, iter_batches, to_csv, download_csv, to_parquet) run under faults on every GET
route with a cache, each cached entry read back by a fresh offline client (issue 22), and
``run_sql(timeout=2)`` reads meet one fault kind per results page (issue 24 item 7). Issue 24's
attacks and faults: read-only MCP payloads, max_credits under ambiguous executes, chunked
inserts under faults resumed as the README says, sweep processes killed with SIGKILL and
resumed, and cache faults (a full tmpfs, a read-only mount, an entry path that is a directory,
a writer killed mid-entry). One table: runs, exact, typed errors, wrong rows, duplicates,
overspend, deadline overruns past 1 s.

Usage:
    uv run python scripts/chaos.py [--runs 100] [--seed 11] [--quick] [--markdown]
                                   [--only sweep-kills] [--kills 8]

Exits 0 when every target is met, 1 otherwise. ``tests/reliability/`` runs the same scenarios
with few runs and asserts the same properties.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duneq
import httpx
from dune_emulator import EmulatorConfig, EmulatorHandle
from dune_emulator.server import run_emulator
from dune_emulator.testing import EmulatorTime

Mode = Literal["sync", "async"]
API_KEY = "chaos-key"
ROWS = 300
PAGE_SIZE = 100
SQL = f"select range as n, range * 7 % 13 as m from range({ROWS})"
STATUS_ROUTE = "GET /api/v1/execution/{execution_id}/status"
EXECUTE_ROUTE = "POST /api/v1/sql/execute"

#: The fault kinds reads and executes share: statuses before and after the handler ran, and
#: broken connections.
_COMMON_MIX: list[dict[str, Any]] = [
    {"kind": "status", "status": 429, "retry_after": 0.5},
    {"kind": "status", "status": 500},
    {"kind": "status", "status": 500, "after_handler": True},
    {"kind": "status", "status": 502},
    {"kind": "status", "status": 503, "after_handler": True},
    {"kind": "drop"},
    {"kind": "reset"},
    {"kind": "truncate"},
]
#: Every fault kind a read may meet.
READ_MIX: list[dict[str, Any]] = [
    *_COMMON_MIX,
    {"kind": "status", "status": 200, "body": ["not", "a", "status"]},
    {"kind": "delay", "delay_seconds": 0.3},
    {"kind": "trickle", "delay_seconds": 0.3},
]
#: The same kinds on execute: some reach the engine (a run starts), some do not.
EXECUTE_MIX: list[dict[str, Any]] = [
    *_COMMON_MIX,
    {"kind": "status", "status": 200, "body": {"state": "QUERY_STATE_PENDING"}},
    {"kind": "trickle", "delay_seconds": 0.3},
]
#: One fault kind at a time on every status call, for the deadline figures.
DEADLINE_FAULTS: dict[str, dict[str, Any]] = {
    "stall 5 s": {"kind": "delay", "delay_seconds": 5.0},
    "429 Retry-After 10": {"kind": "status", "status": 429, "retry_after": 10},
    "500": {"kind": "status", "status": 500},
    "503 after handler": {"kind": "status", "status": 503, "after_handler": True},
    "drop": {"kind": "drop"},
    "reset mid-body": {"kind": "reset"},
    "trickle 5 s": {"kind": "trickle", "delay_seconds": 5.0},
    "truncated body": {"kind": "truncate"},
}
WAIT_TIMEOUT = 2.0
CLIENT_TIMEOUT = 3.0
CSV_ROUTE = "GET /api/v1/execution/{execution_id}/results/csv"
JSON_ROUTE = "GET /api/v1/execution/{execution_id}/results"
#: Every fault kind a CSV read may meet on top of READ_MIX's (truncated 200s with a matching
#: Content-Length, resets mid-body, stalls, trickles): 200s whose body is not CSV.
CSV_MIX: list[dict[str, Any]] = [
    *READ_MIX,
    {"kind": "status", "status": 200, "body": {"error": "oops"}},
    {"kind": "truncate"},
    {"kind": "delay", "delay_seconds": 0.3, "after_handler": True},
]
#: The CSV-based read paths, taken in turn by the runs.
CSV_PATHS = ("to_arrow", "iter_batches", "to_csv", "download_csv", "to_parquet")
#: Every read path, for the read deadline figures.
READ_PATHS = ("rows", "iter_rows", *CSV_PATHS)
#: One fault kind at a time on every results page after the first, for the read deadlines.
READ_DEADLINE_FAULTS: dict[str, dict[str, Any]] = {
    "stall 5 s": {"kind": "delay", "delay_seconds": 5.0},
    "trickle 5 s": {"kind": "trickle", "delay_seconds": 5.0},
    "429 Retry-After 100": {"kind": "status", "status": 429, "retry_after": 100},
    "500": {"kind": "status", "status": 500},
    "503 after handler": {"kind": "status", "status": 503, "after_handler": True},
    "reset mid-body": {"kind": "reset"},
}


def expected_checksum() -> tuple[int, int]:
    """(row count, checksum) of SQL's rows, computed here, not by the emulator."""
    return ROWS, sum(n * 31 + (n * 7 % 13) for n in range(ROWS))


def checksum(rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
    return len(rows), sum(int(r["n"]) * 31 + int(r["m"]) for r in rows)


@dataclass
class Tally:
    """Outcomes of one scenario's runs."""

    name: str
    runs: int = 0
    exact: int = 0
    wrong: int = 0
    typed: dict[str, int] = field(default_factory=dict)
    untyped: list[str] = field(default_factory=list)
    late: int = 0
    duplicates: int = 0
    ambiguous: int = 0
    misreported: int = 0
    overspend: int = 0
    max_overrun: float = 0.0
    note: str = ""

    def error(self, exc: BaseException) -> None:
        if isinstance(exc, duneq.DuneError):
            name = type(exc).__name__
            self.typed[name] = self.typed.get(name, 0) + 1
        else:
            self.untyped.append(f"{type(exc).__name__}: {exc}")

    @property
    def exact_share(self) -> float:
        return self.exact / self.runs if self.runs else 0.0


def make_client(
    handle: EmulatorHandle, mode: Mode, emulated: EmulatorTime | None = None, **kw: Any
) -> Any:
    """A ``mode`` client of the emulator; given ``emulated``, it sleeps and reads its clock on
    the emulator's clock instead of real time."""
    cls = duneq.Client if mode == "sync" else duneq.AsyncClient
    if emulated is not None:
        kw.update(emulated.client_kwargs(asynchronous=mode == "async"))
    return cls(api_key=handle.api_key, base_url=handle.base_url, **kw)


async def _maybe(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


async def _run_rows(dune: Any, timeout: float) -> list[dict[str, Any]]:
    result = await _maybe(dune.run_sql(SQL, timeout=timeout, page_size=PAGE_SIZE))
    rows: list[dict[str, Any]] = await _maybe(result.rows)
    return rows


async def _close(dune: Any) -> None:
    await _maybe(dune.close())


def _timing(
    handle: EmulatorHandle, emulator_clock: bool
) -> tuple[EmulatorTime | None, Callable[[], float]]:
    """The emulator's time and its clock when asked for, else real time; call it after a
    reset, which takes the emulator's clock back to zero."""
    if not emulator_clock:
        return None, time.monotonic
    emulated = EmulatorTime(handle)
    return emulated, emulated.clock


def reads_under_faults(
    handle: EmulatorHandle,
    *,
    rate: float,
    runs: int,
    mode: Mode,
    seed: int,
    emulator_clock: bool = False,
) -> Tally:
    """``runs`` runs of SQL with ``rate`` of every read (status, results pages) faulted. With
    ``emulator_clock``, polls, backoff and the overrun are on the emulator's clock (for tests)."""
    control = handle.control
    control.reset()
    emulated, clock = _timing(handle, emulator_clock)
    control.pin_next_executions(count=runs, executing_seconds=0.3)
    control.add_fault_rate(rate, READ_MIX, route="GET /api/v1/*", seed=seed)
    tally = Tally(f"reads {rate:.0%} faults ({mode})")
    timeout = 60.0
    want = expected_checksum()

    async def main() -> None:
        dune = make_client(handle, mode, emulated)
        try:
            for _ in range(runs):
                tally.runs += 1
                start = clock()
                try:
                    rows = await _run_rows(dune, timeout)
                except Exception as exc:
                    tally.error(exc)
                    over = clock() - start - timeout
                    tally.max_overrun = max(tally.max_overrun, over)
                    tally.late += over > 1.0
                    continue
                if checksum(rows) == want:
                    tally.exact += 1
                else:
                    tally.wrong += 1
        finally:
            await _close(dune)

    asyncio.run(main())
    injected = control.counters().get("faults_injected", {})
    tally.note = f"{sum(injected.values())} faults injected"
    return tally


def executes_under_faults(
    handle: EmulatorHandle,
    *,
    rate: float,
    runs: int,
    mode: Mode,
    seed: int,
    emulator_clock: bool = False,
) -> Tally:
    """Runs with ``rate`` of executes faulted: counts duplicate executions (the emulator's
    counter) and checks that every failed execute that started a run says so. With
    ``emulator_clock``, polls and backoff are on the emulator's clock (for tests)."""
    control = handle.control
    control.reset()
    emulated, _ = _timing(handle, emulator_clock)
    control.pin_next_executions(count=runs * 2, executing_seconds=0.2)
    control.add_fault_rate(rate, EXECUTE_MIX, route=EXECUTE_ROUTE, seed=seed)
    tally = Tally(f"execute {rate:.0%} faults ({mode})")
    want = expected_checksum()

    async def main() -> None:
        dune = make_client(handle, mode, emulated)
        try:
            for _ in range(runs):
                tally.runs += 1
                before = control.counters()["executions_started"]
                failure: BaseException | None = None
                rows: list[dict[str, Any]] = []
                try:
                    rows = await _run_rows(dune, 60.0)
                except Exception as exc:
                    failure = exc
                    tally.error(exc)
                started = control.counters()["executions_started"] - before
                tally.duplicates += max(started - 1, 0)
                if failure is None:
                    tally.exact += checksum(rows) == want
                    tally.wrong += checksum(rows) != want
                elif isinstance(failure, duneq.ExecutionMayHaveStarted):
                    tally.ambiguous += 1
                elif started and getattr(failure, "path", "").endswith("/sql/execute"):
                    tally.misreported += 1
        finally:
            await _close(dune)

    asyncio.run(main())
    tally.note = f"{tally.ambiguous} ExecutionMayHaveStarted"
    return tally


def deadline_overruns(
    handle: EmulatorHandle,
    *,
    mode: Mode,
    kinds: Sequence[str] | None = None,
    emulator_clock: bool = False,
) -> Tally:
    """``wait(timeout=2)`` with ``Client(timeout=3)`` on a 30 s run while every status call
    meets one fault kind: it must end in ExecutionTimeout within 1 s of the deadline, and the
    remote run must be cancelled. With ``emulator_clock``, the client's sleeps, its deadline
    and the overrun are on the emulator's clock (for kinds whose point is not real time)."""
    control = handle.control
    tally = Tally(f"deadline wait(timeout={WAIT_TIMEOUT:g}) ({mode})")
    worst = ""
    missed: list[str] = []
    for kind in kinds or list(DEADLINE_FAULTS):
        control.reset()
        control.pin_next_executions(count=1, executing_seconds=30.0)

        async def one(
            kind: str, emulated: EmulatorTime | None, clock: Callable[[], float]
        ) -> tuple[float, BaseException | None, str]:
            dune = make_client(handle, mode, emulated, timeout=CLIENT_TIMEOUT)
            try:
                execution = await _maybe(dune.execute_sql(SQL))
                control.add_fault_rate(1.0, [DEADLINE_FAULTS[kind]], route=STATUS_ROUTE)
                start = clock()
                try:
                    await _maybe(execution.wait(timeout=WAIT_TIMEOUT))
                except Exception as failure:
                    return clock() - start, failure, execution.execution_id
                return clock() - start, None, execution.execution_id
            finally:
                await _close(dune)

        elapsed, exc, eid = asyncio.run(one(kind, *_timing(handle, emulator_clock)))
        tally.runs += 1
        overrun = max(elapsed - WAIT_TIMEOUT, 0.0)
        if overrun >= tally.max_overrun:
            tally.max_overrun, worst = overrun, kind
        if exc is None:
            tally.wrong += 1
            continue
        tally.error(exc)
        control.clear_fault_rates()  # faults off, to read the remote state
        with httpx.Client(
            base_url=handle.base_url, headers={"X-Dune-Api-Key": handle.api_key}
        ) as h:
            state = h.get(f"/api/v1/execution/{eid}/status").json()["state"]
        cancelled = isinstance(exc, duneq.ExecutionTimeout) and exc.cancelled
        if cancelled and state == "QUERY_STATE_CANCELLED":
            tally.exact += 1
        else:
            missed.append(f"{kind}: {type(exc).__name__}, remote {state}")
            tally.misreported += state == "QUERY_STATE_EXECUTING"  # a billed run left going
        if overrun > 1.0:
            tally.late += 1
    tally.note = f"worst overrun {tally.max_overrun:.2f} s ({worst})" + "".join(
        f"; {m}" for m in missed
    )
    return tally


def concurrent_waits(handle: EmulatorHandle, *, count: int = 20, seconds: float = 5.0) -> Tally:
    """``count`` concurrent waits on ``seconds`` runs on one AsyncClient, against one wait."""
    control = handle.control
    tally = Tally(f"{count} concurrent {seconds:g} s waits, one AsyncClient")

    async def waits(n: int) -> float:
        control.reset()
        control.configure(max_concurrent_executions=count)  # the server does not limit
        control.pin_next_executions(count=n, executing_seconds=seconds)
        async with duneq.AsyncClient(api_key=handle.api_key, base_url=handle.base_url) as dune:
            start = time.monotonic()
            runs = [await dune.execute_sql(SQL) for _ in range(n)]
            await asyncio.gather(*(run.wait(timeout=120) for run in runs))
            return time.monotonic() - start

    single = asyncio.run(waits(1))
    many = asyncio.run(waits(count))
    tally.runs = count
    tally.exact = count
    ratio = many / single
    tally.note = f"single {single:.1f} s, {count} at once {many:.1f} s: {ratio:.2f}x"
    tally.max_overrun = ratio  # reported in the ratio column
    return tally


class _Counting(httpx.AsyncHTTPTransport):
    """Counts answers by status, to measure the share of 429s."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.statuses.append(response.status_code)
        return response


def rate_limited(handle: EmulatorHandle, *, waits: int = 4, seconds: float = 20.0) -> Tally:
    """The server allows 10 reads a minute: ``waits`` concurrent waits on ``seconds`` runs and
    their results on one client; the share of requests answered 429."""
    control = handle.control
    control.reset()
    control.pin_next_executions(count=waits, executing_seconds=seconds)
    control.configure(rate_limit_high_rpm=10)
    tally = Tally("server allows 10 reads/min")
    transport = _Counting()

    async def main() -> None:
        async with duneq.AsyncClient(
            api_key=handle.api_key, base_url=handle.base_url, transport=transport
        ) as dune:
            runs = [await dune.execute_sql(SQL) for _ in range(waits)]

            async def finish(run: Any) -> None:
                result = await run.result(timeout=300, page_size=1000)
                rows = await result.rows
                tally.exact += checksum(rows) == expected_checksum()

            for outcome in await asyncio.gather(*(finish(r) for r in runs), return_exceptions=True):
                if isinstance(outcome, BaseException):
                    tally.error(outcome)

    start = time.monotonic()
    asyncio.run(main())
    control.configure(rate_limit_high_rpm=None)
    tally.runs = waits
    total = len(transport.statuses)
    limited = transport.statuses.count(429)
    tally.max_overrun = limited / total if total else 0.0
    tally.note = f"{limited}/{total} requests got 429, {time.monotonic() - start:.0f} s"
    return tally


VICTIM = "dune.emulator.victim"
#: Issue 24's attacks on read-only ``duneq mcp``: (tool, arguments) that must each be refused
#: before any execute reaches the server.
MCP_PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    ("run_sql", {"sql": f"select 1 -- it's\n; delete from {VICTIM}; select 2 -- '"}),
    ("run_sql", {"sql": f"/* don't */ drop table {VICTIM} /* ' */"}),
    ("run_sql", {"sql": f"truncate {VICTIM}"}),
    ("run_sql", {"sql": "copy (select 42) to '{dir}/out.csv'"}),
    ("run_sql", {"sql": "attach '{dir}/x.db'"}),
    ("run_sql", {"sql": f"delete from {VICTIM}"}),
    ("run_sql", {"sql": f"with d as (delete from {VICTIM} returning *) select * from d"}),
    ("run_sql", {"sql": f"explain analyze delete from {VICTIM}"}),
    ("run_sql", {"sql": "select 1 into dune.emulator.pwned"}),
    ("run_sql", {"sql": f"show tables; delete from {VICTIM}"}),
    ("run_sql", {"sql": "install httpfs"}),
    ("run_sql", {"sql": f"update {VICTIM} set id = 0"}),
    ("run_query", {"query_id": 1, "params": {"chain": f"x'; delete from {VICTIM}; select 'y"}}),
    (
        "latest_result",
        {
            "query_id": 1,
            "params": {"chain": "x'; create table dune.emulator.pwned as select 1; select 'y"},
            "run_if_stale": True,
        },
    ),
    ("run_query", {"query_id": 2, "params": {"n": f"1); delete from {VICTIM}; select (1"}}),
    ("latest_result", {"query_id": 2, "params": {"n": "nan"}, "run_if_stale": True}),
]


def mcp_payloads(handle: EmulatorHandle) -> Tally:
    """Each payload against a read-only ``duneq mcp`` (built in-process, real HTTP to the
    emulator): exact when refused with the victim table unchanged, no execute sent and no file
    written; wrong when anything changed."""
    import tempfile
    from pathlib import Path

    from duneq.mcp import ServerConfig, build_server, server_client
    from mcp import Client

    control = handle.control
    control.reset()
    control.pin_next_executions(count=200, executing_seconds=0.05)  # the victim counts
    tally = Tally("MCP read-only attack payloads")
    key, url = handle.api_key, handle.base_url
    with duneq.Client(api_key=key, base_url=url) as dune:
        dune.uploads.create("emulator", "victim", [("id", "integer")])
        dune.uploads.insert("emulator", "victim", [{"id": i} for i in range(3)])

    def victim_rows() -> int | None:
        with duneq.Client(api_key=key, base_url=url) as dune:
            try:
                return int(dune.run_sql(f"select count(*) as n from {VICTIM}").rows[0]["n"])
            except duneq.QueryFailed:
                return None

    def executes() -> int:
        requests = control.counters()["requests"]
        return sum(int(n) for route, n in requests.items() if route.endswith("/execute"))

    async def attack(tool: str, arguments: dict[str, Any]) -> bool:
        config = ServerConfig()
        dune = server_client(config, api_key=key, base_url=url)
        async with dune, Client(build_server(dune, config, secret=key)) as client:
            result = await client.call_tool(tool, arguments)
        return bool(result.is_error)

    with tempfile.TemporaryDirectory() as scratch:
        for tool, raw in MCP_PAYLOADS:
            arguments = {
                k: v.replace("{dir}", scratch) if isinstance(v, str) else v for k, v in raw.items()
            }
            tally.runs += 1
            before = executes()
            try:
                refused = asyncio.run(attack(tool, arguments))
            except Exception as exc:  # an exception out of the SDK client is untyped here
                tally.error(exc)
                continue
            sent = executes() - before
            intact = victim_rows() == 3 and not any(Path(scratch).iterdir())
            if refused and sent == 0 and intact:
                tally.exact += 1
                tally.typed["refused"] = tally.typed.get("refused", 0) + 1
            if not intact:
                tally.wrong += 1
    tally.note = f"{tally.exact}/{tally.runs} refused before any execute"
    return tally


#: Execute faults whose outcome the client cannot know, in turn per try: some reach the engine
#: (after the handler, a run starts and is billed), some do not.
AMBIGUOUS_EXECUTE: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "503 after handler": {"status": 503, "after_handler": True},
    "reset mid-body": {"kind": "reset"},
    "truncated 200": {"kind": "truncate"},
}


def budget_overspend(handle: EmulatorHandle, *, tries: int) -> Tally:
    """``max_credits=30`` against executes that fail ambiguously (AMBIGUOUS_EXECUTE, in turn):
    each try sends executes until the budget refuses; overspend when a fourth was sent, the
    server started more than 3 runs (30 credits) or the client counted more than 30. Sync,
    async and ``lowlevel``."""
    from dune_api.api.executions import execute_sql
    from dune_api.models import ExecuteSqlRequest

    control = handle.control
    control.reset()
    control.configure(max_concurrent_executions=10_000)  # earlier tries' runs never queue
    control.pin_next_executions(count=tries * 3, executing_seconds=0.05)
    tally = Tally(f"max_credits=30, ambiguous executes x{tries}")
    body = ExecuteSqlRequest(sql="select 1")

    def sent() -> int:
        return int(control.counters()["requests"].get(EXECUTE_ROUTE, 0))

    async def one(path: str, fault: dict[str, Any]) -> tuple[int, float]:
        control.add_fault(EXECUTE_ROUTE, count=3, **fault)  # a fourth would start a run
        before = sent()
        dune = make_client(handle, "async" if "async" in path else "sync", max_credits=30)
        try:
            for _ in range(10):
                try:
                    if path == "sync":
                        dune.execute_sql("select 1")
                    elif path == "async":
                        await dune.execute_sql("select 1")
                    elif path == "lowlevel":
                        execute_sql.sync(client=dune.lowlevel, body=body)
                    else:
                        await execute_sql.asyncio(client=dune.lowlevel, body=body)
                except duneq.BudgetExceeded as exc:
                    tally.error(exc)
                    break
                except duneq.DuneError:  # a caller that tries again on any other error
                    continue
            return sent() - before, float(dune.spent.credits)
        finally:
            await _close(dune)

    paths = ("sync", "async", "lowlevel", "lowlevel-async")
    kinds = list(AMBIGUOUS_EXECUTE)
    billed = 0
    for i in range(tries):
        path = paths[i % len(paths)]
        kind = kinds[(i // len(paths)) % len(kinds)]
        tally.runs += 1
        started = int(control.counters()["executions_started"])
        try:
            executes, credits = asyncio.run(one(path, AMBIGUOUS_EXECUTE[kind]))
        except Exception as exc:
            tally.error(exc)
            continue
        ran = int(control.counters()["executions_started"]) - started
        billed += ran
        # the server billed 10 credits a run: more than 3 runs, more than 3 executes sent or
        # a client that counts more than 30 is an overspend
        if executes > 3 or ran * 10 > 30 or credits > 30:
            tally.overspend += 1
        elif credits == 30:
            tally.exact += 1
        else:
            tally.misreported += 1  # under 30 counted: the client lost track of a booking
    tally.note = (
        f"{tally.overspend} tries overspent, {billed} runs the server started ({', '.join(kinds)})"
    )
    return tally


INSERT_ROUTE = "POST /api/v1/uploads/{namespace}/{table_name}/insert"
UPLOAD_ROWS = 60
#: about 10 rows per chunk: 6 chunks a table
UPLOAD_CHUNK_BYTES = 130
#: Every fault an insert chunk may meet: after the handler wrote it (5xx, a reset mid-body, a
#: truncated 200), before (5xx, a dropped connection), and 429s.
UPLOAD_MIX: list[dict[str, Any]] = [
    {"kind": "status", "status": 502, "after_handler": True},
    {"kind": "status", "status": 500, "after_handler": True},
    {"kind": "reset"},
    {"kind": "truncate"},
    {"kind": "status", "status": 503},
    {"kind": "drop"},
    {"kind": "status", "status": 429, "retry_after": 0.2},
]


def _upload_data() -> bytes:
    return b"id,label\n" + b"".join(f"{i},row-{i:04d}\n".encode() for i in range(UPLOAD_ROWS))


def upload_faults(
    handle: EmulatorHandle,
    *,
    rate: float,
    runs: int,
    mode: Mode,
    seed: int,
    emulator_clock: bool = False,
) -> Tally:
    """``runs`` tables, each filled by a chunked insert with ``rate`` of chunks faulted
    (UPLOAD_MIX). After InsertFailed the run resumes as the README says (count the table's
    rows; resume at the unknown chunk's end if its rows are there, else at its start), as often
    as needed. Exact when the table holds every input row once; a row twice is a duplicate, a
    row missing or foreign is wrong."""
    control = handle.control
    control.reset()
    emulated, _ = _timing(handle, emulator_clock)
    control.pin_next_executions(count=runs * 20, executing_seconds=0.05)  # the row counts
    control.add_fault_rate(rate, UPLOAD_MIX, route=INSERT_ROUTE, seed=seed)
    tally = Tally(f"uploads {rate:.0%} faults, resumed ({mode})")
    data = _upload_data()
    resumes = unknown = 0

    async def ids(dune: Any, table: str) -> list[int]:
        result = await _maybe(dune.run_sql(f"select id from {table}"))
        return [int(r["id"]) for r in await _maybe(result.rows)]

    async def main() -> None:
        nonlocal resumes, unknown
        dune = make_client(handle, mode, emulated)
        try:
            for i in range(runs):
                tally.runs += 1
                name = f"chaos_{mode}_{i}"
                table = f"dune.emulator.{name}"
                await _maybe(
                    dune.uploads.create("emulator", name, [("id", "bigint"), ("label", "varchar")])
                )
                start = 0
                for _attempt in range(20):
                    try:
                        await _maybe(
                            dune.uploads.insert(
                                "emulator",
                                name,
                                data,
                                chunk_bytes=UPLOAD_CHUNK_BYTES,
                                start_row=start,
                            )
                        )
                        break
                    except duneq.InsertFailed as exc:
                        tally.error(exc)
                        resumes += 1
                        if exc.unknown_rows is None:
                            start = exc.resume_row
                            continue
                        unknown += 1
                        landed = set(await ids(dune, table))
                        there = exc.unknown_rows.start in landed
                        start = exc.unknown_rows.stop if there else exc.unknown_rows.start
                    except duneq.DuneError as exc:
                        # this call's first chunk surely did not land: resume where it began
                        tally.error(exc)
                        resumes += 1
                got = await ids(dune, table)
                want = list(range(UPLOAD_ROWS))
                tally.duplicates += len(got) - len(set(got))
                if sorted(got) == want:
                    tally.exact += 1
                elif sorted(set(got)) != want:
                    tally.wrong += 1
        finally:
            await _close(dune)

    asyncio.run(main())
    control.clear_fault_rates()
    injected = control.counters().get("faults_injected", {})
    tally.note = (
        f"{sum(injected.values())} faults injected, {resumes} resumes "
        f"({unknown} of an unknown chunk)"
    )
    return tally


#: What a resumed sweep warns when it runs an item again without finding the run a killed
#: process's execute may have started (DuneWarning before duneq had SweepWarning).
_SWEEP_WARNING: type[Warning] = getattr(duneq, "SweepWarning", duneq.DuneWarning)
SWEEP_QUERY_SQL = "select '{{day}}' as day_text"
SWEEP_EXECUTE = "POST /api/v1/query/{query_id}/execute"
#: A sweep process: the emulator's URL and key, the query, the state file and the days.
_SWEEP_CHILD = """
import sys
import duneq
url, key, qid, state = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
days = sys.argv[5].split(",")
poll = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)
with duneq.Client(api_key=key, base_url=url, poll=poll) as dune:
    dune.sweep(qid, params=[{"day": d} for d in days], state=state, max_concurrent=2)
"""


def _sweep_process(handle: EmulatorHandle, qid: int, state: Path, days: Sequence[str]) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SWEEP_CHILD,
            handle.base_url,
            handle.api_key,
            str(qid),
            str(state),
            ",".join(days),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def sweep_kills(
    handle: EmulatorHandle,
    *,
    sweeps: int,
    kills: int,
    items: int,
    executing_seconds: float,
    seed: int,
) -> Tally:
    """``sweeps`` sweeps of ``items`` days, each sweep process killed with SIGKILL ``kills``
    times at a random point (0 to 1.2 s after its first execute reached the server; execute
    replies come 0.6 s after the run started) and resumed with the same state file; then a
    last process finishes it. Exact when every day's row is there and each item was billed
    once; every execution beyond one per item counts as a duplicate. Runs last
    ``executing_seconds``: a run still going at the resume is not listed until it ends, and the
    resume keeps looking for it (within a bound) before it would pay for the item again."""
    import os
    import random
    import signal
    import tempfile

    control = handle.control
    control.reset()
    control.configure(max_concurrent_executions=100)
    control.pin_next_executions(
        count=sweeps * items * (kills + 2), executing_seconds=executing_seconds
    )
    control.add_fault(
        SWEEP_EXECUTE, kind="delay", delay_seconds=0.6, after_handler=True, count=100_000
    )
    rng = random.Random(seed)
    tally = Tally(f"sweep kill -9 x{kills}, runs {executing_seconds:g} s")
    landed = warned = 0
    resumes: list[float] = []  # seconds each sweep's last (finishing) process took
    days = [f"2024-03-{d:02d}" for d in range(1, items + 1)]

    def executes() -> int:
        return int(control.counters()["requests"].get(SWEEP_EXECUTE, 0))

    with (
        duneq.Client(api_key=handle.api_key, base_url=handle.base_url) as dune,
        tempfile.TemporaryDirectory() as scratch,
    ):
        for n in range(sweeps):
            qid = dune.queries.create(
                f"chaos sweep {n}",
                SWEEP_QUERY_SQL,
                parameters=[{"key": "day", "type": "text", "value": days[0]}],
            )
            state = Path(scratch) / f"sweep-{n}.json"
            started = int(control.counters()["executions_started"])
            for _ in range(kills):
                before = executes()
                proc = _sweep_process(handle, qid, state, days)
                try:
                    limit = time.monotonic() + 60  # a bound on a stuck child
                    while proc.poll() is None and time.monotonic() < limit:
                        if executes() > before:
                            time.sleep(rng.uniform(0.0, 1.2))
                            break
                        time.sleep(0.005)
                    if proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                        landed += 1
                finally:
                    if proc.poll() is None:
                        proc.kill()
                    proc.wait()
            tally.runs += 1
            began = time.monotonic()
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    runs = dune.sweep(
                        qid, params=[{"day": d} for d in days], state=state, max_concurrent=2
                    )
            except Exception as exc:
                tally.error(exc)
                continue
            finally:
                resumes.append(time.monotonic() - began)
            warned += sum(isinstance(w.message, _SWEEP_WARNING) for w in caught)
            extra = int(control.counters()["executions_started"]) - started - items
            tally.duplicates += max(extra, 0)
            got = [r["day_text"] for r in runs.rows]
            if runs.failed or sorted(got) != days:
                tally.wrong += 1
            elif extra == 0:
                tally.exact += 1
    resumes.sort()
    tally.note = (
        f"{landed} kills landed, {items} items a sweep, {warned} reruns warned; "
        f"last resume {resumes[len(resumes) // 2]:.1f} s median, {resumes[-1]:.1f} s max"
        if resumes
        else f"{landed} kills landed, {items} items a sweep"
    )
    return tally


CACHE_ROWS = 20_000
#: about 600 KB of JSON and 300 KB of Arrow: neither fits the 64 KiB tmpfs
CACHE_SQL = (
    "select x, concat('label-', cast(x as varchar)) as label "
    f"from unnest(sequence(1, {CACHE_ROWS})) as t(x) order by x"
)
CACHE_FAULTS = ("full disk", "read-only folder", "entry is a directory", "writer killed")
#: A process that streams an execution's result into the cache (page by page), its second page
#: slowed so that a kill lands while its entry's temp file is being written.
_CACHE_CHILD = """
import sys
import duneq
url, key, cache, eid = sys.argv[1:5]
with duneq.Client(api_key=key, base_url=url, cache=cache) as dune:
    sum(1 for _ in dune.get_result(eid, page_size=2000).iter_rows())
"""


def _mount_tmpfs(target: Path, options: str) -> bool:
    """A tmpfs at ``target`` (needs root); False when this machine does not allow it."""
    import subprocess

    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _umount(target: Path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def _temp_files(root: Path) -> list[Path]:
    folder = root / "entries"
    return [p for p in folder.iterdir() if p.name.startswith(".tmp-")] if folder.is_dir() else []


def _big_exact(rows: Sequence[dict[str, Any]]) -> bool:
    return (
        len(rows) == CACHE_ROWS
        and sum(int(r["x"]) for r in rows) == CACHE_ROWS * (CACHE_ROWS + 1) // 2
        and all(r["label"] == f"label-{r['x']}" for r in rows)
    )


def cache_faults(handle: EmulatorHandle, *, runs: int, mode: Mode) -> Tally:
    """``runs`` reads of a 20,000-row result per cache fault: a full disk (a 64 KiB tmpfs:
    ENOSPC), a read-only folder (a tmpfs remounted read-only), an entry path that is a
    directory, and a writer process killed with SIGKILL mid-entry before this one reads. Exact
    when the rows are exact, with one CacheWarning for the first three (none for a dead
    writer's temp file), no temp file of ours left, and ``Cache.size()`` counting no orphan."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import warnings

    control = handle.control
    control.reset()
    tally = Tally(f"cache faults x{len(CACHE_FAULTS)} kinds ({mode})")
    skipped: set[str] = set()
    orphans = 0

    with duneq.Client(api_key=handle.api_key, base_url=handle.base_url) as plain:
        eid = plain.run_sql(CACHE_SQL, timeout=120).execution_id

    async def read(root: Path, how: str) -> tuple[bool, int]:
        """Exact rows?, CacheWarnings seen, for one read of the result through ``root``."""
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            dune = make_client(handle, mode, cache=str(root))
            try:
                result = await _maybe(dune.get_result(eid, page_size=5000))
                if how == "to_arrow":
                    table = await _maybe(result.to_arrow())
                    rows = table.select(["x", "label"]).to_pylist()
                else:
                    rows = list(await _maybe(result.rows))
            finally:
                await _close(dune)
        seen = sum(issubclass(w.category, duneq.CacheWarning) for w in record)
        return _big_exact(rows), seen

    def one(kind: str, scratch: Path, i: int) -> tuple[bool, int, int] | None:
        """(exact, CacheWarnings, CacheWarnings wanted), None when the fault cannot be made."""
        how = "to_arrow" if i % 2 else "rows"
        root = scratch / f"{kind.replace(' ', '-')}-{i}"
        if kind == "full disk":
            if not _mount_tmpfs(root, "size=64k"):
                return None
            try:
                exact, seen = asyncio.run(read(root, how))
                left = _temp_files(root)
            finally:
                _umount(root)
            return exact and not left, seen, 1
        if kind == "read-only folder":
            if not _mount_tmpfs(root, "size=8m"):
                return None
            try:
                done = subprocess.run(
                    ["mount", "-o", "remount,ro", str(root)], capture_output=True, check=False
                )
                if done.returncode != 0:
                    return None
                exact, seen = asyncio.run(read(root, how))
            finally:
                _umount(root)
            return exact, seen, 1
        if kind == "entry is a directory":
            exact, _ = asyncio.run(read(root, how))
            for entry in (root / "entries").glob("*.dq*"):
                entry.unlink()
                entry.mkdir()
                (entry / "inside").write_text("not an entry")
            again, seen = asyncio.run(read(root, how))
            return exact and again and not _temp_files(root), seen, 1
        # a writer killed mid-entry, then this process reads through the same cache
        control.add_fault(JSON_ROUTE, skip=1, kind="delay", delay_seconds=3.0)  # page 2
        proc = subprocess.Popen(
            [sys.executable, "-c", _CACHE_CHILD, handle.base_url, handle.api_key, str(root), eid],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            limit = time.monotonic() + 60  # a bound on a stuck child
            while not _temp_files(root) and proc.poll() is None and time.monotonic() < limit:
                time.sleep(0.01)
            killed = bool(_temp_files(root)) and proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if not killed:
            return None
        cache = duneq.Cache(root)
        counted_orphan = cache.size() != 0
        exact, seen = asyncio.run(read(root, how))
        entries = sum(
            p.stat().st_size for p in (root / "entries").iterdir() if not p.name.startswith(".tmp-")
        )
        counted_orphan |= cache.size() != entries
        nonlocal orphans
        orphans += len(_temp_files(root))  # the dead writer's file goes at our commit
        return exact and not counted_orphan, seen, 0

    with tempfile.TemporaryDirectory() as scratch:
        for kind in CACHE_FAULTS:
            for i in range(runs):
                got = one(kind, Path(scratch), i)
                if got is None:
                    skipped.add(kind)
                    break
                tally.runs += 1
                exact, seen, wanted = got
                tally.typed["CacheWarning"] = tally.typed.get("CacheWarning", 0) + seen
                if exact and seen == wanted:
                    tally.exact += 1
                elif not exact:
                    tally.wrong += 1
                else:
                    tally.misreported += 1
                    tally.untyped.append(f"{kind}: {seen} CacheWarnings, wanted {wanted}")
    tally.note = f"{orphans} orphan temp files left" + "".join(
        f"; {k} not possible here" for k in sorted(skipped)
    )
    return tally


def _typed(t: Tally) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(t.typed.items())) or "-"


def _csv_file_rows(path: Path) -> list[dict[str, Any]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _table_rows(table: Any) -> list[dict[str, Any]]:
    return [
        {"n": n, "m": m}
        for n, m in zip(*table.select(["n", "m"]).to_pydict().values(), strict=True)
    ]


async def read_path(
    dune: Any, result: Any, path: str, scratch: Path, until: float | None = None
) -> list[dict[str, Any]]:
    """The rows ``path`` delivers (files written are read back), sync or async alike;
    ``download_csv`` gets the time left before ``until`` (real time) as its timeout."""
    if path == "rows":
        return list(await _maybe(result.rows))
    if path == "iter_rows":
        stream = result.iter_rows()
        return [row async for row in stream] if hasattr(stream, "__aiter__") else list(stream)
    if path == "to_arrow":
        return _table_rows(await _maybe(result.to_arrow()))
    if path == "iter_batches":
        import pyarrow as pa

        batches = result.iter_batches()
        got = [b async for b in batches] if hasattr(batches, "__aiter__") else list(batches)
        return _table_rows(pa.Table.from_batches(got)) if got else []
    if path == "to_parquet":
        import pyarrow.parquet as pq

        await _maybe(result.to_parquet(scratch / "out.parquet"))
        return _table_rows(pq.read_table(scratch / "out.parquet"))
    out = scratch / f"{path}.csv"
    if path == "to_csv":
        await _maybe(result.to_csv(out))
    else:
        left = {} if until is None else {"timeout": max(until - time.monotonic(), 0.01)}
        await _maybe(dune.download_csv(result.execution_id, out, page_size=PAGE_SIZE, **left))
    return _csv_file_rows(out)


def csv_reads_under_faults(
    handle: EmulatorHandle,
    *,
    rate: float,
    runs: int,
    mode: Mode,
    seed: int,
    emulator_clock: bool = False,
) -> Tally:
    """``runs`` runs of SQL with ``rate`` of every GET (status, JSON and CSV results) faulted
    with CSV_MIX, each read by the next CSV path, on a client with a cache. Exact when the path
    gives SQL's rows (checksum), wrong when it gives others; then a fresh offline client reads
    the cache: it must give exact rows or nothing (a short entry counts as wrong)."""
    import tempfile

    control = handle.control
    control.reset()
    emulated, clock = _timing(handle, emulator_clock)
    control.pin_next_executions(count=runs, executing_seconds=0.3)
    control.add_fault_rate(rate, CSV_MIX, route="GET /api/v1/*", seed=seed)
    tally = Tally(f"CSV reads {rate:.0%} faults, cached ({mode})")
    timeout = 60.0
    want = expected_checksum()
    cached = 0

    async def main(scratch: Path) -> None:
        nonlocal cached
        cache = scratch / "cache"
        dune = make_client(handle, mode, emulated, cache=str(cache))
        try:
            for i in range(runs):
                path = CSV_PATHS[i % len(CSV_PATHS)]
                tally.runs += 1
                start = clock()
                eid: str | None = None
                try:
                    result = await _maybe(dune.run_sql(SQL, timeout=timeout, page_size=PAGE_SIZE))
                    eid = result.execution_id
                    rows = await read_path(dune, result, path, scratch)
                except Exception as exc:
                    tally.error(exc)
                    over = clock() - start - timeout
                    tally.max_overrun = max(tally.max_overrun, over)
                    tally.late += over > 1.0
                else:
                    tally.exact += checksum(rows) == want
                    tally.wrong += checksum(rows) != want
                if eid is not None:
                    cached += await _from_cache(cache, eid, mode, tally, want)
        finally:
            await _close(dune)

    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main(Path(scratch)))
    injected = control.counters().get("faults_injected", {})
    tally.note = f"{sum(injected.values())} faults injected, {cached} cache reads exact"
    return tally


async def _from_cache(
    cache: Path, eid: str, mode: Mode, tally: Tally, want: tuple[int, int]
) -> int:
    """A fresh offline client's typed and row reads of ``eid`` from the cache: 1 when one was
    served exact, 0 when none was cached; a short or wrong entry counts in ``tally.wrong``."""
    cls = duneq.Client if mode == "sync" else duneq.AsyncClient
    fresh = cls(api_key=API_KEY, base_url="http://127.0.0.1:9", cache=str(cache), offline=True)
    served = 0
    try:
        for how in ("to_arrow", "rows"):
            try:
                result = await _maybe(fresh.get_result(eid))
                if how == "to_arrow":
                    rows = _table_rows(await _maybe(result.to_arrow()))
                else:
                    rows = list(await _maybe(result.rows))
            except duneq.CacheMiss:
                continue
            if checksum(rows) != want:
                tally.wrong += 1
                tally.untyped.append(f"short cache entry of {eid} ({how}): {len(rows)} rows")
            else:
                served = 1
    finally:
        await _close(fresh)
    return served


def read_deadline_overruns(
    handle: EmulatorHandle,
    *,
    mode: Mode,
    kinds: Sequence[str] | None = None,
    paths: Sequence[str] = READ_PATHS,
) -> Tally:
    """``run_sql(timeout=2)`` with ``Client(timeout=3)``, then every results page after the
    first (JSON and CSV) meets one fault kind, on each read path: the read must end in
    ExecutionTimeout within 1 s of the run's deadline (real time)."""
    import tempfile

    control = handle.control
    tally = Tally(f"read deadline run_sql(timeout={WAIT_TIMEOUT:g}) ({mode})")
    worst = ""
    for kind in kinds or list(READ_DEADLINE_FAULTS):
        for path in paths:
            control.reset()
            control.pin_next_executions(count=1, executing_seconds=0.2)

            async def one(kind: str, path: str, scratch: Path) -> tuple[float, Exception | None]:
                dune = make_client(handle, mode, None, timeout=CLIENT_TIMEOUT)
                try:
                    start = time.monotonic()
                    try:
                        result = await _maybe(
                            dune.run_sql(SQL, timeout=WAIT_TIMEOUT, page_size=PAGE_SIZE)
                        )
                        for route in (JSON_ROUTE, CSV_ROUTE):
                            control.add_fault(
                                route, skip=1, count=200, **READ_DEADLINE_FAULTS[kind]
                            )
                        await read_path(dune, result, path, scratch, start + WAIT_TIMEOUT)
                    except Exception as failure:
                        return time.monotonic() - start, failure
                    return time.monotonic() - start, None
                finally:
                    await _close(dune)

            with tempfile.TemporaryDirectory() as scratch:
                elapsed, exc = asyncio.run(one(kind, path, Path(scratch)))
            tally.runs += 1
            overrun = max(elapsed - WAIT_TIMEOUT, 0.0)
            if overrun >= tally.max_overrun:
                tally.max_overrun, worst = overrun, f"{kind}, {path}"
            if exc is None:
                tally.wrong += 1  # the faults never let the read finish
                continue
            tally.error(exc)
            if isinstance(exc, duneq.ExecutionTimeout) and exc.reading is not None:
                tally.exact += 1
            if overrun > 1.0:
                tally.late += 1
    tally.note = f"worst overrun {tally.max_overrun:.2f} s ({worst})"
    return tally


#: The one table's columns: (heading, width, the cell of a tally).
_COLUMNS: list[tuple[str, int, Callable[[Tally], str]]] = [
    ("runs", 5, lambda t: str(t.runs)),
    ("exact", 6, lambda t: str(t.exact)),
    ("typed errors", 12, lambda t: str(sum(t.typed.values()))),
    ("wrong rows", 10, lambda t: str(t.wrong)),
    ("duplicates", 10, lambda t: str(t.duplicates)),
    ("overspend", 9, lambda t: str(t.overspend)),
    ("overruns > 1 s", 14, lambda t: str(t.late)),
    ("untyped", 7, lambda t: str(len(t.untyped))),
]


def _notes(t: Tally) -> str:
    return f"{t.note}; errors: {_typed(t)}"


def table(tallies: Sequence[Tally]) -> list[str]:
    """The one table of every scenario: runs, exact, typed errors, wrong rows, duplicates,
    overspend, deadline overruns past 1 s, untyped exceptions, then notes."""
    cells = "".join(f" {h:>{w}}" for h, w, _ in _COLUMNS)
    head = f"{'scenario':46}{cells}  notes"
    lines = [head, "-" * len(head)]
    for t in tallies:
        row = "".join(f" {cell(t):>{w}}" for _, w, cell in _COLUMNS)
        lines.append(f"{t.name:46}{row}  {_notes(t)}")
    return lines


def markdown(tallies: Sequence[Tally]) -> list[str]:
    """The same table in Markdown, for the README."""
    heads = ["scenario", *(h for h, _, _ in _COLUMNS), "notes"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for t in tallies:
        cells = [t.name, *(cell(t) for _, _, cell in _COLUMNS), _notes(t)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


@dataclass
class Check:
    what: str
    ok: bool


def checks(tallies: dict[str, Tally]) -> list[Check]:
    """The issue's targets against the figures."""
    out: list[Check] = []
    for key, tally in tallies.items():
        out.append(Check(f"{tally.name}: 0 untyped exceptions", not tally.untyped))
        out.append(Check(f"{tally.name}: no wrong rows", tally.wrong == 0))
        if key.startswith("reads20"):
            out.append(Check(f"{tally.name}: 100% exact", tally.exact == tally.runs))
        if key.startswith("reads50"):
            out.append(Check(f"{tally.name}: >= 95% exact", tally.exact_share >= 0.95))
            out.append(Check(f"{tally.name}: failures within the deadline", tally.max_overrun <= 1))
        if key.startswith("execute"):
            out.append(Check(f"{tally.name}: 0 duplicate executions", tally.duplicates == 0))
            out.append(Check(f"{tally.name}: ambiguity reported", tally.misreported == 0))
        if key.startswith("csv"):
            out.append(
                Check(
                    f"{tally.name}: exact or typed",
                    tally.exact + sum(tally.typed.values()) == tally.runs,
                )
            )
            out.append(Check(f"{tally.name}: failures within the deadline", tally.max_overrun <= 1))
        if key.startswith("readdeadline"):
            out.append(Check(f"{tally.name}: overrun <= 1 s", tally.late == 0))
            out.append(Check(f"{tally.name}: all ExecutionTimeout", tally.exact == tally.runs))
        if key.startswith("deadline"):
            out.append(Check(f"{tally.name}: overrun <= 1 s", tally.late == 0))
            out.append(
                Check(f"{tally.name}: all ExecutionTimeout, cancelled", tally.exact == tally.runs)
            )
        if key == "concurrent":
            out.append(Check(f"{tally.name}: within 2x one wait", tally.max_overrun <= 2.0))
        if key == "mcp":
            out.append(Check(f"{tally.name}: every payload refused", tally.exact == tally.runs))
        if key == "overspend":
            out.append(Check(f"{tally.name}: 0 overspend", tally.overspend == 0))
            out.append(Check(f"{tally.name}: every try stopped at 30", tally.exact == tally.runs))
        if key == "ratelimit":
            out.append(Check(f"{tally.name}: <= 20% got 429", tally.max_overrun <= 0.2))
        if key.startswith("uploads"):
            out.append(Check(f"{tally.name}: every table exact", tally.exact == tally.runs))
            out.append(Check(f"{tally.name}: 0 duplicate rows", tally.duplicates == 0))
        if key in ("sweep", "sweep-running"):
            # a killed run still going at the resume is not listed until it ends (Dune lists
            # no running execution): the resume keeps looking for it, within a bound
            out.append(Check(f"{tally.name}: 0 duplicate executions", tally.duplicates == 0))
            out.append(Check(f"{tally.name}: every sweep exact", tally.exact == tally.runs))
        if key.startswith("cache"):
            out.append(
                Check(f"{tally.name}: exact, one CacheWarning a fault", tally.exact == tally.runs)
            )
    return out


def run_sweep_kills(
    handle: EmulatorHandle, runs: int, seed: int, log: Callable[[str], None], kills: int = 8
) -> dict[str, Tally]:
    """The two sweep kill -9 rows: runs of 0.1 s and of 3 s (a killed run still going)."""
    tallies: dict[str, Tally] = {}
    sweeps = max(runs // 20, 1)
    for key, seconds in (("sweep", 0.1), ("sweep-running", 3.0)):
        log(f"running sweep kills, runs of {seconds:g} s")
        tallies[key] = sweep_kills(
            handle, sweeps=sweeps, kills=kills, items=8, executing_seconds=seconds, seed=seed
        )
    return tallies


def run_all(
    handle: EmulatorHandle, runs: int, seed: int, log: Callable[[str], None], kills: int = 8
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    modes: tuple[Mode, ...] = ("sync", "async")
    for m in modes:
        mode = str(m)
        for rate in (0.2, 0.5):
            key = f"reads{int(rate * 100)}-{mode}"
            log(f"running {key}")
            tallies[key] = reads_under_faults(handle, rate=rate, runs=runs, mode=m, seed=seed)
        log(f"running execute faults ({mode})")
        tallies[f"execute-{mode}"] = executes_under_faults(
            handle, rate=0.5, runs=max(runs // 2, 10), mode=m, seed=seed
        )
        log(f"running deadlines ({mode})")
        tallies[f"deadline-{mode}"] = deadline_overruns(handle, mode=m)
        for rate in (0.2, 0.5):
            key = f"csv{int(rate * 100)}-{mode}"
            log(f"running {key}")
            tallies[key] = csv_reads_under_faults(handle, rate=rate, runs=runs, mode=m, seed=seed)
        log(f"running read deadlines ({mode})")
        tallies[f"readdeadline-{mode}"] = read_deadline_overruns(handle, mode=m)
        log(f"running upload faults ({mode})")
        tallies[f"uploads-{mode}"] = upload_faults(
            handle, rate=0.3, runs=max(runs // 2, 5), mode=m, seed=seed
        )
        log(f"running cache faults ({mode})")
        tallies[f"cache-{mode}"] = cache_faults(handle, runs=max(runs // 20, 2), mode=m)
    log("running MCP read-only payloads")
    tallies["mcp"] = mcp_payloads(handle)
    log("running budget overspend")
    tallies["overspend"] = budget_overspend(handle, tries=max(runs * 5, 40))
    tallies.update(run_sweep_kills(handle, runs, seed, log, kills))
    log("running concurrent waits")
    tallies["concurrent"] = concurrent_waits(handle)
    log("running rate limit (about a minute)")
    tallies["ratelimit"] = rate_limited(handle)
    return tallies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs per read scenario")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="10 runs per scenario")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument(
        "--only",
        choices=["sweep-kills"],
        help="run one scenario group (sweep-kills: the two sweep kill -9 rows)",
    )
    parser.add_argument(
        "--kills", type=int, default=8, help="SIGKILLs per sweep in the sweep kill -9 rows"
    )
    args = parser.parse_args(argv)
    runs = 10 if args.quick else args.runs
    logging.getLogger("duneq").addHandler(logging.NullHandler())  # CacheWarnings are counted

    def log(message: str) -> None:
        print(f"# {message}", flush=True)

    with run_emulator(EmulatorConfig(api_keys=(API_KEY,))) as handle:
        if args.only == "sweep-kills":
            tallies = run_sweep_kills(handle, runs, args.seed, log, args.kills)
        else:
            tallies = run_all(handle, runs, args.seed, log, args.kills)
    print("\n".join(table(list(tallies.values()))))
    print(
        "(exact: runs whose outcome was exactly right (rows, table, refusal, budget); overspend:"
        " tries past max_credits; overruns: runs that ended > 1 s past their deadline;"
        " concurrent: ratio to one wait; rate limit: share of 429s)"
    )
    if args.markdown:
        print("\n".join(markdown(list(tallies.values()))))
    results = checks(tallies)
    for check in results:
        print(f"{'ok    ' if check.ok else 'MISSED'} {check.what}")
    for tally in tallies.values():
        for line in tally.untyped[:5]:
            print(f"untyped in {tally.name}: {line}")
    return 0 if all(c.ok for c in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
