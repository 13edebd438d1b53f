"""Sans-IO actions exchanged between flows and drivers, and the request builders of every call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dune_api.api.executions import (
    cancel_execution as _cancel_execution,
)
from dune_api.api.executions import (
    execute_query as _execute_query,
)
from dune_api.api.executions import (
    execute_sql as _execute_sql,
)
from dune_api.api.executions import (
    get_execution_results as _get_execution_results,
)
from dune_api.api.executions import (
    get_execution_results_csv as _get_execution_results_csv,
)
from dune_api.api.executions import (
    get_execution_status as _get_execution_status,
)
from dune_api.api.executions import (
    get_latest_query_results as _get_latest_query_results,
)
from dune_api.models import ExecuteQueryRequest, ExecuteSqlRequest

from ._retry import FailureKind, RequestKind


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``path`` is relative to ``{base}/api`` (it starts with ``/v1/``)."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    kind: RequestKind = "read"
    execution_id: str | None = None
    #: Deliver a successful body as ``RawResponse.chunks`` (small network-sized pieces) instead
    #: of one joined ``content``: CSV pages are copied to a sink and never need to be contiguous.
    stream: bool = False

    @property
    def display_path(self) -> str:
        """The path as it appears on the wire, used in error messages (never with a key)."""
        return "/api" + self.path


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to sleep (time.sleep or asyncio.sleep, or an injected one)."""

    seconds: float


@dataclass(frozen=True)
class RawResponse:
    """What a driver returns for a completed HTTP exchange."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    #: The body of a successful ``Request(stream=True)`` exchange (``content`` is then empty).
    chunks: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class TransportFailure:
    """What a driver returns when no response arrived; ``kind`` drives the retry rule."""

    kind: FailureKind
    detail: str


Action = Request | Sleep
Reply = RawResponse | TransportFailure | None


def from_generated(kwargs: Mapping[str, Any], **extra: Any) -> Request:
    """Turn a generated ``_get_kwargs`` dict into a Request (same URL template and body)."""
    return Request(
        method=str(kwargs["method"]).upper(),
        path=str(kwargs["url"]),
        params=_text_params(kwargs.get("params")),
        json=kwargs.get("json"),
        **extra,
    )


def _text_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if params is None:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def execute_query_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    body: dict[str, Any] = {"query_parameters": dict(params)}
    if performance is not None:
        body["performance"] = performance
    model = ExecuteQueryRequest.from_dict(body)
    return from_generated(_execute_query._get_kwargs(query_id, body=model), kind="execute")


def execute_sql_request(sql: str, params: Mapping[str, Any], performance: str | None) -> Request:
    body: dict[str, Any] = {"sql": sql}
    if params:
        body["query_parameters"] = dict(params)
    if performance is not None:
        body["performance"] = performance
    model = ExecuteSqlRequest.from_dict(body)
    return from_generated(_execute_sql._get_kwargs(body=model), kind="execute")


def status_request(execution_id: str) -> Request:
    kwargs = _get_execution_status._get_kwargs(execution_id)
    return from_generated(kwargs, execution_id=execution_id)


def cancel_request(execution_id: str) -> Request:
    kwargs = _cancel_execution._get_kwargs(execution_id)
    return from_generated(kwargs, execution_id=execution_id)


def results_request(execution_id: str, params: Mapping[str, str], *, csv: bool = False) -> Request:
    module = _get_execution_results_csv if csv else _get_execution_results
    kwargs = module._get_kwargs(execution_id)
    return from_generated({**kwargs, "params": dict(params)}, execution_id=execution_id, stream=csv)


def latest_results_request(query_id: int, params: Mapping[str, str]) -> Request:
    kwargs = _get_latest_query_results._get_kwargs(query_id)
    return from_generated({**kwargs, "params": dict(params)})
