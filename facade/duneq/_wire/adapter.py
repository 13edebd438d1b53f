"""The one fence to the generated client: every request is built by a generated, typed
``build_request`` and every response body is read through a generated model (``*_from_wire``).

No other facade module imports ``dune_api``. A renamed operation, parameter or field in the
spec therefore breaks this module at import or under ``mypy --strict``, never silently. Each
generated endpoint and model module is imported inside the function that needs it, so a client
loads only the resources it uses (``import duneq`` loads a handful of generated modules, not
all of them); the values a model holds pass through ``_wire.coerce``, which reads wrong kinds as None.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import httpx
import orjson

from .._options import ResultOptions
from .._policy.operations import operation
from .._protocol import ChunkSink, Request
from .._states import parse_state
from . import coerce as co
from .models import (
    LOCATION,
    BillingPeriod,
    CreatedTable,
    CsvUpload,
    Dataset,
    ExecutionStatus,
    MaterializedView,
    PageMetadata,
    QueryError,
    SavedQuery,
    TableColumn,
    UploadedTable,
    Usage,
    parse_timestamp,
)
from .pipeline_models import (
    KINDS,
    NodeStatus,
    Pipeline,
    PipelineNode,
    PipelineStatus,
    parse_node_state,
    parse_pipeline_state,
)

if TYPE_CHECKING:
    import dune_api
    import msgspec
    from dune_api.models.dataset_column import DatasetColumn
    from dune_api.models.execution_result_metadata import ExecutionResultMetadata
    from dune_api.models.performance import Performance
    from dune_api.models.pipeline_node import PipelineNode as WirePipelineNode
    from dune_api.models.query_result_error import QueryResultError
    from dune_api.models.uploaded_table_column import UploadedTableColumn
    from dune_api.types import Unset

M = TypeVar("M")

#: The generated client type, configured by the facade and handed out as ``dune.lowlevel``
#: (named, not imported: the generated package and attrs load on first use).
LowLevelClient: TypeAlias = "dune_api.Client"


def build_client(
    base_url: str,
    timeout: httpx.Timeout,
    headers: Mapping[str, str],
    httpx_args: Mapping[str, Any],
) -> LowLevelClient:
    """The generated client on ``{base}/api`` with the facade's timeout, headers and auth."""
    import dune_api

    return dune_api.Client(
        base_url=base_url, timeout=timeout, headers=dict(headers), httpx_args=dict(httpx_args)
    )


def _request(
    endpoint: ModuleType,
    kwargs: Mapping[str, Any],
    *,
    execution_id: str | None = None,
    sink: ChunkSink | None = None,
    extra_params: Mapping[str, str] | None = None,
) -> Request:
    """A generated ``build_request`` result as a sans-IO Request (same URL, params and body);
    its retry class and bucket are the billing table's entry for the ``endpoint`` module."""
    op = operation(endpoint.__name__.rpartition(".")[2])
    params = _text_params(kwargs.get("params"))
    if extra_params:
        params = {**(params or {}), **extra_params}
    content = kwargs.get("content")
    if content is not None and not isinstance(content, bytes):
        content = content.read()  # a generated File payload (we always hand it a BytesIO)
    headers = kwargs.get("headers") if content is not None else None
    return Request(
        method=str(kwargs["method"]).upper(),
        path=str(kwargs["url"]),
        params=params,
        json=kwargs.get("json"),
        content=content,
        headers=dict(headers) if headers else None,
        kind=op.kind,
        operation=op.name,
        execution_id=execution_id,
        sink=sink,
    )


def _text_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if params is None:
        return None
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in params.items()
    }


def _perf(performance: str | None) -> Performance | Unset:
    from dune_api.models.performance import Performance
    from dune_api.types import UNSET

    return UNSET if performance is None else Performance(performance)


def _opt(value: Any) -> Any:
    from dune_api.types import UNSET

    return UNSET if value is None else value


# -- executions --------------------------------------------------------------------------------


def execute_query_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``POST /v1/query/{id}/execute``; parameters go in the JSON body."""
    from dune_api.api.executions import execute_query
    from dune_api.models.execute_query_request import ExecuteQueryRequest
    from dune_api.models.execute_query_request_query_parameters import (
        ExecuteQueryRequestQueryParameters,
    )

    body = ExecuteQueryRequest(
        performance=_perf(performance),
        query_parameters=ExecuteQueryRequestQueryParameters.from_dict(dict(params)),
    )
    return _request(execute_query, execute_query.build_request(query_id, body=body))


def execute_sql_request(sql: str, params: Mapping[str, Any], performance: str | None) -> Request:
    """``POST /v1/sql/execute``."""
    from dune_api.api.executions import execute_sql
    from dune_api.models.execute_sql_request import ExecuteSqlRequest

    body = ExecuteSqlRequest(sql=sql, performance=_perf(performance))
    if params:
        body["query_parameters"] = dict(params)
    return _request(execute_sql, execute_sql.build_request(body=body))


def status_request(execution_id: str) -> Request:
    from dune_api.api.executions import get_execution_status

    return _request(
        get_execution_status,
        get_execution_status.build_request(execution_id),
        execution_id=execution_id,
    )


def cancel_request(execution_id: str) -> Request:
    from dune_api.api.executions import cancel_execution

    return _request(
        cancel_execution, cancel_execution.build_request(execution_id), execution_id=execution_id
    )


def _flag(value: bool) -> bool | Unset:
    from dune_api.types import UNSET

    return True if value else UNSET


def results_request(
    execution_id: str,
    options: ResultOptions,
    offset: int,
    limit: int | None,
    *,
    sink: ChunkSink | None = None,
    csv: bool = False,
) -> Request:
    """One page of ``/results`` (JSON) or, with a ``sink`` or ``csv``, ``/results/csv``."""
    from dune_api.api.executions import get_execution_results, get_execution_results_csv
    from dune_api.types import UNSET

    builder = get_execution_results_csv if sink is not None or csv else get_execution_results
    kwargs = builder.build_request(
        execution_id,
        limit=_opt(limit),
        offset=UNSET if limit is None else offset,
        columns=_opt(options.columns),
        filters=_opt(options.filters),
        sort_by=_opt(options.sort_by),
        sample_count=_opt(options.sample_count),
        allow_partial_results=_flag(options.partial != "error"),
        ignore_max_datapoints_per_request=_flag(options.ignore_datapoint_limit),
        ignore_max_credits_per_request=_flag(options.ignore_datapoint_limit),
    )
    return _request(builder, kwargs, execution_id=execution_id, sink=sink)


def endpoint_results_request(
    handle: str,
    slug: str,
    options: ResultOptions,
    offset: int,
    limit: int | None,
) -> Request:
    """One page of a custom endpoint's results: the same options and paging as ``/results``."""
    from dune_api.api.custom_endpoints import get_custom_endpoint_results
    from dune_api.types import UNSET

    kwargs = get_custom_endpoint_results.build_request(
        handle,
        slug,
        limit=_opt(limit),
        offset=UNSET if limit is None else offset,
        columns=_opt(options.columns),
        filters=_opt(options.filters),
        sort_by=_opt(options.sort_by),
        sample_count=_opt(options.sample_count),
        allow_partial_results=_flag(options.partial != "error"),
        ignore_max_datapoints_per_request=_flag(options.ignore_datapoint_limit),
        ignore_max_credits_per_request=_flag(options.ignore_datapoint_limit),
    )
    return _request(get_custom_endpoint_results, kwargs)


