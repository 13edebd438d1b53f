"""Executions: a clock-driven state machine (PENDING → EXECUTING → terminal) with a concurrency
cap, pinned durations and cancel. DuckDB runs in worker threads; the state a client sees is
computed from the emulator clock, so a pinned 60 s execution costs no CPU and no sleeping."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import duckdb
from ulid import ULID

from . import dialect, trino_errors, trino_sql
from .clock import EmulatorClock, round_to_micros
from .config import RuntimeSettings
from .dune_types import quote_ident
from .result_store import RESULT_SCHEMA, StoredResult, describe

log = logging.getLogger(__name__)


class State(StrEnum):
    """Execution states with their wire names (a StrEnum, so they compare equal to text)."""

    PENDING = "QUERY_STATE_PENDING"
    EXECUTING = "QUERY_STATE_EXECUTING"
    COMPLETED = "QUERY_STATE_COMPLETED"
    COMPLETED_PARTIAL = "QUERY_STATE_COMPLETED_PARTIAL"
    FAILED = "QUERY_STATE_FAILED"
    CANCELLED = "QUERY_STATE_CANCELLED"
    EXPIRED = "QUERY_STATE_EXPIRED"


PENDING = State.PENDING
EXECUTING = State.EXECUTING
COMPLETED = State.COMPLETED
COMPLETED_PARTIAL = State.COMPLETED_PARTIAL
FAILED = State.FAILED
CANCELLED = State.CANCELLED
EXPIRED = State.EXPIRED
#: How often (real seconds) the ticker moves queues along the engine clock.
TICK_SECONDS = 0.02
TERMINAL = frozenset({COMPLETED, COMPLETED_PARTIAL, FAILED, CANCELLED, EXPIRED})
WITH_RESULT = frozenset({COMPLETED, COMPLETED_PARTIAL})
CREDITS = {"medium": 10, "large": 20}
FAILED_TYPE = "FAILED_TYPE_EXECUTION_FAILED"


@dataclass(frozen=True)
class Pin:
    """Durations (and an optional forced failure) for one upcoming execution."""

    pending_seconds: float
    executing_seconds: float
    fail: str | None


@dataclass
class Work:
    """The DuckDB side of an execution, filled in by a worker thread."""

    cursor: duckdb.DuckDBPyConnection | None = None
    cancelled: bool = False
    done: bool = False
    done_clock_ns: int = 0
    duration_ns: int = 0
    result: StoredResult | None = None
    partial: bool = False
    error: dict[str, Any] | None = None


@dataclass
class Execution:
    """One execution and everything needed to describe it at any emulator time."""

    execution_id: str
    query_id: int
    sql: str
    parameters: dict[str, str]
    performance: str
    submitted_ns: int
    pending_ns: int
    executing_ns: int
    pinned: bool
    fail_message: str | None = None
    slot_ns: int | None = None
    final_state: str | None = None
    ended_ns: int | None = None
    cancelled_ns: int | None = None
    expires_ns: int | None = None
    result: StoredResult | None = None
    error: dict[str, Any] | None = None
    work: Work = field(default_factory=Work)

    @property
    def started_ns(self) -> int | None:
        return None if self.slot_ns is None else self.slot_ns + self.pending_ns

    def to_record(self) -> dict[str, Any]:
        """A JSON-able record of a finished execution, for the data dir."""
        rec: dict[str, Any] = {
            k: getattr(self, k)
            for k in (
                "execution_id",
                "query_id",
                "sql",
                "parameters",
                "performance",
                "submitted_ns",
                "pending_ns",
                "executing_ns",
                "pinned",
                "slot_ns",
                "final_state",
                "ended_ns",
                "cancelled_ns",
                "expires_ns",
                "error",
            )
        }
        if self.result is not None:
            r = self.result
            rec["result"] = {
                "table": r.table,
                "column_names": r.column_names,
                "duckdb_types": r.duckdb_types,
                "row_count": r.row_count,
            }
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Execution:
        res = rec.pop("result", None)
        ex = cls(**rec)
        if res is not None:
            ex.result = StoredResult(**res)
        ex.work.done = True
        return ex


class ExecutionEngine:
    """Owns all executions; every public method takes the lock and first catches up with the
    clock (finishing executions whose time has come and handing their slots to queued ones)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        clock: EmulatorClock,
        settings: RuntimeSettings,
        worker_threads: int = 8,
        on_finish: Any = None,
    ) -> None:
        self._con = con
        self._clock = clock
        self._settings = settings
        self._lock = threading.RLock()
        self._work_done = threading.Condition(self._lock)
        self._pool = ThreadPoolExecutor(worker_threads, thread_name_prefix="dune-emulator-sql")
        self._pins: deque[Pin] = deque()
        self._on_finish = on_finish
        self.executions: dict[str, Execution] = {}
        #: Called (lock held) with each execution as it reaches its end state.
        self.finalize_hooks: list[Callable[[Execution], None]] = []
        #: query_id -> message: every execution of that query fails (test control).
        self.failing_queries: dict[int, str] = {}
        self._queue: list[Execution] = []
        self._active: list[Execution] = []
        self.started_count = 0
        #: The most executions ever pending or running at once (queued ones count too).
        self.peak_inflight = 0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        cur = con.cursor()
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULT_SCHEMA}")
        cur.close()

    @property
    def lock(self) -> threading.RLock:
        """The engine lock, for callers that must act atomically with the state machine."""
        return self._lock

    def now_ns(self) -> int:
        return self._clock.now_ns()

    # -- submitting -------------------------------------------------------------------------
    def pin(
        self, count: int, pending_seconds: float, executing_seconds: float, fail: str | None
    ) -> None:
        with self._lock:
            self._pins.extend(Pin(pending_seconds, executing_seconds, fail) for _ in range(count))

    def submit(
        self, query_id: int, sql: str, parameters: dict[str, str], performance: str
    ) -> Execution:
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)
            ex = self.enqueue(query_id, sql, parameters, performance, now)
            self._fill(now)
            self.peak_inflight = max(self.peak_inflight, len(self._queue) + len(self._active))
            return ex

    def enqueue(
        self, query_id: int, sql: str, parameters: dict[str, str], performance: str, at_ns: int
    ) -> Execution:
        """Queue an execution submitted at `at_ns` without advancing; used by finalize hooks,
        whose running `_advance` gives it a slot."""
        with self._lock:
            pin = self._pins.popleft() if self._pins else None
            s = self._settings
            ex = Execution(
                execution_id=str(ULID()),
                query_id=query_id,
                sql=sql,
                parameters=dict(parameters),
                performance=performance,
                submitted_ns=at_ns,
                pending_ns=int((pin.pending_seconds if pin else s.default_pending_seconds) * 1e9),
                executing_ns=int(
                    (pin.executing_seconds if pin else s.default_executing_seconds) * 1e9
                ),
                pinned=pin is not None,
                fail_message=self.failing_queries.get(query_id, pin.fail if pin else None),
            )
            self.executions[ex.execution_id] = ex
            self.started_count += 1
            self._queue.append(ex)
            return ex

    # -- the clock --------------------------------------------------------------------------
    def catch_up(self) -> None:
        """Finish executions whose time has come and give freed slots to queued ones."""
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait (real time, at most `timeout` s) until no started execution's SQL is still
        running, so a clock jump lands after the work; False if some is still running."""
        deadline = time.monotonic() + timeout
        with self._work_done:
            while any(not ex.work.done for ex in self._active if ex.slot_ns is not None):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._work_done.wait(min(left, 0.05))
        return True

    def start_ticker(self, interval: float = TICK_SECONDS) -> None:
        """Catch up every `interval` real seconds in a daemon thread, so queues advance on
        the engine clock (also after `advance_clock`) without waiting for a request."""
        if self._ticker is not None:
            return

        def tick() -> None:
            while not self._stop.wait(interval):
                try:
                    self.catch_up()
                except Exception:  # the ticker must outlive any one bad step
                    log.exception("engine tick failed")

        self._ticker = threading.Thread(target=tick, name="dune-emulator-ticker", daemon=True)
        self._ticker.start()

    # -- reading ----------------------------------------------------------------------------
    def get(self, execution_id: str) -> Execution | None:
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)
            ex = self.executions.get(execution_id)
            if ex is not None:
                self._check_expiry(ex, now)
            return ex

    def latest_for_query(
        self, query_id: int, parameters: dict[str, str] | None
    ) -> Execution | None:
        """The most recent execution of a saved query that holds a result (or has expired):
        with exactly these parameter values, or with any values when `parameters` is None."""
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)
            best: Execution | None = None
            for ex in self.executions.values():
                if ex.query_id != query_id:
                    continue
                if parameters is not None and ex.parameters != parameters:
                    continue
                self._check_expiry(ex, now)
                if ex.final_state not in (COMPLETED, COMPLETED_PARTIAL, EXPIRED):
                    continue
                if best is None or (ex.ended_ns or 0, ex.submitted_ns) > (
                    best.ended_ns or 0,
                    best.submitted_ns,
                ):
                    best = ex
            return best

    def state_of(self, ex: Execution, now: int) -> str:
        if ex.final_state is not None:
            return ex.final_state
        if ex.slot_ns is None or (ex.started_ns or 0) > now:
            return PENDING
        return EXECUTING

    def queue_position(self, ex: Execution) -> int | None:
        with self._lock:
            try:
                return self._queue.index(ex) + 1
            except ValueError:
                return None

    def inflight(self) -> tuple[int, int]:
        """(cap, 1 if the cap is currently reached else 0)."""
        with self._lock:
            cap = self._settings.max_concurrent_executions
            return cap, int(len(self._active) >= cap)

    def observe(self, ex: Execution) -> str:
        """Catch up with the clock (expiring `ex` if due) and return its state now; hold
        `lock` around this and the reads that follow for a consistent view."""
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)
            self._check_expiry(ex, now)
            return self.state_of(ex, now)

    # -- cancel -----------------------------------------------------------------------------
    def cancel(self, execution_id: str) -> tuple[bool, str]:
        """Cancel if PENDING/EXECUTING. Returns (cancelled, state after the call)."""
        with self._lock:
            now = self._clock.now_ns()
            self._advance(now)
            ex = self.executions[execution_id]
            self._check_expiry(ex, now)
            state = self.state_of(ex, now)
            if state in TERMINAL:
                return False, state
            ex.final_state = CANCELLED
            ex.cancelled_ns = now
            if state == EXECUTING:
                ex.ended_ns = now
            if ex in self._queue:
                self._queue.remove(ex)
            if ex in self._active:
                self._active.remove(ex)
            _interrupt(ex.work)
            self._fill(now)
            self._notify()
            return True, CANCELLED

    # -- lifecycle --------------------------------------------------------------------------
    def clear(self) -> None:
        """Cancel and forget every execution and pin; drop stored results."""
        with self._lock:
            for ex in list(self.executions.values()):
                _interrupt(ex.work)
                self._drop_result(ex)
            self.executions.clear()
            self._queue.clear()
            self._active.clear()
            self._pins.clear()
            self.failing_queries.clear()
            self.started_count = 0
            self.peak_inflight = 0

    def restore(self, records: list[dict[str, Any]]) -> None:
        with self._lock:
            for rec in records:
                ex = Execution.from_record(dict(rec))
                self.executions[ex.execution_id] = ex

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [ex.to_record() for ex in self.executions.values() if ex.final_state in TERMINAL]

    def shutdown(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        with self._lock:
            for ex in self.executions.values():
                _interrupt(ex.work)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no DuckDB work is running (used by tests and the bench, not the server)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = any(
                    ex.slot_ns is not None and not ex.work.done for ex in self.executions.values()
                )
            if not busy:
                return
            time.sleep(0.01)

    # -- internals (lock held) --------------------------------------------------------------
    def _fill(self, at_ns: int) -> None:
        cap = self._settings.max_concurrent_executions
        while self._queue and len(self._active) < cap:
            ex = self._queue.pop(0)
            ex.slot_ns = max(ex.submitted_ns, at_ns)
            self._active.append(ex)
            self._pool.submit(self._run, ex)

    def _end_ns(self, ex: Execution) -> int | None:
        if not ex.work.done or ex.started_ns is None:
            return None
        # Measured from the start on the engine clock, so a clock jump cannot stretch a run.
        if ex.pinned:
            return ex.started_ns + max(ex.executing_ns, ex.work.duration_ns)
        return ex.started_ns + ex.executing_ns + ex.work.duration_ns

    def _advance(self, now: int) -> None:
        while True:
            due = [
                (end, ex)
                for ex in self._active
                if (end := self._end_ns(ex)) is not None and end <= now
            ]
            if not due:
                break
            end, ex = min(due, key=lambda pair: pair[0])
            self._finalize(ex, end)
            self._active.remove(ex)
            self._fill(end)
        self._fill(now)

    def _finalize(self, ex: Execution, end: int) -> None:
        w = ex.work
        ex.ended_ns = end
        ex.expires_ns = round_to_micros(end) + int(self._settings.result_ttl_seconds * 1e9)
        if w.error is not None:
            ex.final_state = FAILED
            ex.error = w.error
        else:
            ex.final_state = COMPLETED_PARTIAL if w.partial else COMPLETED
            ex.result = w.result
        for hook in self.finalize_hooks:
            try:
                hook(ex)
            except Exception:  # a hook must never break the state machine
                log.exception("finalize hook failed for %s", ex.execution_id)
        self._notify()

    def _check_expiry(self, ex: Execution, now: int) -> None:
        if (
            ex.final_state in (COMPLETED, COMPLETED_PARTIAL, FAILED)
            and ex.expires_ns is not None
            and now >= ex.expires_ns
        ):
            ex.final_state = EXPIRED
            ex.error = None
            self._drop_result(ex)
            self._notify()

    def _drop_result(self, ex: Execution) -> None:
        res, ex.result = ex.result, None
        if res is None:
            return
        cur = self._con.cursor()
        try:
            cur.execute(f"DROP TABLE IF EXISTS {res.qualified}")
        except duckdb.Error:
            log.debug("could not drop result table %s", res.table)
        finally:
            cur.close()

    def _notify(self) -> None:
        if self._on_finish is not None:
            self._on_finish()

    # -- worker thread ----------------------------------------------------------------------
    def _run(self, ex: Execution) -> None:
        w = ex.work
        t0 = time.perf_counter_ns()
        cur = self._con.cursor()
        w.cursor = cur
        try:
            if w.cancelled:
                return
            if ex.fail_message is not None:
                w.error = {"type": FAILED_TYPE, "message": ex.fail_message}
            else:
                self._execute_sql(ex, cur)
        except Exception as exc:  # never let a worker die silently
            log.exception("execution %s crashed", ex.execution_id)
            w.error = {"type": FAILED_TYPE, "message": f"internal emulator error: {exc}"}
        finally:
            w.duration_ns = time.perf_counter_ns() - t0
            w.cursor = None
            with contextlib.suppress(duckdb.Error):
                cur.close()
            with self._lock:
                w.done_clock_ns = self._clock.now_ns()
                w.done = True
                self._work_done.notify_all()
                if w.cancelled and w.result is not None:
                    ex.result = w.result
                    w.result = None
                    self._drop_result(ex)

    def _execute_sql(self, ex: Execution, cur: duckdb.DuckDBPyConnection) -> None:
        w = ex.work
        table = "r_" + ex.execution_id.lower()
        qualified = f"{RESULT_SCHEMA}.{quote_ident(table)}"
        try:
            body = trino_sql.prepare(ex.sql, trino_sql.load_schema(cur))
        except trino_sql.TrinoError as exc:
            w.error = _refusal(exc, ex.execution_id)
            return
        statement = f"CREATE TABLE {qualified} AS\n{body}"
        try:
            cur.execute(statement)
            _narrow_hugeints(cur, qualified)
        except duckdb.InterruptException:
            return
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                cur.execute(f"DROP TABLE IF EXISTS {qualified}")
            w.error = _failure(str(exc), statement, ex.sql, ex.execution_id)
            return
        names, types, count = describe(self._con, qualified, ex.sql)
        cap = self._settings.result_row_cap
        if cap is not None and count > cap:
            tmp = f"{RESULT_SCHEMA}.{quote_ident(table + '_cut')}"
            cur.execute(f"CREATE TABLE {tmp} AS SELECT * FROM {qualified} LIMIT {int(cap)}")
            cur.execute(f"DROP TABLE {qualified}")
            cur.execute(f"ALTER TABLE {tmp} RENAME TO {quote_ident(table)}")
            count = cap
            w.partial = True
        result = StoredResult(table, names, types, count)
        if not w.cancelled:
            result.json_rows(self._con)
        w.result = result


def _interrupt(work: Work) -> None:
    """Mark the work cancelled and stop its SQL if it is running."""
    work.cancelled = True
    cur = work.cursor
    if cur is not None and not work.done:
        with contextlib.suppress(duckdb.Error):
            cur.interrupt()


def _narrow_hugeints(cur: duckdb.DuckDBPyConnection, qualified: str) -> None:
    """Trino's sum of integers is a bigint that fails past 2^63; DuckDB's is a HUGEINT, so a
    HUGEINT result column is narrowed to BIGINT (raising the overflow DuckDB would not)."""
    cur.execute(f"SELECT * FROM {qualified} LIMIT 0")
    wide = [d[0] for d in cur.description or [] if str(d[1]).upper() == "HUGEINT"]
    for name in wide:
        cur.execute(f"ALTER TABLE {qualified} ALTER {quote_ident(name)} TYPE BIGINT")


def _refusal(exc: trino_sql.TrinoError, execution_id: str) -> dict[str, Any]:
    """The error of a statement refused before it ran (Trino's wording and position)."""
    err: dict[str, Any] = {"type": FAILED_TYPE}
    if exc.line is not None and exc.column is not None:
        err["message"] = (
            f"line {exc.line}:{exc.column}: {exc.message} [Execution ID: {execution_id}]"
        )
        err["metadata"] = {"line": exc.line, "column": exc.column}
    else:
        err["message"] = f"{exc.message} [Execution ID: {execution_id}]"
    return err


def _failure(message: str, executed: str, original: str, execution_id: str) -> dict[str, Any]:
    pos = dialect.error_position(message, executed, original)
    text = trino_errors.translate(message)
    err: dict[str, Any] = {"type": FAILED_TYPE}
    if pos is not None:
        err["message"] = f"line {pos[0]}:{pos[1]}: {text} [Execution ID: {execution_id}]"
        err["metadata"] = {"line": pos[0], "column": pos[1]}
    else:
        err["message"] = f"{text} [Execution ID: {execution_id}]"
    return err
