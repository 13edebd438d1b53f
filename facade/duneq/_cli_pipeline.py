"""``duneq pipeline``: show a query's lineage (``--plan``) or run it with one line per node.

Written against the pipelines API of ``Client.pipelines`` (``get_query_pipeline`` and
``execute_query_pipeline`` returning a run with ``wait(timeout, on_progress=...)``, ``nodes`` and
``failed_nodes``). Objects are read by attribute or key, so plain dicts work as well. When the
client has no ``pipelines`` yet, the command stops with a usage error instead of pretending.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._cli_errors import EXIT_QUERY_FAILED, UsageError
from ._cli_progress import Board

NOT_AVAILABLE = "pipelines are not available in this build"


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]``, else ``default``."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def pipelines_api(client: Any) -> Any:
    """The client's pipelines API, or a UsageError when this build has none."""
    api = getattr(client, "pipelines", None)
    if api is None:
        raise UsageError(NOT_AVAILABLE)
    return api


def describe_node(node: Any) -> str:
    """``node 2 <- [1]: query 1234`` or ``node 1: refresh dune.team.mv_name``."""
    node_id = get(node, "id")
    deps = list(get(node, "dependencies") or [])
    arrow = f" <- {deps}" if deps else ""
    refresh = get(node, "materialized_view_refresh")
    query = get(node, "query_execution")
    if refresh is not None:
        what = f"refresh {get(refresh, 'name')}"
    elif query is not None:
        what = f"query {get(query, 'query_id')}"
    else:
        what = "?"
    return f"node {node_id}{arrow}: {what}"


def _nodes(obj: Any) -> list[Any]:
    nodes = get(obj, "nodes")
    if nodes is None and get(obj, "pipeline") is not None:
        nodes = get(get(obj, "pipeline"), "nodes")
    return list(nodes or [])


def node_line(node: Any) -> str:
    """One progress line of a node: its id, what it runs, its state and execution id."""
    parts = [f"node {get(node, 'id')}"]
    for name in ("state", "execution_id"):
        value = get(node, name)
        if value is not None:
            parts.append(str(value))
    return " ".join(parts)


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


def run_pipeline_command(
    args: argparse.Namespace, client: Any, params: dict[str, Any] | None, board: Board
) -> int:
    """``--plan`` prints the lineage; otherwise run the pipeline and follow it node by node."""
    api = pipelines_api(client)
    if args.plan:
        board.close()
        plan = api.get_query_pipeline(args.query_id, params=params, performance=args.performance)
        nodes = _nodes(plan)
        print(f"pipeline of query {args.query_id}: {len(nodes)} node(s), in run order")
        for node in nodes:
            print(f"  {describe_node(node)}")
        return 0
    started = time.monotonic()
    with board:
        run = api.execute_query_pipeline(args.query_id, params=params, performance=args.performance)

        def on_progress(event: Any) -> None:
            for node in _nodes(event):
                line = node_line(node)
                board.update(f"node-{get(node, 'id')}", _constant(line), line)

        run.wait(args.timeout, on_progress=on_progress)
    for node in _nodes(run):
        print(node_line(node))
    failed = list(get(run, "failed_nodes") or [])
    seconds = time.monotonic() - started
    if failed:
        ids = ", ".join(str(get(node, "id")) for node in failed)
        run_id = get(run, "pipeline_execution_id")
        print(
            f"error: pipeline failed at node(s) {ids} [pipeline_execution_id={run_id}]",
            file=sys.stderr,
        )
        return EXIT_QUERY_FAILED
    if not args.quiet:
        print(f"pipeline finished: {len(_nodes(run))} node(s), {seconds:.1f}s", file=sys.stderr)
    return 0
