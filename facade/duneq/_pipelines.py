"""Pipelines (``dune.pipelines``): inspect a query's lineage, run it, follow it node by node.

A run is a handle like Execution: ``status()``, ``wait()`` (the executions' poll loop, with
node-level events), ``cancel()``, and each node's result through the normal Result API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from . import _pipeline_flows as flows
from ._errors import ExecutionError, InvalidArgument, PipelineFailed
from ._options import encode_params, validate_execution_id, validate_query_id
from ._pipelines_model import (
    QUERY_EXECUTION,
    NodeStatus,
    Pipeline,
    PipelineState,
    PipelineStatus,
)
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import AsyncClient, Client, ResultKwargs
    from ._results import AsyncResult, Result


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

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pipeline_execution_id} {self.state}>"


class PipelineRun(_RunBase):
    """A handle on one pipeline execution; every call goes through the client that started it."""

    def __init__(
        self,
        client: Client,
        pipeline_execution_id: str,
        *,
        query_id: int | None = None,
        definition: Pipeline | None = None,
    ) -> None:
        super().__init__(pipeline_execution_id, query_id=query_id, definition=definition)
        self._client = client

    def status(self) -> PipelineStatus:
        """Fetch the overall and per-node status (also updates ``nodes``)."""
        status = self._client._driver.run(
            flows.get_status(self._client._core, self.pipeline_execution_id)
        )
        self._record(status)
        return status

    def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: flows.EventCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> PipelineStatus:
        """Poll until the pipeline completes; raise PipelineFailed naming failed nodes, or
        ExecutionTimeout at the deadline (running nodes cancelled by default)."""
        deadline, cancel_it = self._client._wait_args(timeout, cancel_on_timeout)
        flow = flows.wait(
            self._client._core,
            self.pipeline_execution_id,
            timeout=deadline,
            on_progress=on_progress,
            cancel_on_timeout=cancel_it,
            on_status=self._record,
        )
        try:
            return self._client._driver.run(flow)
        except PipelineFailed as exc:
            exc.run = self
            raise
        except KeyboardInterrupt:
            if cancel_it and self.last_status is not None:
                ids = self.last_status.running_execution_ids
                self._client._driver.run(flows.cancel_nodes(self._client._core, ids))
            raise

    def cancel(self) -> tuple[str, ...]:
        """Cancel every node execution still running; returns the ids the API confirmed."""
        ids = self.status().running_execution_ids
        return self._client._driver.run(flows.cancel_nodes(self._client._core, ids))

    def result(self, node_id: int, **options: Unpack[ResultKwargs]) -> Result:
        """One node's result through the normal Result API (waits if the node still runs)."""
        status = self.last_status or self.status()
        node = self._node(status, node_id)
        if node.execution_id is None and not node.is_finished:
            node = self._node(self.status(), node_id)
        return self._client.get_result(self._execution_of(node), **options)

    def final_result(self, **options: Unpack[ResultKwargs]) -> Result:
        """The result of the pipeline's last node (the query it was started for)."""
        status = self.last_status or self.status()
        return self.result(self._final_node_id(status), **options)


class AsyncPipelineRun(_RunBase):
    """The async twin of PipelineRun (same methods, awaited)."""

    def __init__(
        self,
        client: AsyncClient,
        pipeline_execution_id: str,
        *,
        query_id: int | None = None,
        definition: Pipeline | None = None,
    ) -> None:
        super().__init__(pipeline_execution_id, query_id=query_id, definition=definition)
        self._client = client

    async def status(self) -> PipelineStatus:
        """Fetch the overall and per-node status (also updates ``nodes``)."""
        status = await self._client._driver.run(
            flows.get_status(self._client._core, self.pipeline_execution_id)
        )
        self._record(status)
        return status

    async def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: flows.EventCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> PipelineStatus:
        """Poll until the pipeline completes; raise PipelineFailed naming failed nodes, or
        ExecutionTimeout at the deadline (running nodes cancelled by default)."""
        deadline, cancel_it = self._client._wait_args(timeout, cancel_on_timeout)
        flow = flows.wait(
            self._client._core,
            self.pipeline_execution_id,
            timeout=deadline,
            on_progress=on_progress,
            cancel_on_timeout=cancel_it,
            on_status=self._record,
        )
        try:
            return await self._client._driver.run(flow)
        except PipelineFailed as exc:
            exc.run = self
            raise
        except asyncio.CancelledError:
            if cancel_it and self.last_status is not None:
                ids = self.last_status.running_execution_ids
                await asyncio.shield(
                    self._client._driver.run(flows.cancel_nodes(self._client._core, ids))
                )
            raise

    async def cancel(self) -> tuple[str, ...]:
        """Cancel every node execution still running; returns the ids the API confirmed."""
        ids = (await self.status()).running_execution_ids
        return await self._client._driver.run(flows.cancel_nodes(self._client._core, ids))

    async def result(self, node_id: int, **options: Unpack[ResultKwargs]) -> AsyncResult:
        """One node's result through the normal Result API (waits if the node still runs)."""
        status = self.last_status or await self.status()
        node = self._node(status, node_id)
        if node.execution_id is None and not node.is_finished:
            node = self._node(await self.status(), node_id)
        return await self._client.get_result(self._execution_of(node), **options)

    async def final_result(self, **options: Unpack[ResultKwargs]) -> AsyncResult:
        """The result of the pipeline's last node (the query it was started for)."""
        status = self.last_status or await self.status()
        return await self.result(self._final_node_id(status), **options)


