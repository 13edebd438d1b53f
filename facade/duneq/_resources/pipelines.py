"""Pipelines (``dune.pipelines``): inspect a query's lineage, run it, follow it node by node.

A run is a handle like Execution: ``status()``, ``wait()`` (the executions' poll loop, with
node-level events), ``cancel()``, and each node's result through the normal Result API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from .._bound import Bound, Defaults
from .._errors import ExecutionError, InvalidArgument
from .._flows import pipelines as flows
from .._flows.context import Flow, FlowContext
from .._flows.pages import Opened
from .._flows.run import wait_then_open
from .._options import (
    ResultKwargs,
    encode_params,
    validate_execution_id,
    validate_query_id,
    validate_timeout,
)
from .._results.handle import AsyncResult, Result
from .._transport.drivers import AsyncDriver, SyncDriver
from .._types import NOT_GIVEN, NotGiven, ParamValue, Performance
from .._wire.pipeline_models import (
    QUERY_EXECUTION,
    NodeStatus,
    Pipeline,
    PipelineState,
    PipelineStatus,
)


class _RunBase:
    """What a sync and an async run share: identity, the last status, and node lookups."""

    def __init__(
        self,
        pipeline_execution_id: str,
        *,
        query_id: int | None = None,
        definition: Pipeline | None = None,
    ) -> None:
        self.pipeline_execution_id = pipeline_execution_id
        self.query_id = query_id
        self.definition = definition
        self.last_status: PipelineStatus | None = None

    def _record(self, status: PipelineStatus) -> None:
        self.last_status = status

    @property
    def state(self) -> PipelineState | str | None:
        """The overall state as of the last status (None before the first one)."""
        return self.last_status.state if self.last_status is not None else None

    @property
    def nodes(self) -> tuple[NodeStatus, ...]:
        """Every node as of the last ``status()`` or ``wait()`` poll (empty before the first)."""
        return self.last_status.nodes if self.last_status is not None else ()

    @property
    def failed_nodes(self) -> tuple[NodeStatus, ...]:
        """Nodes whose execution failed or was cancelled, as of the last status."""
        return self.last_status.failed_nodes if self.last_status is not None else ()

    def _final_node_id(self, status: PipelineStatus) -> int:
        """The node whose result is the pipeline's: the node nothing depends on, else the
        started query's node, else the last node."""
        if not status.nodes:
            raise ExecutionError(
                f"pipeline {self.pipeline_execution_id} reports no nodes", execution_id=None
            )
        if self.definition is not None:
            needed = {dep for node in self.definition.nodes for dep in node.dependencies}
            sinks = [node.id for node in self.definition.nodes if node.id not in needed]
            if sinks:
                return sinks[-1]
        if self.query_id is not None:
            matches = [
                node.id
                for node in status.nodes
                if node.kind == QUERY_EXECUTION and node.query_id == self.query_id
            ]
            if matches:
                return matches[-1]
        return status.nodes[-1].id

    def _node(self, status: PipelineStatus, node_id: object) -> NodeStatus:
        if isinstance(node_id, bool) or not isinstance(node_id, int):
            raise InvalidArgument(f"node_id must be an integer node id, got {node_id!r}")
        try:
            return status.node(node_id)
        except KeyError:
            ids = ", ".join(str(node.id) for node in status.nodes)
            raise InvalidArgument(
                f"node_id {node_id} is not in pipeline {self.pipeline_execution_id} "
                f"(its nodes are {ids or 'none'})"
            ) from None

    def _execution_of(self, node: NodeStatus) -> str:
        if node.execution_id is not None:
            return node.execution_id
        if node.is_skipped:
            why = f": {node.error}" if node.error else ""
            raise ExecutionError(
                f"node {node.id} was skipped, it has no result{why}", execution_id=None
            )
        raise ExecutionError(
            f"node {node.id} ({node.label}) has not started yet (state {node.state}); "
            "wait() for the pipeline first",
            execution_id=None,
        )

    def _status_flow(self, ctx: FlowContext) -> Flow[PipelineStatus]:
        status = yield from flows.get_status(ctx, self.pipeline_execution_id)
        self._record(status)
        return status

    def _result_flow(
        self, ctx: FlowContext, node_id: int | None, options: ResultKwargs, defaults: Defaults
    ) -> Flow[Opened]:
        """One node's result (None: the final node), waiting if it still runs."""
        status = self.last_status or (yield from self._status_flow(ctx))
        if node_id is None:
            node_id = self._final_node_id(status)
        node = self._node(status, node_id)
        if node.execution_id is None and not node.is_finished:
            node = self._node((yield from self._status_flow(ctx)), node_id)
        how = defaults.wait_args(NOT_GIVEN, NOT_GIVEN)
        opts = defaults.options(options)
        return (yield from wait_then_open(ctx, self._execution_of(node), how, opts))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pipeline_execution_id} {self.state}>"


