"""Executions: start, status, cancel, and waiting for a terminal state on the adaptive poll
schedule, under the rate limiter and the deadline, with a remote cancel on the way out."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from .. import _constants as C
from .._answers import Cancellation, cancellation_from_wire
from .._errors import (
    APIConnectionError,
    APIError,
    APITimeout,
    DuneError,
    ExecutionCancelled,
    ExecutionExpired,
    ExecutionTimeout,
    InvalidArgument,
    QueryFailed,
    RateLimited,
    ResponseValidationError,
    ServerError,
    UnknownStateWarning,
)
from .._options import validate_execution_id
from .._policy.polling import poll_interval
from .._protocol import Notice, RawResponse, Request, Sleep
from .._states import SUCCESS_STATES, TERMINAL_STATES, ExecutionState, is_known
from .._wire.adapter import cancel_request, status_from_wire, status_request
from .._wire.models import ExecutionStatus, Progress
from .context import Flow, FlowContext
from .send import DeadlineReached, call, exchange, invalid, parse_json

log = logging.getLogger("duneq.wait")

S = TypeVar("S")
ProgressCallback = Callable[[Progress], object]


def interrupts() -> tuple[type[BaseException], ...]:
    """What a driver throws into a flow when the caller gives up (Ctrl-C, task cancellation).
    A task can only be cancelled once asyncio is loaded, so a sync client never imports it."""
    aio = sys.modules.get("asyncio")
    return (KeyboardInterrupt,) if aio is None else (KeyboardInterrupt, aio.CancelledError)


@dataclass(frozen=True)
class WaitArgs:
    """How to wait: the deadline (None: none), progress callback and cancel-on-timeout."""

    timeout: float | None
    on_progress: ProgressCallback | None
    cancel_on_timeout: bool
    first_delay: float = 0.0
    #: When the deadline's clock started (a run's execute counts); None: when the wait starts.
    since: float | None = None


def execute(ctx: FlowContext, req: Request, deadline: float | None = None) -> Flow[ExecutionStatus]:
    """POST an execute request; returns the new execution's id and state (an answer that does
    not say which execution started is ExecutionMayHaveStarted). With a ``deadline``, an
    execute that cannot be sent in time raises the last error seen (nothing started)."""
    try:
        return (yield from exchange(ctx, req, lambda resp: _started(req, resp), deadline))
    except DeadlineReached as exc:
        if exc.last is not None:
            raise exc.last from None
        raise APITimeout(
            "the execute could not be sent before the deadline (client rate limit); "
            "nothing was started",
            method=req.method,
            path=req.display_path,
        ) from None


def _started(req: Request, resp: RawResponse) -> ExecutionStatus:
    data = parse_json(req, resp)
    raw_id = data.get("execution_id")
    try:
        execution_id = validate_execution_id(raw_id)
    except InvalidArgument:
        raise invalid(
            req, resp, f"execute response has no valid execution_id: {raw_id!r}"
        ) from None
    state = data.get("state", ExecutionState.PENDING)
    return status_from_wire({"execution_id": execution_id, "state": state})


def get_status(
    ctx: FlowContext, execution_id: str, deadline: float | None = None
) -> Flow[ExecutionStatus]:
    """One status read; an ended run of this client's settles its cost in the ledger."""
    req = status_request(execution_id)
    return (
        yield from exchange(ctx, req, lambda resp: _status(ctx, req, resp, execution_id), deadline)
    )