def latest_results_request(
    query_id: int, options: ResultOptions, params: Mapping[str, Any], limit: int
) -> Request:
    """``GET /v1/query/{id}/results`` for one row: the latest run with these parameters.
    Parameter values travel as ``params.<key>`` (names the spec cannot declare)."""
    from dune_api.api.executions import get_latest_query_results

    kwargs = get_latest_query_results.build_request(
        query_id,
        limit=limit,
        columns=_opt(options.columns),
        filters=_opt(options.filters),
        sort_by=_opt(options.sort_by),
        allow_partial_results=_flag(options.partial != "error"),
        ignore_max_datapoints_per_request=_flag(options.ignore_datapoint_limit),
        ignore_max_credits_per_request=_flag(options.ignore_datapoint_limit),
    )
    extra = {
        f"params.{key}": ",".join(value) if isinstance(value, list) else str(value)
        for key, value in params.items()
    }
    return _request(get_latest_query_results, kwargs, extra_params=extra)


# -- execution status and result pages ---------------------------------------------------------


def status_from_wire(data: Mapping[str, Any], execution_id: str | None = None) -> ExecutionStatus:
    """An execution's status from a status, execute or results body, read through the
    generated envelope model; raises KeyError/TypeError/ValueError on a wrong shape."""
    from dune_api.models.get_execution_status_response import GetExecutionStatusResponse
    from dune_api.types import Unset

    if not data.get("execution_id") and execution_id is not None:
        data = {**data, "execution_id": execution_id}
    model = GetExecutionStatusResponse.from_dict(data)
    if not isinstance(model.execution_id, str):
        raise KeyError("execution_id")
    error = model.error
    meta = model.result_metadata
    return ExecutionStatus(
        execution_id=model.execution_id,
        state=parse_state(model.state),
        query_id=co.integer(model.query_id),
        is_execution_finished=co.flag(model.is_execution_finished),
        queue_position=co.integer(model.queue_position),
        submitted_at=parse_timestamp(model.submitted_at),
        execution_started_at=parse_timestamp(model.execution_started_at),
        execution_ended_at=parse_timestamp(model.execution_ended_at),
        expires_at=parse_timestamp(model.expires_at),
        cancelled_at=parse_timestamp(model.cancelled_at),
        execution_cost_credits=co.number(model.execution_cost_credits),
        error=_query_error(error) if not isinstance(error, Unset | None) else None,
        result_metadata=_page_metadata(meta) if not isinstance(meta, Unset | None) else None,
        max_inflight_interactive_executions=co.integer(model.max_inflight_interactive_executions),
        max_inflight_interactive_reached=co.integer(model.max_inflight_interactive_reached),
    )


def _query_error(model: QueryResultError) -> QueryError:
    from dune_api.types import Unset

    message = co.text(model.message) or ""
    location = model.metadata
    line = column = None
    if not isinstance(location, Unset | None):
        line, column = co.integer(location.line), co.integer(location.column)
    found = LOCATION.match(message)
    if line is None and found:  # Trino messages start with "line L:C:"
        line, column = int(found.group(1)), int(found.group(2))
    kind = model.type_
    return QueryError(
        type=None if isinstance(kind, Unset) or kind is None else str(kind),
        message=message,
        line=line,
        column=column,
    )


def query_error_from_wire(data: object) -> QueryError | None:
    """An execution's ``error``: an object (or plain text) as a QueryError, else None."""
    from dune_api.models.query_result_error import QueryResultError

    if isinstance(data, str):
        return QueryError(type=None, message=data, line=None, column=None)
    if not isinstance(data, Mapping):
        return None
    return _query_error(_parse(QueryResultError.from_dict, data, "error"))


def _page_metadata(model: ExecutionResultMetadata) -> PageMetadata:
    return PageMetadata(
        column_names=co.texts(model.column_names),
        column_types=co.texts(model.column_types),
        row_count=co.integer(model.row_count),
        result_set_bytes=co.integer(model.result_set_bytes),
        total_row_count=co.integer(model.total_row_count),
        total_result_set_bytes=co.integer(model.total_result_set_bytes),
        datapoint_count=co.integer(model.datapoint_count),
        pending_time_millis=co.integer(model.pending_time_millis),
        execution_time_millis=co.integer(model.execution_time_millis),
    )


