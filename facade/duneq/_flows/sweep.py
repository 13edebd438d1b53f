"""A parameter sweep as one flow: several executions in flight at once (never more than the
limit allows), polled round by round under the request budget, each result read in full as
it completes, and the state saved after every change. Sync and async run the same flow."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from .. import _constants as C
from .._errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequest,
    BudgetExceeded,
    DuneError,
    ExecutionTimeout,
    NotFound,
    PaymentRequired,
    PermissionDenied,
    RateLimited,
    SweepWarning,
)
from .._options import ResultOptions
from .._policy.polling import poll_interval
from .._policy.retry import backoff_delay
from .._protocol import Notice, Request, Sleep
from .._states import SUCCESS_STATES, TERMINAL_STATES
from .._sweeps.state import ProgressHook, SweepItem, SweepProgress, SweepState
from .._types import Row
from .._wire.adapter import latest_results_request, status_from_wire
from .._wire.models import ExecutionStatus
from .budget import InflightLimit
from .context import Flow, FlowContext
from .latest import server_time
from .pages import after, fetch_page, open_result
from .send import parse_json, send
from .wait import WaitArgs, cancel_quietly, execute, get_status, raise_for_terminal


class ResultStore(Protocol):
    """Where a sweep keeps finished items' results across processes (the local cache)."""

    def recall(self, execution_id: str) -> tuple[list[Row], list[str], list[str]] | None: ...

    def remember(
        self, status: ExecutionStatus, rows: list[Row], columns: list[str], types: list[str]
    ) -> None: ...


def _progress(ctx: FlowContext, items: list[SweepItem], before: float) -> SweepProgress:
    count = {"done": 0, "running": 0, "queued": 0, "failed": 0}
    for item in items:
        count[item.outcome] += 1
    reruns = sum(item.rerun for item in items)
    return SweepProgress(**count, credits=ctx.ledger.credits - before, reruns=reruns)


#: Clocks agree within this (a Date header has whole seconds): an execution submitted this
#: long before the "submitting" record still counts as the one that record sent.
_SUBMIT_TOLERANCE = timedelta(seconds=2)


def _recorded_at(item: SweepItem) -> datetime | None:
    """When the item's "submitting" record was written (aware, UTC), or None if unreadable."""
    try:
        since = datetime.fromisoformat(item.submitting_at or "")
    except ValueError:
        return None
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)


def run_seconds(status: ExecutionStatus) -> float | None:
    """How long a run took from its submission to its end (server times), if both are known."""
    if status.submitted_at is None or status.execution_ended_at is None:
        return None
    return max((status.execution_ended_at - status.submitted_at).total_seconds(), 0.0)


def adopt_bound(seen: list[float]) -> float:
    """How long after its "submitting" record a killed process's run may still be going (and
    so not yet listed by the latest result): twice the longest run seen, within a floor and
    Dune's execution timeout (``C.SWEEP_ADOPT_*``)."""
    longest = max(seen, default=0.0)
    return min(max(C.SWEEP_ADOPT_MARGIN * longest, C.SWEEP_ADOPT_FLOOR), C.SWEEP_ADOPT_CAP)


def adopt_started(
    ctx: FlowContext,
    query_id: int,
    item: SweepItem,
    options: ResultOptions,
    claimed: set[str],
    local: datetime | None = None,
) -> Flow[tuple[str | None, float | None]]:
    """The execution a killed process's execute started for ``item``, if the server shows
    one: the query's latest run with the item's parameters, submitted after the item's
    "submitting" record and not another item's (None when there is none to see); and how long
    the latest run shown took (evidence of how long the item's runs take). ``local``: the
    client's wall time now (an injected clock's)."""
    since = _recorded_at(item)
    if since is None:
        return None, None
    req = latest_results_request(query_id, options, item.encoded, C.LATEST_PROBE_LIMIT)
    local = local or datetime.now(UTC)
    try:
        resp = yield from send(ctx, req)
        probe = status_from_wire(parse_json(req, resp))
    except BudgetExceeded:
        raise
    except (DuneError, KeyError, TypeError, ValueError):
        return None, None  # no finished run (404) or none readable yet
    server = server_time(resp.headers)
    skew = server - local if server is not None else timedelta(0)
    if abs(skew) <= _SUBMIT_TOLERANCE:
        skew = timedelta(0)
    submitted, took = probe.submitted_at, run_seconds(probe)
    if submitted is None or probe.execution_id in claimed:
        return None, took
    if submitted < since + skew - _SUBMIT_TOLERANCE:
        return None, took  # an older run: the record's run has not ended (or never started)
    return probe.execution_id, took


def _recorded(item: SweepItem) -> bool:
    """Sort key: items still carrying a killed process's "submitting" record go last."""
    return item.submitting_at is not None


