"""``duneq pipeline``: show a query's lineage (``--plan``) or run it, one line per node.

Node lines (the plan, and each node's final state) are data and go to stdout; the live progress,
the cost/time summary and errors go to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from duneq import (
    DuneError,
    ExecutionTimeout,
    NodeStatus,
    Pipeline,
    PipelineEvent,
    PipelineFailed,
    PipelineNode,
)

from .errors import EXIT_QUERY_FAILED, EXIT_TIMEOUT
from .progress import Board, plural

if TYPE_CHECKING:
    from duneq import Client, ExecutionStatus, PipelineRun


def plan_line(node: PipelineNode) -> str:
    """``node 2: refresh dune.team.result_x after node 1 [medium]``."""
    deps = f" after node {', '.join(map(str, node.dependencies))}" if node.dependencies else ""
    perf = f" [{node.performance}]" if node.performance else ""
    return f"node {node.id}: {node.label}{deps}{perf}"


def plan_lines(query_id: int, pipeline: Pipeline) -> list[str]:
    """The lineage, one line per node in run order, under a header."""
    lines = [f"pipeline of query {query_id}: {plural(len(pipeline.nodes), 'node')}, in run order"]
    lines += [f"  {plan_line(node)}" for node in pipeline.nodes]
    return lines


def node_line(node: NodeStatus, status: ExecutionStatus | None = None) -> str:
    """``node 1 refresh dune.team.result_x: QUERY_STATE_COMPLETED [EXECUTION_ID] 1.2s``."""
    parts = [f"node {node.id} {node.label}: {node.state}"]
    if node.execution_id:
        parts.append(f"[{node.execution_id}]")
    if status is not None:
        started, ended = status.execution_started_at, status.execution_ended_at
        if started is not None and ended is not None:
            parts.append(f"{(ended - started).total_seconds():.1f}s")
        if status.execution_cost_credits:
            parts.append(plural(status.execution_cost_credits, "credit"))
    if node.error and (node.is_failed or node.is_skipped):
        parts.append(f"-- {node.error}")
    return " ".join(parts)


class PipelineProgress:
    """An ``on_progress`` callback: one board line per node, plus an elapsed/polls header."""

    def __init__(self, board: Board, pipeline_execution_id: str) -> None:
        self._board = board
        self._pid = pipeline_execution_id
        self._polls = 0
        self._elapsed = 0.0
        self._received = time.monotonic()
        self._board.update("pipeline", self._header, "pipeline")

    def _header(self) -> str:
        elapsed = self._elapsed + time.monotonic() - self._received
        return f"pipeline {self._pid} elapsed={elapsed:.1f}s polls={self._polls}"

    def __call__(self, event: PipelineEvent) -> None:
        self._polls, self._elapsed, self._received = event.polls, event.elapsed, time.monotonic()
        self._board.update("pipeline", self._header, "pipeline")
        for node in event.nodes:
            self._board.update(
                f"node-{node.id}", _constant(node_line(node)), (node.state, node.execution_id)
            )


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


def _statuses(client: Client, nodes: Sequence[NodeStatus]) -> dict[int, ExecutionStatus]:
    """Each started node's execution status (free), for durations and cost."""
    out: dict[int, ExecutionStatus] = {}
    for node in nodes:
        if node.execution_id is None:
            continue
        try:
            out[node.id] = client.get_status(node.execution_id)
        except DuneError:
            continue
    return out


def _report(
    args: argparse.Namespace, client: Client, nodes: Sequence[NodeStatus], started: float
) -> None:
    """One final line per node on stdout, then the cost/time summary on stderr."""
    statuses = _statuses(client, nodes)
    for node in nodes:
        print(node_line(node, statuses.get(node.id)))
    sys.stdout.flush()
    if args.quiet:
        return
    costs = [s.execution_cost_credits for s in statuses.values()]
    known = [c for c in costs if c is not None]
    credits = plural(sum(known), "credit") if known else "? credits"
    done = sum(1 for node in nodes if node.succeeded)
    nodes_text = "node" if len(nodes) == 1 else "nodes"
    print(
        f"cost: {credits}, {done}/{len(nodes)} {nodes_text} completed, "
        f"{time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )


def _refreshed(run: PipelineRun) -> Sequence[NodeStatus]:
    try:
        return run.status().nodes
    except DuneError:
        return run.nodes


def run_pipeline_command(
    args: argparse.Namespace, client: Client, params: dict[str, Any] | None, board: Board
) -> int:
    """``--plan`` prints the lineage; otherwise run the pipeline and follow it node by node."""
    if args.plan:
        board.close()
        plan = client.pipelines.get_query_pipeline(
            args.query_id, params, performance=args.performance
        )
        for line in plan_lines(args.query_id, plan):
            print(line)
        return 0
    started = time.monotonic()
    with board:
        run = client.pipelines.execute_query_pipeline(
            args.query_id, params, performance=args.performance, timeout=args.timeout
        )
        try:
            run.wait(
                args.timeout,
                on_progress=PipelineProgress(board, run.pipeline_execution_id),
                cancel_on_timeout=not args.no_cancel,
            )
        except PipelineFailed as exc:
            board.close()
            _report(args, client, exc.nodes, started)
            for node in exc.failed_nodes:
                what = "was cancelled" if node.state == "QUERY_STATE_CANCELLED" else "failed"
                error = f": {node.error}" if node.error else ""
                print(
                    f"error: node {node.id} ({node.label}) {what}{error} "
                    f"[execution_id={node.execution_id}]",
                    file=sys.stderr,
                )
            return EXIT_QUERY_FAILED
        except ExecutionTimeout as exc:
            board.close()
            _report(args, client, _refreshed(run), started)
            message = exc.message
            if args.timeout is not None:  # the wait had what the start left of --timeout
                message = message.replace(f"within {exc.timeout:g} s", f"within {args.timeout:g} s")
            print(
                f"error: {message} [pipeline_execution_id={run.pipeline_execution_id}]",
                file=sys.stderr,
            )
            return EXIT_TIMEOUT
    _report(args, client, run.nodes, started)
    return 0