def page_metadata_from_wire(data: object) -> PageMetadata:
    """A page's (or a status's) result metadata; anything but an object reads as empty."""
    from dune_api.models.execution_result_metadata import ExecutionResultMetadata

    if not isinstance(data, Mapping):
        return PageMetadata()
    return _page_metadata(_parse(ExecutionResultMetadata.from_dict, data, "result metadata"))


@functools.cache
def _page_decoder() -> msgspec.json.Decoder[Any]:
    """The results-page envelope decoder, built on the first page (msgspec and attrs load then).

    The envelope's fields are the generated status model's, plus the page's own; only
    ``result.rows`` stays raw, so reading the envelope builds no object per row."""
    import attrs
    import msgspec
    from dune_api.models.get_execution_status_response import GetExecutionStatusResponse

    unset: Any = msgspec.UNSET
    result_part = msgspec.defstruct(
        "_ResultPart", [("rows", msgspec.Raw, unset), ("metadata", Any, unset)]
    )
    fields = [
        (f.name, Any, unset)
        for f in attrs.fields(GetExecutionStatusResponse)
        if f.name not in ("additional_properties", "result_metadata")
    ]
    part = msgspec.defstruct(
        "_PagePart",
        [
            *fields,
            ("result", result_part | None, unset),
            ("next_offset", Any, unset),
            ("next_uri", Any, unset),
        ],
    )
    return msgspec.json.Decoder(part)


class PageFormatError(ValueError):
    """The body is not a JSON object of the results shape (the caller names the request)."""


#: Stands in for a page's rows while the envelope around them is decoded (``_split_around``).
_ROWS_STAND_IN = b'"duneq:rows:stand-in"'
_JSON_SPACE = b" \t\r\n"


def _rows_span(content: bytes) -> tuple[int, int] | None:
    """Where a page's rows array seems to be: from the first ``"rows":`` to the ``]`` before
    the last ``"metadata":`` (Dune writes the rows first). A guess, proved by the caller."""
    start = content.find(b'"rows":')
    meta = content.rfind(b'"metadata":')
    if start < 0 or meta < start:
        return None
    start += 7
    while content[start] in _JSON_SPACE:
        start += 1
    end = meta - 1
    while content[end] in _JSON_SPACE:
        end -= 1
    if content[start] != 0x5B or content[end] != 0x2C:  # "[" ... ","
        return None
    end -= 1
    while content[end] in _JSON_SPACE:
        end -= 1
    return (start, end + 1) if content[end] == 0x5D and end > start else None  # "]"


def _split_around(content: bytes) -> tuple[Any, msgspec.Raw] | None:
    """The envelope decoded with a stand-in where the rows seem to be, and the rows' bytes
    as they are, so the rows (most of the page) are not scanned twice: once here and again
    when counted or decoded. None when the guess is not proved.

    Proof: the envelope is valid with the stand-in as the value of ``result.rows``, and the
    stand-in occurs nowhere else; then the page is that envelope with the rows' bytes as the
    value, and those bytes are checked as JSON when they are counted or decoded."""
    import msgspec

    span = _rows_span(content)
    if span is None:
        return None
    start, end = span
    head, tail = content[:start], content[end:]
    if _ROWS_STAND_IN in head or _ROWS_STAND_IN in tail:
        return None
    try:
        part = _page_decoder().decode(head + _ROWS_STAND_IN + tail)
    except msgspec.DecodeError:
        return None
    result = part.result
    if not result or bytes(memoryview(result.rows)) != _ROWS_STAND_IN:
        return None
    return part, msgspec.Raw(memoryview(content)[start:end])


def split_page(content: bytes) -> tuple[dict[str, Any], msgspec.Raw | None]:
    """Decode a results page once: the envelope as a dict (``result`` holds only
    ``metadata``) and the raw ``rows`` array, or None when it has none."""
    import msgspec

    raw: msgspec.Raw | None
    around = _split_around(content)
    if around is not None:
        part, raw = around
    else:
        try:
            part = _page_decoder().decode(content)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise PageFormatError(str(exc)) from None
        rows = part.result.rows if part.result else msgspec.UNSET
        raw = None if rows is msgspec.UNSET or bytes(memoryview(rows)[:4]) == b"null" else rows
    envelope = {
        name: value
        for name in part.__struct_fields__
        if name != "result" and (value := getattr(part, name)) is not msgspec.UNSET
    }
    result = part.result
    if result is None:
        envelope["result"] = None
    elif result is not msgspec.UNSET:
        envelope["result"] = (
            {} if result.metadata is msgspec.UNSET else {"metadata": result.metadata}
        )
    return envelope, raw


@functools.cache
def _any_json() -> msgspec.json.Decoder[Any]:
    import msgspec

    return msgspec.json.Decoder()


@functools.cache
def _row_spans() -> msgspec.json.Decoder[list[msgspec.Raw]]:
    import msgspec

    return msgspec.json.Decoder(list[msgspec.Raw])


def count_rows(raw: msgspec.Raw) -> int:
    """How many rows a raw ``rows`` array holds, checked as JSON without building them (a
    tenth of a decode)."""
    from msgspec import DecodeError

    try:
        return len(_row_spans().decode(memoryview(raw)))
    except DecodeError as exc:
        raise PageFormatError(f"result.rows is not a valid JSON list ({exc})") from None


def decode_rows(raw: msgspec.Raw | None) -> list[dict[str, Any]]:
    """The rows of a raw ``rows`` array, decoded with msgspec: every integer exact (orjson
    would turn one wider than 64 bits into a rounded float), and faster than orjson here."""
    from msgspec import DecodeError

    if raw is None:
        return []
    try:
        rows = _any_json().decode(memoryview(raw))
    except DecodeError as exc:
        raise PageFormatError(f"result.rows is not valid JSON ({exc})") from None
    if not isinstance(rows, list):
        raise PageFormatError(f"result.rows is not a list but {type(rows).__name__}")
    return rows


