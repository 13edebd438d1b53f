"""Pipelines as typed records, and the pure logic of following a run: status parsing, node-change
events and failed-node detection (no I/O; shared by the sync and async API)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._states import SUCCESS_STATES, TERMINAL_STATES, ExecutionState, is_known, parse_state
from . import coerce as co

NodeKind = Literal["query_execution", "materialized_view_refresh"]
EventKind = Literal["started", "finished", "failed", "skipped", "cancelled", "changed"]

QUERY_EXECUTION: NodeKind = "query_execution"
MATVIEW_REFRESH: NodeKind = "materialized_view_refresh"
KINDS: tuple[NodeKind, ...] = (QUERY_EXECUTION, MATVIEW_REFRESH)
#: The state of a node that never ran because a dependency did not complete.
SKIPPED = "skipped"

_FAILED_STATES = frozenset({ExecutionState.FAILED, ExecutionState.CANCELLED})
_STARTED_STATES = frozenset({ExecutionState.EXECUTING, ExecutionState.EXPIRED, *SUCCESS_STATES})


class PipelineState(enum.StrEnum):
    """Overall pipeline states Dune documents; others are kept as plain strings."""

    PENDING = "pending"
    EXECUTING = "executing"
    COMPLETED = "completed"


def parse_pipeline_state(raw: object) -> PipelineState | str:
    """The known overall state for ``raw`` (any case), else the raw text unchanged."""
    text = str(raw) if raw is not None else ""
    try:
        return PipelineState(text.strip().lower())
    except ValueError:
        return text


def parse_node_state(raw: object) -> ExecutionState | str:
    """A node's state: an execution state (also from ``completed``-style short names),
    ``"skipped"``, or the raw text unchanged (never an error)."""
    text = str(raw) if raw is not None else ""
    state = parse_state(text)
    if is_known(state):
        return state
    key = text.strip().upper()
    if key == "SKIPPED":
        return SKIPPED
    state = parse_state(key if key.startswith("QUERY_STATE_") else f"QUERY_STATE_{key}")
    return state if is_known(state) else text


def _label(kind: str, name: str | None, query_id: int | None) -> str:
    if kind == MATVIEW_REFRESH:
        return f"refresh {name or '?'}"
    if kind == QUERY_EXECUTION:
        return f"query {query_id if query_id is not None else '?'}"
    return kind


# -- definitions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineNode:
    """One node of a pipeline definition: a saved-query execution or a view refresh (``kind``);
    a kind duneq does not know keeps its key as ``kind`` and its body in ``raw``."""

    id: int
    dependencies: tuple[int, ...]
    kind: NodeKind | str
    name: str | None = None
    query_id: int | None = None
    performance: str | None = None
    query_parameters: Mapping[str, object] = field(default_factory=dict)
    raw: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def query_execution(
        cls,
        id: int,
        query_id: int,
        *,
        dependencies: Sequence[int] = (),
        performance: str | None = None,
        query_parameters: Mapping[str, object] | None = None,
    ) -> PipelineNode:
        """A node that executes saved query ``query_id`` after ``dependencies``."""
        return cls(
            id,
            tuple(dependencies),
            QUERY_EXECUTION,
            query_id=query_id,
            performance=performance,
            query_parameters=dict(query_parameters or {}),
        )

    @classmethod
    def materialized_view_refresh(
        cls, id: int, name: str, *, dependencies: Sequence[int] = (), performance: str | None = None
    ) -> PipelineNode:
        """A node that refreshes materialized view ``name`` after ``dependencies``."""
        return cls(id, tuple(dependencies), MATVIEW_REFRESH, name=name, performance=performance)

    @property
    def label(self) -> str:
        """What the node runs: ``refresh dune.team.result_x`` or ``query 1234``."""
        return _label(self.kind, self.name, self.query_id)

    def to_dict(self) -> dict[str, object]:
        """The node in the API's wire shape."""
        out: dict[str, Any] = {"id": self.id, "dependencies": list(self.dependencies)}
        body: dict[str, Any]
        if self.kind == QUERY_EXECUTION:
            body = {"query_id": self.query_id}
            if self.query_parameters:
                body["query_parameters"] = dict(self.query_parameters)
        elif self.kind == MATVIEW_REFRESH:
            body = {"name": self.name}
        else:
            inner = self.raw.get(self.kind)
            body = dict(inner) if isinstance(inner, Mapping) else {}
        if self.performance is not None:
            body["performance"] = self.performance
        out[self.kind] = body
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PipelineNode:
        """Parse a wire node; raises ValueError naming what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a pipeline node must be an object, got {type(data).__name__}")
        node_id = co.integer(data.get("id"))
        if node_id is None:
            raise ValueError(f"pipeline node has no integer id: {dict(data)!r}")
        raw_deps = data.get("dependencies") or []
        if not isinstance(raw_deps, list | tuple) or any(co.integer(d) is None for d in raw_deps):
            raise ValueError(f"node {node_id}: dependencies must be a list of node ids")
        kinds = [k for k in KINDS if isinstance(data.get(k), Mapping)]
        if len(kinds) > 1:
            raise ValueError(f"node {node_id} has both {kinds[0]} and {kinds[1]}")
        if kinds:
            kind: str = kinds[0]
        else:
            others = sorted(k for k, v in data.items() if isinstance(v, Mapping))
            kind = others[0] if others else "unknown"
        body = data.get(kind)
        body = body if isinstance(body, Mapping) else {}
        params = body.get("query_parameters")
        return cls(
            id=node_id,
            dependencies=tuple(int(d) for d in raw_deps),
            kind=kind,
            name=co.name(body.get("name")),
            query_id=co.integer(body.get("query_id")),
            performance=co.name(body.get("performance")),
            query_parameters=dict(params) if isinstance(params, Mapping) else {},
            raw=dict(data),
        )


@dataclass(frozen=True)
class Pipeline:
    """A pipeline definition: nodes in dependency order (each after the nodes it depends on)."""

    nodes: tuple[PipelineNode, ...]

    def node(self, node_id: int) -> PipelineNode:
        """The node with this id; KeyError if there is none."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def to_dict(self) -> dict[str, object]:
        """The definition in the API's wire shape (``{"nodes": [...]}``)."""
        return {"nodes": [node.to_dict() for node in self.nodes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pipeline:
        """Parse ``{"nodes": [...]}``; raises ValueError naming what is wrong."""
        if not isinstance(data, Mapping) or not isinstance(data.get("nodes"), list):
            raise ValueError('a pipeline must be an object with a list "nodes"')
        return cls(tuple(PipelineNode.from_dict(item) for item in data["nodes"]))


def definition_problem(pipeline: Pipeline) -> str | None:
    """Why a definition cannot run (empty, duplicate or unknown ids, missing fields, a cycle),
    or None when it is well formed."""
    if not pipeline.nodes:
        return "a pipeline needs at least one node"
    ids = [node.id for node in pipeline.nodes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return f"duplicate node id(s) {duplicates}"
    known = set(ids)
    for node in pipeline.nodes:
        unknown = [d for d in node.dependencies if d not in known]
        if unknown:
            return f"node {node.id} depends on unknown node(s) {unknown}"
        if node.kind == QUERY_EXECUTION and (node.query_id is None or node.query_id <= 0):
            return f"node {node.id}: a query_execution node needs a positive query_id"
        if node.kind == MATVIEW_REFRESH and not node.name:
            return f"node {node.id}: a materialized_view_refresh node needs a view name"
        if node.kind not in KINDS:
            return f"node {node.id}: unknown kind {node.kind!r} (use {' or '.join(KINDS)})"
    return _cycle(pipeline)


def _cycle(pipeline: Pipeline) -> str | None:
    deps = {node.id: node.dependencies for node in pipeline.nodes}
    done: set[int] = set()

    def visit(node_id: int, path: tuple[int, ...]) -> str | None:
        if node_id in path:
            loop = [*path[path.index(node_id) :], node_id]
            return f"the pipeline has a cycle: nodes {' -> '.join(map(str, loop))}"
        if node_id in done:
            return None
        for dep in deps[node_id]:
            found = visit(dep, (*path, node_id))
            if found:
                return found
        done.add(node_id)
        return None

    for node_id in deps:
        found = visit(node_id, ())
        if found:
            return found
    return None


# -- status ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeStatus:
    """One node of a running pipeline; ``state`` is an ExecutionState, ``"skipped"``, or the
    raw text of a state duneq does not know."""

    id: int
    kind: NodeKind | str
    state: ExecutionState | str
    name: str | None = None
    query_id: int | None = None
    execution_id: str | None = None
    error: str | None = None
    raw: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        """What the node runs: ``refresh dune.team.result_x`` or ``query 1234``."""
        return _label(self.kind, self.name, self.query_id)

    @property
    def is_finished(self) -> bool:
        """Ended one way or another (terminal execution state, or skipped)."""
        return self.state in TERMINAL_STATES or self.state == SKIPPED

    @property
    def is_failed(self) -> bool:
        """Its execution failed or was cancelled (skipped dependents are not counted)."""
        return self.state in _FAILED_STATES

    @property
    def is_skipped(self) -> bool:
        return self.state == SKIPPED

    @property
    def succeeded(self) -> bool:
        return self.state in SUCCESS_STATES

    @property
    def has_started(self) -> bool:
        """The node has an execution (or a state only a started execution can have)."""
        return self.execution_id is not None or self.state in _STARTED_STATES


@dataclass(frozen=True)
class PipelineStatus:
    """The status of one pipeline execution: its overall state and every node's state."""

    pipeline_execution_id: str
    state: PipelineState | str
    nodes: tuple[NodeStatus, ...]
    error: str | None = None
    raw: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_finished(self) -> bool:
        """Dune says ``completed`` (there is no overall failed state), or every node has ended."""
        return self.state == PipelineState.COMPLETED or (
            bool(self.nodes) and all(node.is_finished for node in self.nodes)
        )

    @property
    def failed_nodes(self) -> tuple[NodeStatus, ...]:
        """Nodes whose execution failed or was cancelled."""
        return tuple(node for node in self.nodes if node.is_failed)

    @property
    def skipped_nodes(self) -> tuple[NodeStatus, ...]:
        return tuple(node for node in self.nodes if node.is_skipped)

    @property
    def running_execution_ids(self) -> tuple[str, ...]:
        """Executions of nodes that have not ended (what a timeout cancels)."""
        return tuple(
            node.execution_id
            for node in self.nodes
            if node.execution_id is not None and not node.is_finished
        )

    def node(self, node_id: int) -> NodeStatus:
        """The node with this id; KeyError if there is none."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def failure_message(self) -> str:
        """``pipeline P failed: node 2 (query 12) failed: <error> [execution_id=...]; ...``."""
        parts = []
        for node in self.failed_nodes:
            what = "was cancelled" if node.state == ExecutionState.CANCELLED else "failed"
            error = f": {node.error}" if node.error else ""
            where = f" [execution_id={node.execution_id}]" if node.execution_id else ""
            parts.append(f"node {node.id} ({node.label}) {what}{error}{where}")
        skipped = [str(node.id) for node in self.skipped_nodes]
        if skipped:
            parts.append(f"skipped node(s) {', '.join(skipped)}")
        return f"pipeline {self.pipeline_execution_id} failed: " + "; ".join(parts)


# -- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineEvent:
    """What ``on_progress`` receives: one node's change since the previous poll, plus every
    node as of this poll (``nodes``) so a display can draw them all."""

    kind: EventKind
    node_id: int
    state: ExecutionState | str
    execution_id: str | None
    error: str | None
    elapsed: float
    polls: int
    node: NodeStatus
    nodes: tuple[NodeStatus, ...]
    pipeline_execution_id: str


def _end_kind(state: ExecutionState | str) -> EventKind | None:
    if state in SUCCESS_STATES or state == ExecutionState.EXPIRED:
        return "finished"
    if state == ExecutionState.FAILED:
        return "failed"
    if state == ExecutionState.CANCELLED:
        return "cancelled"
    if state == SKIPPED:
        return "skipped"
    return None


def _transitions(old: NodeStatus | None, new: NodeStatus) -> list[EventKind]:
    if old is not None and (old.state, old.execution_id, old.error) == (
        new.state,
        new.execution_id,
        new.error,
    ):
        return []
    kinds: list[EventKind] = []
    if new.has_started and not (old is not None and old.has_started):
        kinds.append("started")  # also when it started and ended between two polls
    end = _end_kind(new.state)
    if end is not None and (old is None or _end_kind(old.state) != end):
        kinds.append(end)
    return kinds or ["changed"]


def node_events(
    previous: PipelineStatus | None, current: PipelineStatus, *, elapsed: float, polls: int
) -> list[PipelineEvent]:
    """The node changes from ``previous`` to ``current`` in node order; with no previous
    status every node reports its first observation."""
    before = {node.id: node for node in previous.nodes} if previous is not None else {}
    return [
        PipelineEvent(
            kind=kind,
            node_id=node.id,
            state=node.state,
            execution_id=node.execution_id,
            error=node.error,
            elapsed=elapsed,
            polls=polls,
            node=node,
            nodes=current.nodes,
            pipeline_execution_id=current.pipeline_execution_id,
        )
        for node in current.nodes
        for kind in _transitions(before.get(node.id), node)
    ]


def unknown_states(status: PipelineStatus) -> list[str]:
    """States in ``status`` (overall or per node) that duneq does not know."""
    found = [] if isinstance(status.state, PipelineState) else [str(status.state)]
    found += [
        str(node.state)
        for node in status.nodes
        if not is_known(node.state) and node.state != SKIPPED
    ]
    return found
