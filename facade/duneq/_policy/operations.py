"""The one billing table: every operation of the spec (its ``operationId``, which names the
generated endpoint module) with its method and path template, its retry class and its
rate-limit bucket. The request builders look an operation up by name; the low-level transport
and ``request()``, which only have a method and a path, match them against the templates.

``kind`` "billed": the call starts a run, so the client's ledger reserves one execution's
estimated credits before it is sent (the only charge made before an answer) and it is never
retried once it may have reached the server. Bucket "low" is Dune's quota for writes and
executions, "high" the one for reads (cancel counts as a read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .retry import RequestKind

Bucket = Literal["low", "high"]


@dataclass(frozen=True)
class Operation:
    """One operation: ``name`` is the spec's operationId (None for a path the spec lacks)."""

    name: str | None
    method: str
    template: str
    kind: RequestKind
    bucket: Bucket

    @property
    def billed(self) -> bool:
        """Whether sending it reserves an execution's credits."""
        return self.kind == "billed"


#: Every operation of openapi/dune.yaml: operationId, method, path template, retry class and
#: bucket (tests/test_operations.py checks them against the spec).
# fmt: off
_TABLE: tuple[tuple[str, str, str, RequestKind, Bucket], ...] = (
    # executions
    ("execute_query", "POST", "/v1/query/{query_id}/execute", "billed", "low"),
    ("execute_sql", "POST", "/v1/sql/execute", "billed", "low"),
    ("get_execution_status", "GET", "/v1/execution/{execution_id}/status", "idempotent", "high"),
    ("get_execution_results", "GET", "/v1/execution/{execution_id}/results", "idempotent", "high"),
    ("get_execution_results_csv", "GET", "/v1/execution/{execution_id}/results/csv", "idempotent", "high"),
    ("get_latest_query_results", "GET", "/v1/query/{query_id}/results", "idempotent", "high"),
    ("get_latest_query_results_csv", "GET", "/v1/query/{query_id}/results/csv", "idempotent", "high"),
    # a second cancel of the same run changes nothing; Dune counts it as a read
    ("cancel_execution", "POST", "/v1/execution/{execution_id}/cancel", "idempotent", "high"),
    # pipelines
    ("get_query_pipeline", "GET", "/v1/query/{query_id}/pipeline", "idempotent", "high"),
    ("execute_query_pipeline", "POST", "/v1/query/{query_id}/pipeline/execute", "billed", "low"),
    ("execute_pipeline", "POST", "/v1/pipelines/execute", "billed", "low"),
    ("get_pipeline_execution_status", "GET", "/v1/pipelines/executions/{pipeline_execution_id}/status", "idempotent", "high"),
    # queries: archive and privacy flips set a state, so repeating one changes nothing
    ("list_queries", "GET", "/v1/queries", "idempotent", "high"),
    ("create_query", "POST", "/v1/query", "unsafe", "low"),
    ("get_query", "GET", "/v1/query/{query_id}", "idempotent", "high"),
    ("update_query", "PATCH", "/v1/query/{query_id}", "idempotent", "low"),
    ("archive_query", "POST", "/v1/query/{query_id}/archive", "idempotent", "low"),
    ("unarchive_query", "POST", "/v1/query/{query_id}/unarchive", "idempotent", "low"),
    ("make_query_private", "POST", "/v1/query/{query_id}/private", "idempotent", "low"),
    ("make_query_public", "POST", "/v1/query/{query_id}/unprivate", "idempotent", "low"),
    # uploads: a CSV upload replaces its table, clear and delete leave the same state;
    # creating a table and appending rows must not happen twice
    ("list_uploads", "GET", "/v1/uploads", "idempotent", "high"),
    ("create_upload", "POST", "/v1/uploads", "unsafe", "low"),
    ("upload_csv", "POST", "/v1/uploads/csv", "idempotent", "low"),
    ("insert_upload_rows", "POST", "/v1/uploads/{namespace}/{table_name}/insert", "unsafe", "low"),
    ("clear_upload", "POST", "/v1/uploads/{namespace}/{table_name}/clear", "idempotent", "low"),
    ("delete_upload", "DELETE", "/v1/uploads/{namespace}/{table_name}", "idempotent", "low"),
    # materialized views: an upsert and a refresh start a run
    ("list_materialized_views", "GET", "/v1/materialized-views", "idempotent", "high"),
    ("upsert_materialized_view", "POST", "/v1/materialized-views", "billed", "low"),
    ("get_materialized_view", "GET", "/v1/materialized-views/{name}", "idempotent", "high"),
    ("delete_materialized_view", "DELETE", "/v1/materialized-views/{name}", "idempotent", "low"),
    ("refresh_materialized_view", "POST", "/v1/materialized-views/{name}/refresh", "billed", "low"),
    # usage is a POST that only reads
    ("get_usage", "POST", "/v1/usage", "idempotent", "low"),
    ("list_datasets", "GET", "/v1/datasets", "idempotent", "high"),
    ("get_dataset", "GET", "/v1/datasets/{slug}", "idempotent", "high"),
    ("get_custom_endpoint_results", "GET", "/v1/endpoints/{handle}/{endpoint_slug}/results", "idempotent", "high"),
)
# fmt: on
OPERATIONS: dict[str, Operation] = {row[0]: Operation(*row) for row in _TABLE}

_PARAM = re.compile(r"\\\{[a-z_]+\\\}")
_MATCHERS: list[tuple[str, re.Pattern[str], Operation]] = [
    (op.method, re.compile(_PARAM.sub("[^/]+", re.escape(op.template))), op)
    for op in OPERATIONS.values()
]


def operation(name: str) -> Operation:
    """The table's entry for ``name`` (a generated endpoint module's name)."""
    return OPERATIONS[name]


def operation_of(method: str, path: str) -> Operation:
    """The operation a request is, by its method and its path under ``{base}/api``
    (``/v1/...``). A path the spec lacks (the legacy ``/v1/table/*`` routes, a newer endpoint)
    gets the cautious default: a POST is unsafe (never retried once sent, never charged),
    anything else idempotent; writes go to the "low" bucket."""
    verb = method.upper()
    path = path.rstrip("/") or "/"
    for wanted, pattern, op in _MATCHERS:
        if wanted == verb and pattern.fullmatch(path):
            return op
    kind: RequestKind = "unsafe" if verb == "POST" else "idempotent"
    return Operation(None, verb, path, kind, "high" if verb == "GET" else "low")


def bucket_of(method: str, path: str, name: str | None = None) -> Bucket:
    """The rate-limit bucket of a request (of operation ``name``, when the builder said)."""
    if name is not None:
        return OPERATIONS[name].bucket
    return operation_of(method, path).bucket