# -- queries -----------------------------------------------------------------------------------


def create_query_request(
    name: str,
    query_sql: str,
    *,
    description: str | None,
    is_private: bool,
    parameters: Sequence[Mapping[str, Any]] | None,
    tags: Sequence[str] | None,
) -> Request:
    """``POST /v1/query``: not idempotent (a retry could create a second query)."""
    from dune_api.api.queries import create_query
    from dune_api.models.create_query_request import CreateQueryRequest
    from dune_api.models.parameter import Parameter
    from dune_api.types import UNSET

    body = CreateQueryRequest(
        name=name,
        query_sql=query_sql,
        description=_opt(description),
        is_private=is_private,
        parameters=UNSET
        if parameters is None
        else [Parameter.from_dict(dict(p)) for p in parameters],
        tags=UNSET if tags is None else list(tags),
    )
    return _request(create_query, create_query.build_request(body=body))


def update_query_request(query_id: int, fields: Mapping[str, Any]) -> Request:
    """``PATCH /v1/query/{id}`` with only the given fields (an empty list clears)."""
    from dune_api.api.queries import update_query
    from dune_api.models.update_query_request import UpdateQueryRequest

    body = UpdateQueryRequest.from_dict(dict(fields))
    return _request(update_query, update_query.build_request(query_id, body=body))


def get_query_request(query_id: int) -> Request:
    from dune_api.api.queries import get_query

    return _request(get_query, get_query.build_request(query_id))


def query_action_request(query_id: int, action: str) -> Request:
    """archive / unarchive / private / unprivate: idempotent state changes."""
    from dune_api.api.queries import (
        archive_query,
        make_query_private,
        make_query_public,
        unarchive_query,
    )

    endpoints = {
        "archive": archive_query,
        "unarchive": unarchive_query,
        "private": make_query_private,
        "unprivate": make_query_public,
    }
    endpoint = endpoints[action]
    return _request(endpoint, endpoint.build_request(query_id))


def list_queries_request(limit: int, offset: int) -> Request:
    from dune_api.api.queries import list_queries

    return _request(list_queries, list_queries.build_request(limit=limit, offset=offset))


# -- materialized views ------------------------------------------------------------------------


def upsert_matview_request(
    name: str,
    query_id: int,
    *,
    cron_expression: str | None,
    performance: str | None,
    is_private: bool | None,
    expires_at: str | None,
) -> Request:
    """``POST /v1/materialized-views``: it starts a refresh, which is billed."""
    from dune_api.api.materialized_views import upsert_materialized_view
    from dune_api.models.upsert_materialized_view_request import UpsertMaterializedViewRequest

    body = UpsertMaterializedViewRequest(
        name=name,
        query_id=query_id,
        cron_expression=_opt(cron_expression),
        expires_at=_opt(expires_at),
        is_private=_opt(is_private),
        performance=_perf(performance),
    )
    return _request(upsert_materialized_view, upsert_materialized_view.build_request(body=body))


def refresh_matview_request(name: str, performance: str | None) -> Request:
    from dune_api.api.materialized_views import refresh_materialized_view
    from dune_api.models.refresh_materialized_view_request import (
        RefreshMaterializedViewRequest,
    )
    from dune_api.types import UNSET

    body = (
        UNSET
        if performance is None
        else RefreshMaterializedViewRequest(performance=_perf(performance))
    )
    return _request(
        refresh_materialized_view, refresh_materialized_view.build_request(name, body=body)
    )


def list_matviews_request(limit: int, offset: int) -> Request:
    from dune_api.api.materialized_views import list_materialized_views

    return _request(
        list_materialized_views, list_materialized_views.build_request(limit=limit, offset=offset)
    )


def get_matview_request(name: str) -> Request:
    from dune_api.api.materialized_views import get_materialized_view

    return _request(get_materialized_view, get_materialized_view.build_request(name))


def delete_matview_request(name: str) -> Request:
    from dune_api.api.materialized_views import delete_materialized_view

    return _request(delete_materialized_view, delete_materialized_view.build_request(name))


# -- pipelines ---------------------------------------------------------------------------------


