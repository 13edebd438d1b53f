"""Flows of the pipelines API: start, poll and cancel a pipeline run.

Waiting reuses the executions' poll loop (``wait.poll``): same schedule, rate limiter and deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from .. import _constants as C
from .._errors import (
    APITimeout,
    DuneError,
    ExecutionTimeout,
    InvalidArgument,
    PipelineFailed,
    ResponseValidationError,
    UnknownStateWarning,
)
from .._options import validate_execution_id
from .._protocol import Notice, RawResponse, Request
from .._wire.adapter import (
    execute_pipeline_request as _execute_pipeline_request,
)
from .._wire.adapter import (
    execute_query_pipeline_request as _execute_query_pipeline_request,
)
from .._wire.adapter import pipeline_from_wire, pipeline_status_from_wire, pipeline_status_request
from .._wire.adapter import query_pipeline_request as query_pipeline_request  # re-exported
from .._wire.pipeline_models import (
    Pipeline,
    PipelineEvent,
    PipelineStatus,
    definition_problem,
    node_events,
    unknown_states,
)
from .context import Flow, FlowContext
from .send import DeadlineReached, exchange, parse_json, send
from .wait import cancel_quietly, interrupt_grace, interrupts, poll

EventCallback = Callable[[PipelineEvent], object]
StatusCallback = Callable[[PipelineStatus], object]

# Pipelines have no performance default of their own: the schema requires one, SDKs send medium.
PIPELINE_PERFORMANCE = "medium"


# -- requests ----------------------------------------------------------------------------------


def execute_query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``POST /v1/query/{id}/pipeline/execute``: starts billed runs, so never retried blindly."""
    return _execute_query_pipeline_request(query_id, params, performance or PIPELINE_PERFORMANCE)


def as_definition(definition: object) -> Pipeline:
    """A Pipeline from a Pipeline or its wire mapping, checked before anything is sent."""
    if isinstance(definition, Pipeline):
        pipeline = definition
    elif isinstance(definition, Mapping):
        raw = definition.get("pipeline", definition)
        try:
            pipeline = Pipeline.from_dict(raw)
        except ValueError as exc:
            raise InvalidArgument(f"definition: {exc}") from None
    else:
        raise InvalidArgument(
            "definition must be a duneq Pipeline or a mapping like "
            f'{{"nodes": [...]}}, got {type(definition).__name__}'
        )
    problem = definition_problem(pipeline)
    if problem is not None:
        raise InvalidArgument(f"definition: {problem}")
    return pipeline


def execute_pipeline_request(pipeline: Pipeline) -> Request:
    """``POST /v1/pipelines/execute`` with an explicit definition."""
    try:
        return _execute_pipeline_request(pipeline.to_dict())
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgument(f"definition: {exc}") from None


def status_request(pipeline_execution_id: str) -> Request:
    return pipeline_status_request(pipeline_execution_id)


# -- flows -------------------------------------------------------------------------------------


def get_pipeline(ctx: FlowContext, req: Request) -> Flow[Pipeline]:
    resp = yield from send(ctx, req)
    data = parse_json(req, resp)
    try:
        return pipeline_from_wire(data)
    except ValueError as exc:
        raise ResponseValidationError(
            f"malformed pipeline: {exc}", method=req.method, path=req.display_path
        ) from None


def start(ctx: FlowContext, req: Request, deadline: float | None = None) -> Flow[str]:
    """Send an execute request (within ``deadline``); returns the new pipeline_execution_id.
    A reply that does not come in time is ExecutionMayHaveStarted (never retried)."""
    try:
        resp = yield from send(ctx, req, deadline)
    except DeadlineReached as exc:
        if exc.last is not None:
            raise exc.last from None
        raise APITimeout(
            "the pipeline execute could not be sent before the deadline (client rate limit); "
            "nothing was started",
            method=req.method,
            path=req.display_path,
        ) from None
    raw = parse_json(req, resp).get("pipeline_execution_id")
    try:
        return validate_execution_id(raw, "pipeline_execution_id")
    except DuneError:
        raise ResponseValidationError(
            f"execute response has no valid pipeline_execution_id: {raw!r}",
            status_code=resp.status,
            method=req.method,
            path=req.display_path,
        ) from None


def start_within(ctx: FlowContext, req: Request, timeout: float | None) -> Flow[str]:
    """``start`` with its deadline ``timeout`` seconds from now (None: the request timeout)."""
    deadline = None if timeout is None else ctx.clock() + timeout
    return (yield from start(ctx, req, deadline))


def get_status(
    ctx: FlowContext, pipeline_execution_id: str, deadline: float | None = None
) -> Flow[PipelineStatus]:
    req = status_request(pipeline_execution_id)
    return (
        yield from exchange(
            ctx, req, lambda r: _pipeline_status(req, r, pipeline_execution_id), deadline
        )
    )


