"""Composite calls written once for both clients: run (execute, wait, open the result) and
latest-or-run (reuse a fresh latest result, else run)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .._options import ResultOptions
from .._protocol import Request
from .._wire.models import ExecutionStatus
from .context import Flow, FlowContext

__all__ = ["Flow", "Latest", "latest_or_run", "run", "wait_then_open"]
from .latest import latest_probe
from .pages import Opened, open_result
from .wait import WaitArgs, execute, first_poll_delay, wait_with


def wait_then_open(
    ctx: FlowContext, execution_id: str, how: WaitArgs, options: ResultOptions
) -> Flow[Opened]:
    """Wait for an execution, then open its result at the first page."""
    status = yield from wait_with(ctx, execution_id, how)
    return (yield from open_result(ctx, status, options))


def run(ctx: FlowContext, req: Request, how: WaitArgs, options: ResultOptions) -> Flow[Opened]:
    """Execute, wait (the first poll after the schedule's first interval), open the result;
    the timeout covers the execute and the wait together."""
    since = ctx.clock()
    deadline = None if how.timeout is None else since + how.timeout
    started = yield from execute(ctx, req, deadline)
    delay = first_poll_delay(ctx, started, since)
    later = WaitArgs(how.timeout, how.on_progress, how.cancel_on_timeout, delay, since)
    return (yield from wait_then_open(ctx, started.execution_id, later, options))


@dataclass(frozen=True)
class Latest:
    """What latest-or-run gives: the opened result and whether it was reused."""

    opened: Opened
    reused: bool


def latest_or_run(
    ctx: FlowContext,
    query_id: int,
    run_request: Request,
    *,
    params: Mapping[str, Any],
    max_age: timedelta | None,
    now: Callable[[], datetime],
    how: WaitArgs,
    options: ResultOptions,
) -> Flow[Latest]:
    """Reuse the latest result if it ended within ``max_age``, else run the query again."""
    status: ExecutionStatus | None = yield from latest_probe(
        ctx, query_id, params=params, options=options, max_age=max_age, now=now
    )
    if status is not None:
        return Latest((yield from open_result(ctx, status, options)), reused=True)
    return Latest((yield from run(ctx, run_request, how, options)), reused=False)