class PipelineRun(_RunBase):
    """A handle on one pipeline execution, run through the client that started it."""

    def __init__(
        self,
        bound: Bound[SyncDriver],
        pipeline_execution_id: str,
        *,
        query_id: int | None = None,
        definition: Pipeline | None = None,
    ) -> None:
        super().__init__(pipeline_execution_id, query_id=query_id, definition=definition)
        self._bound = bound

    def status(self) -> PipelineStatus:
        """Fetch the overall and per-node status (also updates ``nodes``)."""
        return self._bound.driver.run(self._status_flow(self._bound.ctx))

    def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: flows.EventCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> PipelineStatus:
        """Poll until the pipeline completes; raise PipelineFailed naming failed nodes, or
        ExecutionTimeout at the deadline (running nodes cancelled by default)."""
        how = self._bound.defaults.wait_args(timeout, cancel_on_timeout)
        return self._bound.driver.run(
            _wait(self, self._bound.ctx, how.timeout, how.cancel_on_timeout, on_progress)
        )

    def cancel(self) -> tuple[str, ...]:
        """Cancel every node execution still running; returns the ids the API confirmed."""
        return self._bound.driver.run(
            flows.cancel_running(self._bound.ctx, self.pipeline_execution_id)
        )

    def result(self, node_id: int, **options: Unpack[ResultKwargs]) -> Result:
        """One node's result through the normal Result API (waits if the node still runs)."""
        b = self._bound
        return Result(b, b.driver.run(self._result_flow(b.ctx, node_id, options, b.defaults)))

    def final_result(self, **options: Unpack[ResultKwargs]) -> Result:
        """The result of the pipeline's last node (the query it was started for)."""
        b = self._bound
        return Result(b, b.driver.run(self._result_flow(b.ctx, None, options, b.defaults)))


class AsyncPipelineRun(_RunBase):
    """The async twin of PipelineRun (same methods, awaited)."""

    def __init__(
        self,
        bound: Bound[AsyncDriver],
        pipeline_execution_id: str,
        *,
        query_id: int | None = None,
        definition: Pipeline | None = None,
    ) -> None:
        super().__init__(pipeline_execution_id, query_id=query_id, definition=definition)
        self._bound = bound

    async def status(self) -> PipelineStatus:
        """Fetch the overall and per-node status (also updates ``nodes``)."""
        return await self._bound.driver.run(self._status_flow(self._bound.ctx))

    async def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: flows.EventCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> PipelineStatus:
        """Poll until the pipeline completes; raise PipelineFailed naming failed nodes, or
        ExecutionTimeout at the deadline (running nodes cancelled by default)."""
        how = self._bound.defaults.wait_args(timeout, cancel_on_timeout)
        return await self._bound.driver.run(
            _wait(self, self._bound.ctx, how.timeout, how.cancel_on_timeout, on_progress)
        )

    async def cancel(self) -> tuple[str, ...]:
        """Cancel every node execution still running; returns the ids the API confirmed."""
        return await self._bound.driver.run(
            flows.cancel_running(self._bound.ctx, self.pipeline_execution_id)
        )

    async def result(self, node_id: int, **options: Unpack[ResultKwargs]) -> AsyncResult:
        """One node's result through the normal Result API (waits if the node still runs)."""
        b = self._bound
        return AsyncResult(
            b, await b.driver.run(self._result_flow(b.ctx, node_id, options, b.defaults))
        )

    async def final_result(self, **options: Unpack[ResultKwargs]) -> AsyncResult:
        """The result of the pipeline's last node (the query it was started for)."""
        b = self._bound
        return AsyncResult(
            b, await b.driver.run(self._result_flow(b.ctx, None, options, b.defaults))
        )


