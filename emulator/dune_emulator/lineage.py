"""Pipeline plans: which materialized views a query reads, as a DAG in dependency order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request

_REF_RE = re.compile(r"\bdune\s*\.\s*([a-z0-9_]+)\s*\.\s*(result_[a-z0-9_]+)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")


@dataclass
class PlanNode:
    """One node: a view refresh (`name` set) or the query execution (`query_id` set)."""

    id: int
    dependencies: list[int]
    performance: str
    name: str | None = None
    query_id: int | None = None
    query_parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "materialized_view_refresh" if self.name is not None else "query_execution"

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "dependencies": list(self.dependencies)}
        if self.name is not None:
            out["materialized_view_refresh"] = {"name": self.name, "performance": self.performance}
        else:
            body: dict[str, Any] = {"query_id": self.query_id, "performance": self.performance}
            if self.query_parameters:
                body["query_parameters"] = dict(self.query_parameters)
            out["query_execution"] = body
        return out


def referenced_views(sql: str) -> list[str]:
    """Full names `dune.<team>.result_<x>` the SQL reads, in first-seen order (lower case)."""
    text = _PLACEHOLDER.sub("NULL", sql)
    found: list[str] = []
    try:
        import sqlglot
        from sqlglot import exp

        for statement in sqlglot.parse(text, read="trino"):
            if statement is None:
                continue
            found.extend(
                f"dune.{t.db.lower()}.{t.name.lower()}"
                for t in statement.find_all(exp.Table)
                if t.catalog.lower() == "dune" and t.name.lower().startswith("result_")
            )
    except Exception:  # not parseable as Trino: fall back to the name pattern
        found = [f"dune.{m.group(1).lower()}.{m.group(2).lower()}" for m in _REF_RE.finditer(text)]
    return list(dict.fromkeys(found))


def build_plan(
    query_id: int,
    query_sql: str,
    performance: str,
    params: dict[str, Any],
    view_sql: Callable[[str], str | None],
) -> list[PlanNode]:
    """Views first (post-order, shared ones once), the query last. `view_sql(full)` gives a
    view's query SQL, or None when the name is not a view. A cycle is a 400."""
    nodes: list[PlanNode] = []
    ids: dict[str, int] = {}
    visiting: list[str] = []

    def deps_of(sql: str) -> list[int]:
        out = []
        for ref in referenced_views(sql):
            inner = view_sql(ref)
            if inner is None:
                continue
            out.append(visit(ref, inner))
        return list(dict.fromkeys(out))

    def visit(name: str, sql: str) -> int:
        if name in visiting:
            loop = [*visiting[visiting.index(name) :], name]
            raise bad_request(f"pipeline has a cycle: {' -> '.join(loop)}")
        if name in ids:
            return ids[name]
        visiting.append(name)
        deps = deps_of(sql)
        visiting.pop()
        node = PlanNode(len(nodes) + 1, deps, performance, name=name)
        nodes.append(node)
        ids[name] = node.id
        return node.id

    root_deps = deps_of(query_sql)
    nodes.append(
        PlanNode(
            len(nodes) + 1, root_deps, performance, query_id=query_id, query_parameters=dict(params)
        )
    )
    return nodes


def parse_plan(raw: Any) -> list[PlanNode]:
    """Check an explicit `{"nodes": [...]}` definition: unique ids, known dependencies, one kind
    per node, no cycle. Returns the nodes in a dependency order."""
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list) or not raw["nodes"]:
        raise bad_request("pipeline must be an object with a non-empty list of nodes")
    nodes: dict[int, PlanNode] = {}
    for item in raw["nodes"]:
        node = _parse_node(item)
        if node.id in nodes:
            raise bad_request(f"duplicate pipeline node id {node.id}")
        nodes[node.id] = node
    for node in nodes.values():
        unknown = [d for d in node.dependencies if d not in nodes]
        if unknown:
            raise bad_request(f"node {node.id} depends on unknown node(s) {unknown}")
    order: list[PlanNode] = []
    state: dict[int, int] = {}  # 1 visiting, 2 done

    def visit(node_id: int, path: list[int]) -> None:
        if state.get(node_id) == 2:
            return
        if state.get(node_id) == 1:
            loop = [*path[path.index(node_id) :], node_id]
            raise bad_request(f"pipeline has a cycle: nodes {' -> '.join(map(str, loop))}")
        state[node_id] = 1
        for dep in nodes[node_id].dependencies:
            visit(dep, [*path, node_id])
        state[node_id] = 2
        order.append(nodes[node_id])

    for node_id in sorted(nodes):
        visit(node_id, [])
    return order


def _parse_node(item: Any) -> PlanNode:
    if not isinstance(item, dict):
        raise bad_request("each pipeline node must be an object")
    node_id, deps = item.get("id"), item.get("dependencies") or []
    if not isinstance(node_id, int) or isinstance(node_id, bool):
        raise bad_request("each pipeline node needs an integer id")
    if not isinstance(deps, list) or not all(isinstance(d, int) for d in deps):
        raise bad_request(f"node {node_id}: dependencies must be a list of node ids")
    qe, mv = item.get("query_execution"), item.get("materialized_view_refresh")
    if (qe is None) == (mv is None):
        raise bad_request(
            f"node {node_id}: set exactly one of query_execution and materialized_view_refresh"
        )
    spec = qe if qe is not None else mv
    if not isinstance(spec, dict):
        raise bad_request(f"node {node_id}: the node body must be an object")
    performance = spec.get("performance") or "medium"
    if performance not in ("medium", "large"):
        raise bad_request(f"node {node_id}: invalid performance {performance!r}")
    if mv is not None:
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request(f"node {node_id}: materialized_view_refresh needs a name")
        return PlanNode(node_id, list(deps), performance, name=name)
    query_id, params = spec.get("query_id"), spec.get("query_parameters") or {}
    if not isinstance(query_id, int) or isinstance(query_id, bool):
        raise bad_request(f"node {node_id}: query_execution needs an integer query_id")
    if not isinstance(params, dict):
        raise bad_request(f"node {node_id}: query_parameters must be an object")
    return PlanNode(node_id, list(deps), performance, query_id=query_id, query_parameters=params)