def read_all(ctx: FlowContext, status: ExecutionStatus, options: ResultOptions) -> Flow[Any]:
    """Open a completed execution's result and read every page: (rows, names, types)."""
    opened = yield from open_result(ctx, status, options)
    page = opened.first
    if page is None:
        page = yield from fetch_page(
            ctx, status.execution_id, options, options.offset, known=status.result_metadata
        )
    rows: list[Row] = list(page.rows or [])
    columns = list(page.metadata.column_names)
    types = list(page.metadata.column_types)
    offset = after(page, options)
    while offset is not None:
        page = yield from fetch_page(ctx, status.execution_id, options, offset, known=page.metadata)
        rows.extend(page.rows or [])
        offset = after(page, options)
    return rows, columns, types


def same_for_every_item(error: APIError) -> bool:
    """An execute error the item's values cannot cause: the key (401, 403), the plan (402),
    the query (404) or the parameter names (a 400 on unknown parameters)."""
    if isinstance(error, AuthenticationError | PaymentRequired | PermissionDenied | NotFound):
        return True
    if isinstance(error, BadRequest) and isinstance(error, APIStatusError):
        text = (error.api_message or error.message).lower()
        return "unknown parameter" in text
    return False


def sweep(
    ctx: FlowContext,
    items: list[SweepItem],
    request: Callable[[Mapping[str, Any]], Request],
    *,
    limit: InflightLimit,
    how: WaitArgs,
    options: ResultOptions,
    state: SweepState,
    on_progress: ProgressHook | None,
    store: ResultStore | None = None,
    keep_going: bool = False,
    credits_before: float = 0.0,
    on_done: Callable[[SweepItem], None] | None = None,
) -> Flow[tuple[SweepItem, APIError] | None]:
    """Run every queued item, wait on running ones (from an earlier process too), fetch the
    results of finished ones; an item's error is recorded on it, the others go on. A budget
    refusal or an interrupt stops the sweep (the state file keeps what was started); so does,
    unless ``keep_going``, an execute error that every item would get (returned, with its
    item, once the runs in flight have ended). ``on_done`` gets each item whose rows are in
    hand (to write it out as it finishes); items already ``stored`` are neither run nor read."""
    stopped: tuple[SweepItem, APIError] | None = None

    def changed() -> None:
        state.save(items)
        if on_progress is not None:
            on_progress(_progress(ctx, items, credits_before))

    def fail(item: SweepItem, error: DuneError) -> None:
        item.outcome, item.error = "failed", error

    def finish(item: SweepItem, status: ExecutionStatus) -> Flow[None]:
        try:
            read = yield from read_all(ctx, status, options)
            item.rows, item.columns, item.types = read
            item.outcome = "done"
            item.run_seconds = run_seconds(status)
            if store is not None:
                store.remember(status, *read)
            limit.succeeded()
        except BudgetExceeded:
            raise
        except DuneError as exc:
            fail(item, exc)
            return
        if on_done is not None:  # a write that fails stops the sweep (resumable)
            on_done(item)

    claimed = {i.execution_id for i in items if i.execution_id}
    running: dict[str, SweepItem] = {}
    probed: list[float] = []  # run times of the latest runs adoption lookups saw
    start_wall, start_clock = datetime.now(UTC), ctx.clock()

    def wall() -> datetime:
        """Wall time moved on by the client's clock (so an injected clock moves it too)."""
        return start_wall + timedelta(seconds=ctx.clock() - start_clock)

    def adopted(item: SweepItem, eid: str | None) -> bool:
        if eid is None:
            return False
        item.execution_id, item.outcome, item.submitting_at = eid, "running", None
        item.started = ctx.clock()
        claimed.add(eid)
        running[eid] = item
        return True

    def look_up(item: SweepItem) -> Flow[bool]:
        eid, took = yield from adopt_started(ctx, state.query_id, item, options, claimed, wall())
        if took is not None:
            probed.append(took)
        return adopted(item, eid)

    def look_for_killed_runs(waiting: list[SweepItem]) -> Flow[None]:
        """Poll the latest result of each item a killed process was submitting (at the
        sweep's poll cadence) until its run shows (adopted) or ``adopt_bound`` has passed
        since its record: then nothing was started or it never shows, and the item is run
        again with a SweepWarning (it may be billed twice)."""
        while waiting:
            left: list[float] = []
            bound = adopt_bound(
                [i.run_seconds for i in items if i.run_seconds is not None] + probed
            )
            for item in list(waiting):
                if (yield from look_up(item)):
                    queue.remove(item)
                    waiting.remove(item)
                    continue
                since = _recorded_at(item)
                age = (wall() - since).total_seconds() if since is not None else bound
                if age < bound:
                    left.append(bound - age)
                    continue
                waiting.remove(item)
                where = ", ".join(f"{k}={v}" for k, v in item.params.items()) or "no parameters"
                yield Notice(
                    SweepWarning(
                        f"sweep item {item.index} ({where}) is run again: a process stopped "
                        f"while sending its execute at {item.submitting_at} and no run of it "
                        f"showed within {bound:.0f} s, so it may be billed twice",
                        params=item.params,
                    )
                )
                item.submitting_at, item.rerun = None, True
            if left:
                waited = bound - max(left)  # the youngest record's age
                pause = poll_interval(max(waited, 0.0), None, None, ctx.poll, ctx.rand)
                yield Sleep(max(min(pause, min(left)), 0.05))

    for item in items:  # caught while submitting by a crash: adopt what the server started
        if item.outcome == "queued" and item.submitting_at is not None:
            yield from look_up(item)
            # else its record stays: a run still going is not listed until it ends, so the
            # item waits for the sweep's other runs and is looked up until a bound passes
    running.update({i.execution_id: i for i in items if i.outcome == "running" and i.execution_id})
    for item in items:  # finished earlier, results still to fetch: never run again
        if item.outcome == "done" and item.rows is None and item.execution_id and not item.stored:
            kept = store.recall(item.execution_id) if store is not None else None
            if kept is not None:  # the local cache has it: no request, nothing billed
                item.rows, item.columns, item.types = kept
                if on_done is not None:
                    on_done(item)
                continue
            try:
                status = yield from get_status(ctx, item.execution_id)
                raise_for_terminal(status)
            except DuneError as exc:
                fail(item, exc)
                continue
            yield from finish(item, status)
    # the items whose record found no run go last (stable order otherwise)
    queue = sorted((i for i in items if i.outcome == "queued"), key=_recorded)
    changed()
    reached = False
    throttles = 0
    for item in running.values():
        item.started = ctx.clock()
    while queue or running:
        # -- submit up to the limit (the plan's, or the caller's)
        while queue and len(running) < limit.allowed() and not (reached and running):
            item = queue[0]
            if item.submitting_at is not None:  # a killed process's record, not yet adopted
                if running:
                    break  # once the other runs have ended (its own may have by then)
                yield from look_for_killed_runs([i for i in queue if i.submitting_at is not None])
                changed()
                continue
            # on disk before the request leaves, so that a crash meanwhile is adopted on resume
            item.submitting_at = wall().isoformat()
            state.save(items)
            try:
                started = yield from execute(ctx, request(item.encoded))
            except RateLimited as exc:
                item.submitting_at = None  # a 429 started nothing
                limit.throttled(len(running))
                throttles += 1
                if not running:
                    yield Sleep(backoff_delay(throttles, exc.retry_after, ctx.retry, ctx.rand))
                break
            except BudgetExceeded:
                item.submitting_at = None  # refused before sending
                state.save(items)
                raise
            except APIError as exc:
                queue.pop(0)
                item.submitting_at = None
                fail(item, exc)
                if not keep_going and same_for_every_item(exc):
                    stopped = (item, exc)
                    queue.clear()  # the rest stay queued, in the state file too
                changed()
                continue
            queue.pop(0)
            item.submitting_at = None
            throttles = 0
            item.execution_id, item.outcome = started.execution_id, "running"
            item.started = ctx.clock()
            running[started.execution_id] = item
            claimed.add(started.execution_id)
            changed()
        if not running:
            continue
        # -- one poll round over the runs in flight
        youngest = min(ctx.clock() - i.started for i in running.values())
        yield Sleep(poll_interval(max(youngest, 0.0), None, None, ctx.poll, ctx.rand))
        reached = False
        for eid, item in list(running.items()):
            try:  # each status read takes its slot of the client's adaptive rate limiter
                status = yield from get_status(ctx, eid)
            except BudgetExceeded:
                raise
            except DuneError as exc:
                del running[eid]
                fail(item, exc)
                changed()
                continue
            limit.learn(status.max_inflight_interactive_executions)
            reached = reached or bool(status.max_inflight_interactive_reached)
            if status.state in TERMINAL_STATES:
                del running[eid]
                if status.state in SUCCESS_STATES:
                    yield from finish(item, status)
                else:
                    try:
                        raise_for_terminal(status)
                    except DuneError as exc:
                        fail(item, exc)
                changed()
            elif how.timeout is not None and ctx.clock() - item.started > how.timeout:
                del running[eid]
                cancelled = False
                if how.cancel_on_timeout:
                    cancelled = yield from cancel_quietly(ctx, eid)
                fail(
                    item,
                    ExecutionTimeout(
                        eid,
                        state=str(status.state),
                        elapsed=ctx.clock() - item.started,
                        timeout=how.timeout,
                        cancelled=cancelled,
                    ),
                )
                changed()
    return stopped