def _wait(
    run: _RunBase,
    ctx: FlowContext,
    timeout: float | None,
    cancel_on_timeout: bool,
    on_progress: flows.EventCallback | None,
) -> Flow[PipelineStatus]:
    return flows.wait(
        ctx,
        run.pipeline_execution_id,
        timeout=timeout,
        on_progress=on_progress,
        cancel_on_timeout=cancel_on_timeout,
        on_status=run._record,
        handle=run,
    )


def _query_args(
    defaults: Defaults,
    query_id: int,
    params: Mapping[str, ParamValue] | None,
    performance: Performance | None | NotGiven,
) -> tuple[int, dict[str, object], str | None]:
    return validate_query_id(query_id), encode_params(params), defaults.perf(performance)


class Pipelines:
    """Pipelines (``dune.pipelines``): a query plus the materialized views it reads, in order."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._bound = bound

    def get_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> Pipeline:
        """The query's lineage as a pipeline definition; nothing is executed."""
        req = flows.query_pipeline_request(
            *_query_args(self._bound.defaults, query_id, params, performance)
        )
        return self._bound.driver.run(flows.get_pipeline(self._bound.ctx, req))

    def execute_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None = None,
    ) -> PipelineRun:
        """Refresh the views a query reads (in dependency order), then run it; returns once
        started. ``timeout`` bounds the start call (None: the client's request timeout)."""
        qid, encoded, perf = _query_args(self._bound.defaults, query_id, params, performance)
        req = flows.execute_query_pipeline_request(qid, encoded, perf)
        limit = validate_timeout("timeout", timeout)
        return PipelineRun(
            self._bound,
            self._bound.driver.run(flows.start_within(self._bound.ctx, req, limit)),
            query_id=qid,
        )

    def execute_pipeline(
        self, definition: Pipeline | Mapping[str, object], *, timeout: float | None = None
    ) -> PipelineRun:
        """Run an explicit definition (a Pipeline, or its ``{"nodes": [...]}`` mapping);
        ``timeout`` bounds the start call."""
        pipeline = flows.as_definition(definition)
        limit = validate_timeout("timeout", timeout)
        req = flows.execute_pipeline_request(pipeline)
        return PipelineRun(
            self._bound,
            self._bound.driver.run(flows.start_within(self._bound.ctx, req, limit)),
            definition=pipeline,
        )

    def get_status(self, pipeline_execution_id: str) -> PipelineStatus:
        """The status of a pipeline execution by id."""
        pid = validate_execution_id(pipeline_execution_id, "pipeline_execution_id")
        return self._bound.driver.run(flows.get_status(self._bound.ctx, pid))


class AsyncPipelines:
    """Pipelines (``dune.pipelines``) for AsyncClient: the same methods, awaited."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._bound = bound

    async def get_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> Pipeline:
        """The query's lineage as a pipeline definition; nothing is executed."""
        req = flows.query_pipeline_request(
            *_query_args(self._bound.defaults, query_id, params, performance)
        )
        return await self._bound.driver.run(flows.get_pipeline(self._bound.ctx, req))

    async def execute_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None = None,
    ) -> AsyncPipelineRun:
        """Refresh the views a query reads (in dependency order), then run it; returns once
        started. ``timeout`` bounds the start call (None: the client's request timeout)."""
        qid, encoded, perf = _query_args(self._bound.defaults, query_id, params, performance)
        req = flows.execute_query_pipeline_request(qid, encoded, perf)
        limit = validate_timeout("timeout", timeout)
        return AsyncPipelineRun(
            self._bound,
            await self._bound.driver.run(flows.start_within(self._bound.ctx, req, limit)),
            query_id=qid,
        )

    async def execute_pipeline(
        self, definition: Pipeline | Mapping[str, object], *, timeout: float | None = None
    ) -> AsyncPipelineRun:
        """Run an explicit definition (a Pipeline, or its ``{"nodes": [...]}`` mapping);
        ``timeout`` bounds the start call."""
        pipeline = flows.as_definition(definition)
        limit = validate_timeout("timeout", timeout)
        req = flows.execute_pipeline_request(pipeline)
        return AsyncPipelineRun(
            self._bound,
            await self._bound.driver.run(flows.start_within(self._bound.ctx, req, limit)),
            definition=pipeline,
        )

    async def get_status(self, pipeline_execution_id: str) -> PipelineStatus:
        """The status of a pipeline execution by id."""
        pid = validate_execution_id(pipeline_execution_id, "pipeline_execution_id")
        return await self._bound.driver.run(flows.get_status(self._bound.ctx, pid))
