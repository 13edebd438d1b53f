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
)
from .._options import ResultOptions
from .._policy.polling import poll_interval
from .._policy.retry import backoff_delay
from .._protocol import Request, Sleep
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
    return SweepProgress(**count, credits=ctx.ledger.credits - before)


#: Clocks agree within this (a Date header has whole seconds): an execution submitted this
#: long before the "submitting" record still counts as the one that record sent.
_SUBMIT_TOLERANCE = timedelta(seconds=2)


def adopt_started(
    ctx: FlowContext,
    query_id: int,
    item: SweepItem,
    options: ResultOptions,
    claimed: set[str],
) -> Flow[str | None]:
    """The execution a killed process's execute started for ``item``, if the server shows
    one: the query's latest run with the item's parameters, submitted after the item's
    "submitting" record and not another item's. None when there is none to see."""
    try:
        since = datetime.fromisoformat(item.submitting_at or "")
    except ValueError:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    req = latest_results_request(query_id, options, item.encoded, C.LATEST_PROBE_LIMIT)
    local = datetime.now(UTC)
    try:
        resp = yield from send(ctx, req)
        probe = status_from_wire(parse_json(req, resp))
    except BudgetExceeded:
        raise
    except (DuneError, KeyError, TypeError, ValueError):
        return None  # no latest run (404) or none readable: it is run again
    server = server_time(resp.headers)
    skew = server - local if server is not None else timedelta(0)
    if abs(skew) <= _SUBMIT_TOLERANCE:
        skew = timedelta(0)
    submitted = probe.submitted_at
    if submitted is None or probe.execution_id in claimed:
        return None
    if submitted < since + skew - _SUBMIT_TOLERANCE:
        return None  # an older run: the record's execute never reached the server
    return probe.execution_id


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

    def adopted(item: SweepItem, eid: str | None) -> bool:
        if eid is None:
            return False
        item.execution_id, item.outcome, item.submitting_at = eid, "running", None
        item.started = ctx.clock()
        claimed.add(eid)
        running[eid] = item
        return True

    for item in items:  # caught while submitting by a crash: adopt what the server started
        if item.outcome == "queued" and item.submitting_at is not None:
            adopted(item, (yield from adopt_started(ctx, state.query_id, item, options, claimed)))
            # else its record stays: a run still going is not listed until it ends, so the
            # item waits for the sweep's other runs and is looked up again before it is run
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
                for waiting in [i for i in queue if i.submitting_at is not None]:
                    eid = yield from adopt_started(ctx, state.query_id, waiting, options, claimed)
                    if adopted(waiting, eid):
                        queue.remove(waiting)
                    waiting.submitting_at = None
                changed()
                continue
            # on disk before the request leaves, so that a crash meanwhile is adopted on resume
            item.submitting_at = datetime.now(UTC).isoformat()
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