def query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``GET /v1/query/{id}/pipeline``; parameters travel as a URL-encoded JSON object."""
    from dune_api.api.pipelines import get_query_pipeline
    from dune_api.types import UNSET

    kwargs = get_query_pipeline.build_request(
        query_id,
        performance=_opt(performance),
        query_parameters=orjson.dumps(dict(params)).decode() if params else UNSET,
    )
    return _request(get_query_pipeline, kwargs)


def execute_query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str
) -> Request:
    """``POST /v1/query/{id}/pipeline/execute``: starts billed runs."""
    from dune_api.api.pipelines import execute_query_pipeline
    from dune_api.models.execute_query_pipeline_request import ExecuteQueryPipelineRequest
    from dune_api.models.execute_query_pipeline_request_query_parameters import (
        ExecuteQueryPipelineRequestQueryParameters,
    )
    from dune_api.types import UNSET

    body = ExecuteQueryPipelineRequest(
        performance=_perf(performance),
        query_parameters=ExecuteQueryPipelineRequestQueryParameters.from_dict(dict(params))
        if params
        else UNSET,
    )
    return _request(
        execute_query_pipeline, execute_query_pipeline.build_request(query_id, body=body)
    )


def execute_pipeline_request(pipeline: Mapping[str, Any]) -> Request:
    """``POST /v1/pipelines/execute`` with an explicit definition (its wire mapping)."""
    from dune_api.api.pipelines import execute_pipeline
    from dune_api.models.execute_pipeline_request import ExecutePipelineRequest
    from dune_api.models.pipeline import Pipeline as WirePipeline

    body = ExecutePipelineRequest(pipeline=WirePipeline.from_dict(dict(pipeline)))
    return _request(execute_pipeline, execute_pipeline.build_request(body=body))


def pipeline_status_request(pipeline_execution_id: str) -> Request:
    from dune_api.api.pipelines import get_pipeline_execution_status

    return _request(
        get_pipeline_execution_status,
        get_pipeline_execution_status.build_request(pipeline_execution_id),
    )


# -- uploads -----------------------------------------------------------------------------------

#: The deprecated ``/v1/table/*`` aliases of the upload routes: same bodies, older paths. The
#: spec no longer lists them, so the request is built by the current operation and re-pathed.
_LEGACY_PATHS = {
    "/v1/uploads/csv": "/v1/table/upload/csv",
}


def _legacy(req: Request, legacy: bool) -> Request:
    if not legacy:
        return req
    path = _LEGACY_PATHS.get(req.path)
    if path is None:
        path = (
            "/v1/table/create"
            if req.path == "/v1/uploads"
            else req.path.replace("/v1/uploads/", "/v1/table/", 1)
        )
    return Request(**{**req.__dict__, "path": path})


def list_uploads_request(limit: int, offset: int) -> Request:
    from dune_api.api.uploads import list_uploads

    return _request(list_uploads, list_uploads.build_request(limit=limit, offset=offset))


def create_upload_request(
    namespace: str,
    table_name: str,
    schema: Sequence[tuple[str, str, bool]],
    *,
    description: str | None,
    is_private: bool,
    legacy: bool = False,
) -> Request:
    """``POST /v1/uploads``: creating twice fails the second time, so it is retried only when
    it provably did not land."""
    from dune_api.api.uploads import create_upload
    from dune_api.models.create_upload_request import CreateUploadRequest
    from dune_api.models.upload_column import UploadColumn

    body = CreateUploadRequest(
        namespace=namespace,
        table_name=table_name,
        schema=[UploadColumn(name=n, type_=t, nullable=nl) for n, t, nl in schema],
        description=_opt(description),
        is_private=is_private,
    )
    return _legacy(_request(create_upload, create_upload.build_request(body=body)), legacy)


def upload_csv_request(
    table_name: str,
    data: str,
    *,
    description: str | None,
    is_private: bool,
    legacy: bool = False,
) -> Request:
    """``POST /v1/uploads/csv``: it replaces the table, so repeating it is harmless."""
    from dune_api.api.uploads import upload_csv
    from dune_api.models.upload_csv_request import UploadCsvRequest

    body = UploadCsvRequest(
        data=data, table_name=table_name, description=_opt(description), is_private=is_private
    )
    return _legacy(_request(upload_csv, upload_csv.build_request(body=body)), legacy)


def insert_rows_request(
    namespace: str, table_name: str, content: bytes, media_type: str, *, legacy: bool = False
) -> Request:
    """``POST .../insert`` with one CSV or NDJSON chunk: appends, so a retry after the body was
    sent could write the rows twice (never retried once sent)."""
    import io

    from dune_api.api.uploads import insert_upload_rows
    from dune_api.types import File

    kwargs = insert_upload_rows.build_request(
        namespace, table_name, body=File(payload=io.BytesIO(content), mime_type=media_type)
    )
    kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": media_type}
    return _legacy(_request(insert_upload_rows, kwargs), legacy)


def clear_upload_request(namespace: str, table_name: str, *, legacy: bool = False) -> Request:
    from dune_api.api.uploads import clear_upload

    return _legacy(
        _request(clear_upload, clear_upload.build_request(namespace, table_name)), legacy
    )


def delete_upload_request(namespace: str, table_name: str, *, legacy: bool = False) -> Request:
    from dune_api.api.uploads import delete_upload

    return _legacy(
        _request(delete_upload, delete_upload.build_request(namespace, table_name)), legacy
    )


# -- usage and datasets ------------------------------------------------------------------------


def usage_request(start_date: str | None, end_date: str | None) -> Request:
    """``POST /v1/usage`` (a read, so idempotent despite the method)."""
    from dune_api.api.usage import get_usage
    from dune_api.models.usage_request import UsageRequest
    from dune_api.types import UNSET

    body = (
        UNSET
        if start_date is None and end_date is None
        else UsageRequest(start_date=_opt(start_date), end_date=_opt(end_date))
    )
    return _request(get_usage, get_usage.build_request(body=body))


def list_datasets_request(
    limit: int, offset: int, owner_handle: str | None, types: str | None
) -> Request:
    from dune_api.api.datasets import list_datasets

    return _request(
        list_datasets,
        list_datasets.build_request(
            limit=limit, offset=offset, owner_handle=_opt(owner_handle), type_=_opt(types)
        ),
    )


def get_dataset_request(slug: str) -> Request:
    from dune_api.api.datasets import get_dataset

    return _request(get_dataset, get_dataset.build_request(slug))


# -- response bodies ---------------------------------------------------------------------------


class WireShapeError(ValueError):
    """A body does not have the shape its generated model reads (the caller names the request)."""


def _parse(from_dict: Callable[[Mapping[str, Any]], M], data: object, what: str) -> M:
    """``data`` read by a generated model's ``from_dict``; a wrong shape is a WireShapeError."""
    if not isinstance(data, Mapping):
        raise WireShapeError(f"{what} is not a JSON object but {type(data).__name__}")
    try:
        return from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WireShapeError(f"{what} has a missing or malformed field ({exc!r})") from None


def _items(data: Mapping[str, Any], key: str, what: str) -> list[Any]:
    """The list under ``key`` (absent or null: empty), its non-object items dropped."""
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise WireShapeError(f"{what}: {key} is not a list")
    return [item for item in items if isinstance(item, Mapping)]