def _pipeline_status(req: Request, resp: RawResponse, pipeline_execution_id: str) -> PipelineStatus:
    data = parse_json(req, resp)
    try:
        return pipeline_status_from_wire(data, pipeline_execution_id)
    except ValueError as exc:
        raise ResponseValidationError(
            f"malformed pipeline status: {exc}",
            status_code=resp.status,
            method=req.method,
            path=req.display_path,
        ) from None


def cancel_nodes(
    ctx: FlowContext, execution_ids: tuple[str, ...], grace: float = C.CANCEL_GRACE
) -> Flow[tuple[str, ...]]:
    """Cancel node executions one by one, all within ``grace`` seconds together; returns those
    the API confirmed."""
    until = ctx.clock() + grace
    confirmed = []
    for execution_id in execution_ids:
        left = until - ctx.clock()
        if left <= 0:
            break
        if (yield from cancel_quietly(ctx, execution_id, left)):
            confirmed.append(execution_id)
    return tuple(confirmed)


def _cancel_pass(
    ctx: FlowContext, pipeline_execution_id: str, known: PipelineStatus | None, grace: float
) -> Flow[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Cancel the running nodes within ``grace`` seconds; when no status ever answered, one
    last status call (in the same grace) learns them. Returns (running, confirmed)."""
    until = ctx.clock() + grace
    if known is None:
        try:
            known = yield from get_status(ctx, pipeline_execution_id, until)
        except (DuneError, DeadlineReached):
            return (), ()
    running = known.running_execution_ids
    left = until - ctx.clock()
    if not running or left <= 0:
        return running, ()
    return running, (yield from cancel_nodes(ctx, running, left))


def wait(
    ctx: FlowContext,
    pipeline_execution_id: str,
    *,
    timeout: float | None,
    on_progress: EventCallback | None,
    cancel_on_timeout: bool,
    on_status: StatusCallback | None = None,
    handle: object = None,
) -> Flow[PipelineStatus]:
    """Poll until the pipeline completes; raise PipelineFailed (carrying ``handle``) if a node
    failed; at the deadline or on an interrupt cancel the running nodes (if asked)."""
    seen: list[PipelineStatus] = []
    warned: set[str] = set()
    deadline = None if timeout is None else ctx.clock() + timeout

    def check(status: PipelineStatus, elapsed: float, polls: int) -> Flow[bool]:
        previous = seen[-1] if seen else None
        seen[:] = [status]
        if on_status is not None:
            on_status(status)
        if on_progress is not None:
            for event in node_events(previous, status, elapsed=elapsed, polls=polls):
                on_progress(event)
        if status.is_finished:
            if status.failed_nodes:
                raise PipelineFailed(status, run=handle)
            return True
        for state in unknown_states(status):
            if state not in warned:
                warned.add(state)
                yield Notice(
                    UnknownStateWarning(
                        f"pipeline {pipeline_execution_id} reports unknown state {state!r}; "
                        "still polling",
                        execution_id=pipeline_execution_id,
                    )
                )
        return False

    def expire(status: PipelineStatus | None, elapsed: float) -> Flow[NoReturn]:
        running = status.running_execution_ids if status is not None else ()
        cancelled: tuple[str, ...] = ()
        if cancel_on_timeout:
            running, cancelled = yield from _cancel_pass(
                ctx, pipeline_execution_id, status, C.CANCEL_GRACE
            )
        raise ExecutionTimeout(
            pipeline_execution_id,
            state=str(status.state) if status is not None else None,
            elapsed=elapsed,
            timeout=float(timeout or 0.0),
            cancelled=bool(running) and len(cancelled) == len(running),
            subject="pipeline execution",
            cancelled_executions=cancelled,
        )

    try:
        return (
            yield from poll(
                ctx,
                lambda deadline: get_status(ctx, pipeline_execution_id, deadline),
                timeout=timeout,
                check=check,
                hints=lambda status: (None, None),
                expire=expire,
            )
        )
    except interrupts():
        if cancel_on_timeout:
            known = seen[-1] if seen else None
            grace = interrupt_grace(ctx, deadline)
            yield from _cancel_pass(ctx, pipeline_execution_id, known, grace)
        raise


def cancel_running(ctx: FlowContext, pipeline_execution_id: str) -> Flow[tuple[str, ...]]:
    """Cancel every node execution still running; returns the ids the API confirmed."""
    status = yield from get_status(ctx, pipeline_execution_id)
    return (yield from cancel_nodes(ctx, status.running_execution_ids, C.INTERRUPT_CANCEL_GRACE))