def _query_args(
    client: Client | AsyncClient,
    query_id: int,
    params: Mapping[str, Any] | None,
    performance: str | None | NotGiven,
) -> tuple[int, dict[str, Any], str | None]:
    return validate_query_id(query_id), encode_params(params), client._perf(performance)


class Pipelines:
    """Pipelines (``dune.pipelines``): a query plus the materialized views it reads, in order."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> Pipeline:
        """The query's lineage as a pipeline definition; nothing is executed."""
        qid, encoded, perf = _query_args(self._client, query_id, params, performance)
        req = flows.query_pipeline_request(qid, encoded, perf)
        return self._client._driver.run(flows.get_pipeline(self._client._core, req))

    def execute_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> PipelineRun:
        """Refresh the views a query reads (in dependency order), then run it; returns at once."""
        qid, encoded, perf = _query_args(self._client, query_id, params, performance)
        req = flows.execute_query_pipeline_request(qid, encoded, perf)
        pid = self._client._driver.run(flows.start(self._client._core, req))
        return PipelineRun(self._client, pid, query_id=qid)

    def execute_pipeline(self, definition: Pipeline | Mapping[str, Any]) -> PipelineRun:
        """Run an explicit definition (a Pipeline, or its ``{"nodes": [...]}`` mapping)."""
        pipeline = flows.as_definition(definition)
        req = flows.execute_pipeline_request(pipeline)
        pid = self._client._driver.run(flows.start(self._client._core, req))
        return PipelineRun(self._client, pid, definition=pipeline)

    def get_status(self, pipeline_execution_id: str) -> PipelineStatus:
        """The status of a pipeline execution by id."""
        pid = validate_execution_id(pipeline_execution_id, "pipeline_execution_id")
        return self._client._driver.run(flows.get_status(self._client._core, pid))


class AsyncPipelines:
    """Pipelines (``dune.pipelines``) for AsyncClient: the same methods, awaited."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> Pipeline:
        """The query's lineage as a pipeline definition; nothing is executed."""
        qid, encoded, perf = _query_args(self._client, query_id, params, performance)
        req = flows.query_pipeline_request(qid, encoded, perf)
        return await self._client._driver.run(flows.get_pipeline(self._client._core, req))

    async def execute_query_pipeline(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> AsyncPipelineRun:
        """Refresh the views a query reads (in dependency order), then run it; returns at once."""
        qid, encoded, perf = _query_args(self._client, query_id, params, performance)
        req = flows.execute_query_pipeline_request(qid, encoded, perf)
        pid = await self._client._driver.run(flows.start(self._client._core, req))
        return AsyncPipelineRun(self._client, pid, query_id=qid)

    async def execute_pipeline(self, definition: Pipeline | Mapping[str, Any]) -> AsyncPipelineRun:
        """Run an explicit definition (a Pipeline, or its ``{"nodes": [...]}`` mapping)."""
        pipeline = flows.as_definition(definition)
        req = flows.execute_pipeline_request(pipeline)
        pid = await self._client._driver.run(flows.start(self._client._core, req))
        return AsyncPipelineRun(self._client, pid, definition=pipeline)

    async def get_status(self, pipeline_execution_id: str) -> PipelineStatus:
        """The status of a pipeline execution by id."""
        pid = validate_execution_id(pipeline_execution_id, "pipeline_execution_id")
        return await self._client._driver.run(flows.get_status(self._client._core, pid))