def _column(model: UploadedTableColumn | DatasetColumn) -> TableColumn:
    from dune_api.types import Unset

    nullable = co.flag(model.nullable)
    return TableColumn(
        name=str(model.name) if not isinstance(model.name, Unset) else "",
        type=str(model.type_) if not isinstance(model.type_, Unset) else "",
        nullable=True if nullable is None else nullable,
    )


# usage


def usage_from_wire(data: Mapping[str, Any]) -> Usage:
    """``POST /v1/usage`` through UsageResponse (billing periods that are not objects dropped)."""
    from dune_api.models.billing_period import BillingPeriod as WirePeriod
    from dune_api.models.usage_response import UsageResponse
    from dune_api.types import UNSET

    model = _parse(
        UsageResponse.from_dict, {**data, "billing_periods": UNSET}, "usage"
    )  # periods below, one by one
    periods = [
        _parse(WirePeriod.from_dict, p, "billing period")
        for p in _items(data, "billing_periods", "usage")
    ]
    return Usage(
        billing_periods=[
            BillingPeriod(
                _date(p.start_date),
                _date(p.end_date),
                co.number(p.credits_used),
                co.number(p.credits_included),
            )
            for p in periods
        ],
        bytes_used=co.integer(model.bytes_used),
        bytes_allowed=co.integer(model.bytes_allowed),
        private_queries=co.integer(model.private_queries),
        private_dashboards=co.integer(model.private_dashboards),
        raw=dict(data),
    )


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


# datasets


def dataset_from_wire(data: Mapping[str, Any]) -> Dataset:
    """One catalog entry through the generated Dataset; WireShapeError without ``full_name``."""
    from dune_api.models.dataset import Dataset as WireDataset
    from dune_api.models.dataset_column import DatasetColumn
    from dune_api.models.dataset_owner import DatasetOwner
    from dune_api.types import UNSET, Unset

    model = _parse(WireDataset.from_dict, {**data, "columns": UNSET}, "dataset")
    full = co.name(model.full_name)
    if full is None:
        raise WireShapeError("dataset has no full_name")
    meta = model.metadata
    # ``metadata`` is free-form in the spec: its description is one of its open keys
    description = (
        None if isinstance(meta, Unset) else co.text(meta.additional_properties.get("description"))
    )
    return Dataset(
        full_name=full,
        type=co.text(model.type_),
        is_private=co.flag(model.is_private),
        owner=co.text(model.owner.handle) if isinstance(model.owner, DatasetOwner) else None,
        description=description,
        columns=[
            _column(_parse(DatasetColumn.from_dict, c, "dataset column"))
            for c in _items(data, "columns", "dataset")
        ],
        created_at=co.text(model.created_at),
        updated_at=co.text(model.updated_at),
        raw=dict(data),
    )


def dataset_page_from_wire(data: Mapping[str, Any]) -> tuple[list[Dataset], int, int | None]:
    """A ``GET /v1/datasets`` page: its datasets, how many items it held, and ``total``."""
    from dune_api.models.list_datasets_response import ListDatasetsResponse
    from dune_api.types import UNSET

    if not isinstance(data.get("datasets"), list):
        raise WireShapeError("malformed dataset list: datasets is not a list")
    model = _parse(ListDatasetsResponse.from_dict, {**data, "datasets": UNSET}, "dataset list")
    items = data["datasets"]
    found = [dataset_from_wire(d) for d in items if isinstance(d, Mapping)]
    return found, len(items), co.integer(model.total)


# materialized views


def matview_from_wire(data: Mapping[str, Any]) -> MaterializedView:
    """A view body (``get``) through the generated MaterializedView; a ``list`` summary reads
    the same way (it has no schedule or executions). WireShapeError without ``sql_id``."""
    from dune_api.models.materialized_view import MaterializedView as WireView
    from dune_api.types import Unset

    model = _parse(WireView.from_dict, data, "materialized view")
    name = co.name(model.sql_id)
    if name is None:
        raise WireShapeError("materialized view has no sql_id")
    schedule = model.schedule
    cron = performance = expires = None
    if not isinstance(schedule, Unset | None):
        cron, performance = co.name(schedule.cron_expression), co.name(schedule.performance)
        expires = co.name(schedule.expires_at)
    ids = model.last_execution_ids
    return MaterializedView(
        name=name,
        query_id=co.integer(model.query_id),
        id=co.name(model.id),
        is_private=co.flag(model.is_private),
        table_size_bytes=co.integer(model.table_size_bytes),
        last_execution_ids=tuple(co.texts(ids)),
        cron_expression=cron,
        performance=performance,
        expires_at=expires,
        owner_user_id=co.integer(model.owner_user_id),
        owner_team_id=co.integer(model.owner_team_id),
        raw=dict(data),
    )


def matview_page_from_wire(data: Mapping[str, Any]) -> tuple[list[MaterializedView], int | None]:
    """A ``GET /v1/materialized-views`` page: its views and the announced ``next_offset``."""
    from dune_api.models.list_materialized_views_response import ListMaterializedViewsResponse
    from dune_api.types import UNSET

    model = _parse(
        ListMaterializedViewsResponse.from_dict,
        {**data, "materialized_views": UNSET},
        "materialized view list",
    )
    # a summary is read by the full view model: the same fields, plus any a newer server sends
    views = [
        matview_from_wire(item)
        for item in _items(data, "materialized_views", "materialized view list")
    ]
    return views, co.integer(model.next_offset)


# saved queries


def query_from_wire(data: Mapping[str, Any]) -> SavedQuery:
    """``GET /v1/query/{id}`` through the generated Query; WireShapeError without an integer
    ``query_id``."""
    from dune_api.models.query import Query
    from dune_api.types import UNSET

    model = _parse(Query.from_dict, {**data, "parameters": UNSET}, "query")
    query_id = co.integer(model.query_id)
    if query_id is None:
        raise WireShapeError("query has no integer query_id")
    return SavedQuery(
        query_id=query_id,
        name=co.text(model.name),
        query_sql=co.text(model.query_sql),
        description=co.text(model.description),
        tags=co.texts(model.tags),
        parameters=[_parameter(p) for p in _items(data, "parameters", "query")],
        version=co.integer(model.version),
        is_private=co.flag(model.is_private),
        is_archived=co.flag(model.is_archived),
        owner=co.text(model.owner),
        query_engine=co.text(model.query_engine),
        raw=dict(data),
    )


