"""Pipeline executions: each node is a real engine execution, started (on the emulator clock)
the moment its last dependency completes; dependents of a failed node are `skipped`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ulid import ULID

from .engine import CANCELLED, FAILED, PENDING, TERMINAL, WITH_RESULT, Execution, ExecutionEngine
from .errors import NOT_ALLOWED_EXECUTE, ApiError
from .lineage import PlanNode, build_plan
from .matviews_store import MatView, MatviewStore
from .query_store import QueryStore, bind_parameters

SKIPPED = "skipped"


@dataclass
class NodeRun:
    """A plan node plus what it needs to start, and its execution once started."""

    node: PlanNode
    sql: str = ""
    values: dict[str, str] = field(default_factory=dict)
    view: MatView | None = None
    execution: Execution | None = None


@dataclass
class PipelineRun:
    pipeline_execution_id: str
    nodes: list[NodeRun]


class PipelineEngine:
    """Builds plans from lineage, starts runs, and reports per-node status."""

    def __init__(self, engine: ExecutionEngine, queries: QueryStore, views: MatviewStore) -> None:
        self._engine = engine
        self._queries = queries
        self._views = views
        self._lock = threading.RLock()
        self._runs: dict[str, PipelineRun] = {}
        self._by_execution: dict[str, PipelineRun] = {}
        engine.finalize_hooks.append(self._on_finalize)

    def plan(self, query_id: int, performance: str, params: dict[str, Any]) -> list[PlanNode]:
        query = self._queries.get(query_id)

        def view_sql(full: str) -> str | None:
            view = self._views.find(full)
            return None if view is None else self._queries.get(view.query_id).query_sql

        return build_plan(query_id, query.query_sql, performance, params, view_sql)

    def start(self, nodes: list[PlanNode]) -> PipelineRun:
        """Check every node (400/404 before anything runs), then start the roots."""
        runs = [self._prepare(node) for node in nodes]
        run = PipelineRun(str(ULID()), runs)
        with self._engine.lock, self._lock:
            self._runs[run.pipeline_execution_id] = run
            for node_run in runs:
                if not node_run.node.dependencies:
                    self._launch(run, node_run, None)
        return run

    def _prepare(self, node: PlanNode) -> NodeRun:
        if node.name is not None:
            view = self._views.get(node.name)
            node.name = view.full_name
            return NodeRun(node, view=view)
        assert node.query_id is not None
        query = self._queries.get(node.query_id)
        if query.is_archived:
            raise ApiError(403, NOT_ALLOWED_EXECUTE)
        sql, values = bind_parameters(query.query_sql, query.parameters, node.query_parameters)
        return NodeRun(node, sql, values)

    def _launch(self, run: PipelineRun, node_run: NodeRun, at_ns: int | None) -> None:
        node = node_run.node
        if node_run.view is not None:
            ex = self._views.submit(node_run.view, node.performance, at_ns)
        elif at_ns is None:
            assert node.query_id is not None
            ex = self._engine.submit(node.query_id, node_run.sql, node_run.values, node.performance)
        else:
            assert node.query_id is not None
            ex = self._engine.enqueue(
                node.query_id, node_run.sql, node_run.values, node.performance, at_ns
            )
        node_run.execution = ex
        self._by_execution[ex.execution_id] = run

    def _on_finalize(self, ex: Execution) -> None:
        """Engine hook (its lock held): start every node whose dependencies have all succeeded."""
        with self._lock:
            run = self._by_execution.get(ex.execution_id)
            if run is None or ex.final_state not in WITH_RESULT:
                return
            done = {
                n.node.id
                for n in run.nodes
                if n.execution is not None and n.execution.final_state in WITH_RESULT
            }
            for node_run in run.nodes:
                deps = node_run.node.dependencies
                if node_run.execution is None and deps and all(d in done for d in deps):
                    self._launch(run, node_run, ex.ended_ns)

    def get(self, pipeline_execution_id: str) -> PipelineRun | None:
        with self._lock:
            return self._runs.get(pipeline_execution_id)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()
            self._by_execution.clear()

    def status(self, run: PipelineRun) -> dict[str, Any]:
        """The wire status: overall state, error summary and one entry per node."""
        self._engine.catch_up()  # catch up with the clock: finishes nodes, starts the next ones
        with self._engine.lock, self._lock:
            now = self._engine.now_ns()
            states: dict[int, str] = {}
            errors: dict[int, str] = {}
            for node_run in run.nodes:  # dependency order, so skips propagate in one pass
                node, ex = node_run.node, node_run.execution
                if ex is not None:
                    states[node.id] = self._engine.state_of(ex, now)
                    if states[node.id] == FAILED:
                        errors[node.id] = _error_text(ex)
                    elif states[node.id] == CANCELLED:
                        errors[node.id] = "the node's execution was cancelled"
                    continue
                bad = [
                    d for d in node.dependencies if states.get(d) in (FAILED, CANCELLED, SKIPPED)
                ]
                if bad:
                    states[node.id] = SKIPPED
                    errors[node.id] = f"not run: dependency node {bad[0]} did not complete"
                else:
                    states[node.id] = PENDING
            out_nodes = [_node_status(n, states, errors) for n in run.nodes]
        if all(s in TERMINAL or s == SKIPPED for s in states.values()):
            overall = "completed"
        elif any(_has_started(n.execution, now) for n in run.nodes):
            overall = "executing"
        else:
            overall = "pending"
        body: dict[str, Any] = {"status": overall, "node_executions": out_nodes}
        failed = [i for i, s in states.items() if s in (FAILED, CANCELLED)]
        if failed:
            body["error"] = "; ".join(f"node {i}: {errors[i]}" for i in failed)
        return body


def _has_started(ex: Execution | None, now: int) -> bool:
    if ex is None:
        return False
    started = ex.started_ns
    return ex.final_state is not None or (started is not None and started <= now)


def _error_text(ex: Execution) -> str:
    err = ex.error or {}
    return str(err.get("message") or "the query failed")


def _node_status(
    node_run: NodeRun, states: dict[int, str], errors: dict[int, str]
) -> dict[str, Any]:
    node = node_run.node
    inner: dict[str, Any] = {"status": states[node.id]}
    if node.name is not None:
        inner["name"] = node.name
        key = "materialized_view_refresh_status"
    else:
        inner["query_id"] = node.query_id
        key = "query_execution_status"
    if node_run.execution is not None:
        inner["execution_id"] = node_run.execution.execution_id
    if node.id in errors:
        inner["error"] = errors[node.id]
    return {"id": node.id, key: inner}
