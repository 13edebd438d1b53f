"""Sans-IO flows of the pipelines API: build, start, poll and cancel, from the generated builders.

Waiting reuses the executions' poll loop (``_flows.poll``): same schedule, budget and deadline.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import orjson
from dune_api.api.pipelines import (
    execute_pipeline,
    execute_query_pipeline,
    get_pipeline_execution_status,
    get_query_pipeline,
)
from dune_api.models import ExecutePipelineRequest, ExecuteQueryPipelineRequest
from dune_api.types import UNSET

from ._errors import (
    DuneError,
    ExecutionTimeout,
    InvalidArgument,
    PipelineFailed,
    ResponseValidationError,
    UnknownStateWarning,
)
from ._flows import Core, Flow, cancel_quietly, parse_json, poll, send
from ._options import validate_execution_id
from ._pipelines_model import (
    Pipeline,
    PipelineEvent,
    PipelineStatus,
    definition_problem,
    node_events,
    unknown_states,
)
from ._protocol import Request, from_generated

EventCallback = Callable[[PipelineEvent], object]
StatusCallback = Callable[[PipelineStatus], object]

# Pipelines have no performance default of their own: the schema requires one, SDKs send medium.
PIPELINE_PERFORMANCE = "medium"


# -- requests ----------------------------------------------------------------------------------


def query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``GET /v1/query/{id}/pipeline``; parameters travel as a URL-encoded JSON object."""
    kwargs = get_query_pipeline._get_kwargs(
        query_id,
        performance=performance if performance is not None else UNSET,
        query_parameters=orjson.dumps(dict(params)).decode() if params else UNSET,
    )
    return from_generated(kwargs)


def execute_query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``POST /v1/query/{id}/pipeline/execute``: starts billed runs, so never retried blindly."""
    body: dict[str, Any] = {"performance": performance or PIPELINE_PERFORMANCE}
    if params:
        body["query_parameters"] = dict(params)
    model = ExecuteQueryPipelineRequest.from_dict(body)
    return from_generated(execute_query_pipeline._get_kwargs(query_id, body=model), kind="execute")


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
        model = ExecutePipelineRequest.from_dict({"pipeline": pipeline.to_dict()})
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgument(f"definition: {exc}") from None
    return from_generated(execute_pipeline._get_kwargs(body=model), kind="execute")


def status_request(pipeline_execution_id: str) -> Request:
    return from_generated(get_pipeline_execution_status._get_kwargs(pipeline_execution_id))


# -- flows -------------------------------------------------------------------------------------


def get_pipeline(core: Core, req: Request) -> Flow[Pipeline]:
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    try:
        return Pipeline.from_response(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseValidationError(
            f"malformed pipeline: {exc}", method=req.method, path=req.display_path
        ) from None


def start(core: Core, req: Request) -> Flow[str]:
    """Send an execute request; returns the new pipeline_execution_id."""
    resp = yield from send(core, req)
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


def get_status(core: Core, pipeline_execution_id: str) -> Flow[PipelineStatus]:
    req = status_request(pipeline_execution_id)
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    try:
        return PipelineStatus.from_dict(data, pipeline_execution_id)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ResponseValidationError(
            f"malformed pipeline status: {exc}",
            status_code=resp.status,
            method=req.method,
            path=req.display_path,
        ) from None


def cancel_nodes(core: Core, execution_ids: tuple[str, ...]) -> Flow[tuple[str, ...]]:
    """Cancel node executions one by one; returns those the API confirmed."""
    confirmed = []
    for execution_id in execution_ids:
        ok = yield from cancel_quietly(core, execution_id)
        confirmed.append(ok)
    return tuple(eid for eid, ok in zip(execution_ids, confirmed, strict=True) if ok)


def wait(
    core: Core,
    pipeline_execution_id: str,
    *,
    timeout: float | None,
    on_progress: EventCallback | None,
    cancel_on_timeout: bool,
    on_status: StatusCallback | None = None,
) -> Flow[PipelineStatus]:
    """Poll until the pipeline completes; raise PipelineFailed if a node failed, and at the
    deadline cancel the running nodes (if asked) and raise ExecutionTimeout."""
    seen: list[PipelineStatus] = []
    warned: set[str] = set()

    def check(status: PipelineStatus, elapsed: float, polls: int) -> bool:
        previous = seen[-1] if seen else None
        seen.append(status)
        del seen[:-1]
        if on_status is not None:
            on_status(status)
        if on_progress is not None:
            for event in node_events(previous, status, elapsed=elapsed, polls=polls):
                on_progress(event)
        if status.is_finished:
            if status.failed_nodes:
                raise PipelineFailed(status)
            return True
        for state in unknown_states(status):
            if state not in warned:
                warned.add(state)
                warnings.warn(
                    f"pipeline {pipeline_execution_id} reports unknown state {state!r}; "
                    "still polling",
                    UnknownStateWarning,
                    stacklevel=2,
                )
        return False

    def expire(status: PipelineStatus, elapsed: float) -> Flow[NoReturn]:
        running = status.running_execution_ids
        cancelled: tuple[str, ...] = ()
        if cancel_on_timeout and running:
            cancelled = yield from cancel_nodes(core, running)
        raise ExecutionTimeout(
            pipeline_execution_id,
            state=str(status.state),
            elapsed=elapsed,
            timeout=float(timeout or 0.0),
            cancelled=bool(running) and len(cancelled) == len(running),
            subject="pipeline execution",
            cancelled_executions=cancelled,
        )

    return (
        yield from poll(
            core,
            lambda: get_status(core, pipeline_execution_id),
            timeout=timeout,
            check=check,
            hints=lambda status: (None, None),
            expire=expire,
        )
    )