def _parameter(data: Mapping[str, Any]) -> dict[str, Any]:
    """A query parameter as the API sent it, once its shape is checked by the Parameter model."""
    from dune_api.models.parameter import Parameter

    _parse(Parameter.from_dict, data, "query parameter")
    return dict(data)


def query_summary_from_wire(data: Mapping[str, Any]) -> SavedQuery:
    """One ``GET /v1/queries`` item through QuerySummary (``id``, no SQL or parameters)."""
    from dune_api.models.query_summary import QuerySummary

    model = _parse(QuerySummary.from_dict, data, "query summary")
    query_id = co.integer(model.id)
    if query_id is None:
        raise WireShapeError("query summary has no integer id")
    return SavedQuery(
        query_id=query_id,
        name=co.text(model.name),
        query_sql=None,
        description=co.text(model.description),
        tags=co.texts(model.tags),
        owner=co.text(model.owner),
        raw=dict(data),
        created_at=co.text(model.created_at),
        updated_at=co.text(model.updated_at),
    )


def query_page_from_wire(data: Mapping[str, Any]) -> tuple[list[SavedQuery], int, int | None]:
    """A ``GET /v1/queries`` page: its queries, how many items it held, and ``total``."""
    from dune_api.models.list_queries_response import ListQueriesResponse
    from dune_api.types import UNSET

    if not isinstance(data.get("queries"), list):
        raise WireShapeError("malformed query list: queries is not a list")
    model = _parse(ListQueriesResponse.from_dict, {**data, "queries": UNSET}, "query list")
    items = data["queries"]
    found = [query_summary_from_wire(q) for q in items if isinstance(q, Mapping)]
    return found, len(items), co.integer(model.total)


# uploads


def uploaded_table_from_wire(data: Mapping[str, Any]) -> UploadedTable:
    """One ``GET /v1/uploads`` table through the generated UploadedTable (its size is sent as
    text); WireShapeError without ``full_name``."""
    from dune_api.models.table_owner import TableOwner
    from dune_api.models.uploaded_table import UploadedTable as WireTable
    from dune_api.models.uploaded_table_column import UploadedTableColumn
    from dune_api.types import UNSET

    model = _parse(WireTable.from_dict, {**data, "columns": UNSET}, "uploaded table")
    full = co.name(model.full_name)
    if full is None:
        raise WireShapeError("uploaded table has no full_name")
    return UploadedTable(
        full_name=full,
        is_private=co.flag(model.is_private),
        table_size_bytes=co.integer(model.table_size_bytes),
        created_at=co.text(model.created_at),
        updated_at=co.text(model.updated_at),
        owner=co.text(model.owner.handle) if isinstance(model.owner, TableOwner) else None,
        columns=[
            _column(_parse(UploadedTableColumn.from_dict, c, "table column"))
            for c in _items(data, "columns", "uploaded table")
        ],
        raw=dict(data),
    )


def upload_page_from_wire(data: Mapping[str, Any]) -> tuple[list[UploadedTable], int | None]:
    """A ``GET /v1/uploads`` page: its tables and the announced ``next_offset``."""
    from dune_api.models.list_uploads_response import ListUploadsResponse
    from dune_api.types import UNSET

    if not isinstance(data.get("tables"), list):
        raise WireShapeError("malformed table list: tables is not a list")
    model = _parse(ListUploadsResponse.from_dict, {**data, "tables": UNSET}, "table list")
    tables = [uploaded_table_from_wire(t) for t in data["tables"] if isinstance(t, Mapping)]
    return tables, co.integer(model.next_offset)


# pipelines


def pipeline_status_from_wire(
    data: Mapping[str, Any], pipeline_execution_id: str
) -> PipelineStatus:
    """A pipeline execution's status through the generated models; unknown states and node kinds
    are kept. WireShapeError (a ValueError) on a wrong shape."""
    from dune_api.models.pipeline_execution_status import PipelineExecutionStatus
    from dune_api.types import UNSET

    entries = data.get("node_executions") or []
    if not isinstance(entries, list):
        raise WireShapeError("node_executions is not a list")
    model = _parse(
        PipelineExecutionStatus.from_dict, {**data, "node_executions": UNSET}, "pipeline status"
    )
    return PipelineStatus(
        pipeline_execution_id=pipeline_execution_id,
        state=parse_pipeline_state(co.text(model.status)),
        nodes=tuple(_node_status(entry) for entry in entries),
        error=co.name(model.error),
        raw=dict(data),
    )