def _status(
    ctx: FlowContext, req: Request, resp: RawResponse, execution_id: str
) -> ExecutionStatus:
    data = parse_json(req, resp)
    try:
        status = status_from_wire(data, execution_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise invalid(req, resp, f"status response is missing or has a bad {exc}") from None
    if status.state in TERMINAL_STATES:
        ctx.ledger.ended(status.execution_id, status.execution_cost_credits)
    return status


def cancel(
    ctx: FlowContext, execution_id: str, deadline: float | None = None, *, paced: bool = True
) -> Flow[Cancellation]:
    """Cancel an execution: the API's answer (true when it confirmed, with its message)."""
    data = yield from call(ctx, cancel_request(execution_id), deadline, paced=paced)
    return cancellation_from_wire(execution_id, data)


def cancel_quietly(
    ctx: FlowContext, execution_id: str, grace: float = C.CANCEL_GRACE
) -> Flow[bool]:
    """Cancel remotely within ``grace`` seconds, reporting failure as False instead of raising
    (used on timeout/abort, where the grace bounds how far the caller's deadline is overrun)."""
    try:
        return bool((yield from cancel(ctx, execution_id, ctx.clock() + grace, paced=False)))
    except (DuneError, DeadlineReached) as exc:
        log.warning("could not cancel execution %s: %s", execution_id, type(exc).__name__)
        return False


def interrupt_grace(ctx: FlowContext, deadline: float | None) -> float:
    """How long the cancel after an interrupt may take: ``INTERRUPT_CANCEL_GRACE``, but never
    past the wait's deadline by more than ``CANCEL_GRACE`` (a timeout bounds the interrupt too)."""
    if deadline is None:
        return C.INTERRUPT_CANCEL_GRACE
    return min(C.INTERRUPT_CANCEL_GRACE, max(deadline - ctx.clock(), 0.0) + C.CANCEL_GRACE)


def raise_for_terminal(status: ExecutionStatus) -> None:
    """Raise the error for FAILED / CANCELLED / EXPIRED; return for the completed states."""
    state = status.state
    if state in SUCCESS_STATES:
        return
    eid = status.execution_id
    if state == ExecutionState.FAILED:
        err = status.error
        raise QueryFailed(
            eid,
            error_type=err.type if err else None,
            message=(err.message if err and err.message else "the query failed"),
            line=err.line if err else None,
            column=err.column if err else None,
        )
    if state == ExecutionState.CANCELLED:
        raise ExecutionCancelled(f"execution {eid} was cancelled", execution_id=eid)
    if state == ExecutionState.EXPIRED:
        raise ExecutionExpired(
            f"execution {eid} has expired; its result is gone, run the query again",
            execution_id=eid,
        )


def poll(
    ctx: FlowContext,
    fetch: Callable[[float | None], Flow[S]],
    *,
    timeout: float | None,
    check: Callable[[S, float, int], Flow[bool]],
    hints: Callable[[S], tuple[ExecutionState | str | None, int | None]],
    expire: Callable[[S | None, float], Flow[NoReturn]],
    first_delay: float = 0.0,
    since: float | None = None,
) -> Flow[S]:
    """Fetch a status (``fetch(deadline)``) until ``check(status, elapsed, polls)`` says done
    (or raises), on the adaptive schedule; ``expire`` raises at the deadline, and so every way
    out past the deadline (a stalled call, a long Retry-After, a last failure) ends there.
    ``first_delay`` skips a first poll that would only see a just-submitted run pending;
    ``since`` is when the deadline's clock started (default: now)."""
    start = ctx.clock() if since is None else since
    deadline = None if timeout is None else start + timeout
    polls = 0
    last: S | None = None
    if first_delay > 0:
        left = None if deadline is None else max(deadline - ctx.clock(), 0.0)
        yield Sleep(first_delay if left is None else min(first_delay, left))
    while True:
        try:
            status = yield from fetch(deadline)
        except DeadlineReached:
            yield from expire(last, ctx.clock() - start)
        except APIError as exc:
            if deadline is not None and ctx.clock() >= deadline:
                yield from expire(last, ctx.clock() - start)
            if deadline is None or not is_transient(exc):
                raise
            # A poll whose retries are spent is not the end of a wait that has time left.
            log.debug("status poll failed (%s); polling on", type(exc).__name__)
            delay = poll_interval(ctx.clock() - start, None, None, ctx.poll, ctx.rand)
            yield Sleep(min(delay, max(deadline - ctx.clock(), 0.0)))
            continue
        last = status
        now = ctx.clock()
        polls += 1
        elapsed = now - start
        if (yield from check(status, elapsed, polls)):
            return status
        if deadline is not None and now >= deadline:
            yield from expire(status, elapsed)
        state, queue_position = hints(status)
        delay = poll_interval(elapsed, state, queue_position, ctx.poll, ctx.rand)
        if deadline is not None:
            delay = min(delay, max(deadline - now, 0.0))
        yield Sleep(delay)


def is_transient(exc: APIError) -> bool:
    """Errors a later poll may not see: 5xx, 429, transport failures and broken 2xx bodies (an
    undocumented status such as a 3xx redirect says the base URL is wrong: it will not pass)."""
    if isinstance(exc, ResponseValidationError):
        code = exc.status_code
        return code is None or 200 <= code < 300
    return isinstance(exc, ServerError | RateLimited | APIConnectionError)


def first_poll_delay(ctx: FlowContext, known: ExecutionStatus, since: float) -> float:
    """How long to hold the first poll of an execution last seen unfinished at ``since``: a
    poll sooner than the schedule's first interval would only see it still pending."""
    if known.state in TERMINAL_STATES:
        return 0.0
    return max(ctx.poll.first - (ctx.clock() - since), 0.0)


def wait(
    ctx: FlowContext,
    execution_id: str,
    *,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    cancel_on_timeout: bool,
    first_delay: float = 0.0,
    since: float | None = None,
) -> Flow[ExecutionStatus]:
    """Poll until a terminal state; at the deadline, or when the caller interrupts, cancel the
    remote run (if asked) before raising."""
    warned: set[str] = set()
    began = ctx.clock() if since is None else since
    deadline = None if timeout is None else began + timeout

    def check(status: ExecutionStatus, elapsed: float, polls: int) -> Flow[bool]:
        if on_progress is not None:
            on_progress(Progress(execution_id, status.state, status.queue_position, elapsed, polls))
        if status.state in TERMINAL_STATES:
            raise_for_terminal(status)
            return True
        if not is_known(status.state) and str(status.state) not in warned:
            warned.add(str(status.state))
            yield Notice(
                UnknownStateWarning(
                    f"execution {execution_id} reports unknown state {status.state!r}; "
                    "still polling",
                    execution_id=execution_id,
                )
            )
        return False

    def expire(status: ExecutionStatus | None, elapsed: float) -> Flow[NoReturn]:
        cancelled = False
        if cancel_on_timeout:
            cancelled = yield from cancel_quietly(ctx, execution_id)
        raise ExecutionTimeout(
            execution_id,
            state=str(status.state) if status is not None else None,
            elapsed=elapsed,
            timeout=float(timeout or 0.0),
            cancelled=cancelled,
        )

    try:
        return (
            yield from poll(
                ctx,
                lambda deadline: get_status(ctx, execution_id, deadline),
                timeout=timeout,
                check=check,
                hints=lambda status: (status.state, status.queue_position),
                expire=expire,
                first_delay=first_delay,
                since=since,
            )
        )
    except interrupts() as exc:
        cancelled = False
        if cancel_on_timeout:
            cancelled = yield from cancel_quietly(ctx, execution_id, interrupt_grace(ctx, deadline))
        _carry_execution(exc, execution_id, cancelled)
        raise


def _carry_execution(exc: BaseException, execution_id: str, cancelled: bool) -> None:
    """Attach the execution an interrupted wait was on (``exc.execution_id``, ``exc.cancelled``
    and a note in the traceback), so the caller can follow it up or knows it was stopped."""
    if getattr(exc, "execution_id", None) is not None:
        return  # an inner wait already said
    exc.execution_id = execution_id  # type: ignore[attr-defined]
    exc.cancelled = cancelled  # type: ignore[attr-defined]
    fate = "it was cancelled" if cancelled else "it was not cancelled and may still be running"
    exc.add_note(f"duneq: interrupted while waiting on execution {execution_id}; {fate}")


def wait_for(
    ctx: FlowContext, known: ExecutionStatus, since: float, how: WaitArgs
) -> Flow[ExecutionStatus]:
    """Wait on a handle's execution: its first poll is held until the schedule's first
    interval after ``since`` (when it was last seen unfinished)."""
    return (
        yield from wait(
            ctx,
            known.execution_id,
            timeout=how.timeout,
            on_progress=how.on_progress,
            cancel_on_timeout=how.cancel_on_timeout,
            first_delay=first_poll_delay(ctx, known, since),
        )
    )


def wait_with(ctx: FlowContext, execution_id: str, how: WaitArgs) -> Flow[ExecutionStatus]:
    """``wait`` with its arguments bundled (what the clients' ``wait`` calls)."""
    return (
        yield from wait(
            ctx,
            execution_id,
            timeout=how.timeout,
            on_progress=how.on_progress,
            cancel_on_timeout=how.cancel_on_timeout,
            first_delay=how.first_delay,
            since=how.since,
        )
    )