def _node_status(entry: object) -> NodeStatus:
    from dune_api.models.pipeline_materialized_view_refresh_status import (
        PipelineMaterializedViewRefreshStatus,
    )
    from dune_api.models.pipeline_node_execution import PipelineNodeExecution
    from dune_api.models.pipeline_query_execution_status import PipelineQueryExecutionStatus
    from dune_api.types import Unset

    model = _parse(PipelineNodeExecution.from_dict, entry, "node execution")
    extra = model.additional_properties
    node_id = co.integer(extra.get("node_id") if isinstance(model.id, Unset) else model.id)
    if node_id is None:
        raise WireShapeError(f"node execution has no integer id: {extra!r}")
    query, refresh = model.query_execution_status, model.materialized_view_refresh_status
    kind, state, error, execution_id = "unknown", None, None, None
    name = query_id = None
    if isinstance(query, PipelineQueryExecutionStatus):
        kind, state, query_id = KINDS[0], query.status, co.integer(query.query_id)
        execution_id, error = query.execution_id, query.error
        name = co.name(query.additional_properties.get("name"))
    elif isinstance(refresh, PipelineMaterializedViewRefreshStatus):
        kind, state, name = KINDS[1], refresh.status, co.name(refresh.name)
        execution_id, error = refresh.execution_id, refresh.error
        query_id = co.integer(refresh.additional_properties.get("query_id"))
    else:  # a kind this spec does not know: the first ``<kind>_status`` object
        found = next(
            (k for k in sorted(extra) if k.endswith("_status") and isinstance(extra[k], Mapping)),
            None,
        )
        if found is not None:
            inner = extra[found]
            kind, state, name = (
                found.removesuffix("_status"),
                inner.get("status"),
                inner.get("name"),
            )
            query_id, execution_id = co.integer(inner.get("query_id")), inner.get("execution_id")
            error = inner.get("error")
    return NodeStatus(
        id=node_id,
        kind=kind,
        state=parse_node_state(None if isinstance(state, Unset) else state),
        name=co.name(name),
        query_id=query_id,
        execution_id=co.name(execution_id),
        error=co.name(error),
        raw=co.mapping(entry),
    )


def pipeline_from_wire(data: Mapping[str, Any]) -> Pipeline:
    """A ``GET /v1/query/{id}/pipeline`` body through the generated Pipeline models; a node kind
    this spec does not know keeps its key as ``kind`` and its body in ``raw``."""
    from dune_api.models.pipeline import Pipeline as WirePipeline
    from dune_api.models.query_pipeline_response import QueryPipelineResponse

    model = _parse(QueryPipelineResponse.from_dict, data, "pipeline response")
    if not isinstance(model.pipeline, WirePipeline):
        raise WireShapeError('response has no "pipeline" object')
    raw_nodes = data["pipeline"].get("nodes")
    return Pipeline(
        tuple(_node(n, raw) for n, raw in zip(model.pipeline.nodes, raw_nodes, strict=True))
    )


def _node(model: WirePipelineNode, raw: Mapping[str, Any]) -> PipelineNode:
    from dune_api.models.pipeline_materialized_view_refresh import PipelineMaterializedViewRefresh
    from dune_api.models.pipeline_query_execution import PipelineQueryExecution
    from dune_api.types import Unset

    node_id = co.integer(model.id)
    if node_id is None:
        raise WireShapeError(f"pipeline node has no integer id: {dict(raw)!r}")
    deps: object = model.dependencies
    if isinstance(deps, Unset) or deps is None:
        deps = []
    if not isinstance(deps, list) or any(co.integer(d) is None for d in deps):
        raise WireShapeError(f"node {node_id}: dependencies must be a list of node ids")
    query, refresh = model.query_execution, model.materialized_view_refresh
    if isinstance(query, PipelineQueryExecution) and isinstance(
        refresh, PipelineMaterializedViewRefresh
    ):
        raise WireShapeError(f"node {node_id} has both {KINDS[0]} and {KINDS[1]}")
    name = query_id = performance = None
    params: dict[str, Any] = {}
    if isinstance(query, PipelineQueryExecution):
        kind: str = KINDS[0]
        query_id, performance = co.integer(query.query_id), _performance(query.performance)
        if not isinstance(query.query_parameters, Unset):
            params = dict(query.query_parameters.additional_properties)
    elif isinstance(refresh, PipelineMaterializedViewRefresh):
        kind, name = KINDS[1], co.name(refresh.name)
        performance = _performance(refresh.performance)
    else:
        extra = model.additional_properties
        others = sorted(k for k, v in extra.items() if isinstance(v, Mapping))
        kind = others[0] if others else "unknown"
        body = co.mapping(extra.get(kind))
        name, performance = co.name(body.get("name")), co.name(body.get("performance"))
        query_id = co.integer(body.get("query_id"))
        params = co.mapping(body.get("query_parameters"))
    return PipelineNode(
        id=node_id,
        dependencies=tuple(int(d) for d in deps),
        kind=kind,
        name=name,
        query_id=query_id,
        performance=performance,
        query_parameters=params,
        raw=dict(raw),
    )


def _performance(value: object) -> str | None:
    from dune_api.models.performance import Performance

    return value.value if isinstance(value, Performance) else co.name(value)


def created_table_from_wire(
    data: Mapping[str, Any], namespace: str, table_name: str
) -> CreatedTable:
    """``POST /v1/uploads`` through CreateUploadResponse; names it leaves out are the request's."""
    from dune_api.models.create_upload_response import CreateUploadResponse

    model = _parse(CreateUploadResponse.from_dict, data, "create response")
    return CreatedTable(
        namespace=co.name(model.namespace) or namespace,
        table_name=co.name(model.table_name) or table_name,
        full_name=co.name(model.full_name) or f"dune.{namespace}.{table_name}",
        example_query=co.text(model.example_query),
        already_existed=model.already_existed is True,
        raw=data,
    )


def csv_upload_from_wire(data: Mapping[str, Any], table_name: str) -> CsvUpload | None:
    """``POST /v1/uploads/csv`` through UploadCsvResponse; None when it says ``success: false``."""
    from dune_api.models.upload_csv_response import UploadCsvResponse

    model = _parse(UploadCsvResponse.from_dict, data, "upload_csv response")
    if model.success is False:
        return None
    return CsvUpload(
        table_name=co.name(model.table_name) or table_name,
        full_name=co.text(model.full_name),
        raw=data,
    )


def insert_counts_from_wire(data: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """An insert reply's ``rows_written`` and ``bytes_written`` (None where it gives none)."""
    from dune_api.models.insert_rows_response import InsertRowsResponse

    model = _parse(InsertRowsResponse.from_dict, data, "insert response")
    return co.integer(model.rows_written), co.integer(model.bytes_written)
