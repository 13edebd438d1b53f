"""The one fence to the generated client: every request is built by a generated, typed
``build_request`` and every status envelope is read through the generated model.

No other facade module imports ``dune_api``. A renamed operation, parameter or field in the
spec therefore breaks this module at import or under ``mypy --strict``, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import dune_api
import httpx
import msgspec
import orjson
from dune_api.api.custom_endpoints import get_custom_endpoint_results
from dune_api.api.datasets import get_dataset, list_datasets
from dune_api.api.executions import (
    cancel_execution,
    execute_query,
    execute_sql,
    get_execution_results,
    get_execution_results_csv,
    get_execution_status,
    get_latest_query_results,
)
from dune_api.api.materialized_views import (
    delete_materialized_view,
    get_materialized_view,
    list_materialized_views,
    refresh_materialized_view,
    upsert_materialized_view,
)
from dune_api.api.pipelines import (
    execute_pipeline,
    execute_query_pipeline,
    get_pipeline_execution_status,
    get_query_pipeline,
)
from dune_api.api.queries import (
    archive_query,
    create_query,
    get_query,
    list_queries,
    make_query_private,
    make_query_public,
    unarchive_query,
    update_query,
)
from dune_api.api.uploads import (
    clear_upload,
    create_upload,
    delete_upload,
    insert_upload_rows,
    list_uploads,
    upload_csv,
)
from dune_api.api.usage import get_usage
from dune_api.models import (
    CreateQueryRequest,
    CreateUploadRequest,
    ExecutePipelineRequest,
    ExecuteQueryPipelineRequest,
    ExecuteQueryPipelineRequestQueryParameters,
    ExecuteQueryRequest,
    ExecuteQueryRequestQueryParameters,
    ExecuteSqlRequest,
    GetExecutionStatusResponse,
    Parameter,
    Performance,
    RefreshMaterializedViewRequest,
    UpdateQueryRequest,
    UploadColumn,
    UploadCsvRequest,
    UpsertMaterializedViewRequest,
    UsageRequest,
)
from dune_api.models import Pipeline as WirePipeline
from dune_api.types import UNSET, File, Unset

from ._models import ExecutionStatus, PageMetadata, QueryError, as_float, as_int, parse_timestamp
from ._options import ResultOptions
from ._protocol import ChunkSink, Request
from ._retry import RequestKind
from ._states import parse_state

#: The generated client type, configured by the facade and handed out as ``dune.lowlevel``.
LowLevelClient = dune_api.Client


def build_client(
    base_url: str,
    timeout: httpx.Timeout,
    headers: Mapping[str, str],
    httpx_args: Mapping[str, Any],
) -> LowLevelClient:
    """The generated client on ``{base}/api`` with the facade's timeout, headers and auth."""
    return dune_api.Client(
        base_url=base_url, timeout=timeout, headers=dict(headers), httpx_args=dict(httpx_args)
    )


def _request(
    kwargs: Mapping[str, Any],
    *,
    kind: RequestKind = "idempotent",
    execution_id: str | None = None,
    sink: ChunkSink | None = None,
    extra_params: Mapping[str, str] | None = None,
) -> Request:
    """A generated ``build_request`` result as a sans-IO Request (same URL, params and body)."""
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
        kind=kind,
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
    return UNSET if performance is None else Performance(performance)


def _opt(value: Any) -> Any:
    return UNSET if value is None else value


# -- executions --------------------------------------------------------------------------------


def execute_query_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``POST /v1/query/{id}/execute``; parameters go in the JSON body."""
    body = ExecuteQueryRequest(
        performance=_perf(performance),
        query_parameters=ExecuteQueryRequestQueryParameters.from_dict(dict(params)),
    )
    return _request(execute_query.build_request(query_id, body=body), kind="billed")


def execute_sql_request(sql: str, params: Mapping[str, Any], performance: str | None) -> Request:
    """``POST /v1/sql/execute``."""
    body = ExecuteSqlRequest(sql=sql, performance=_perf(performance))
    if params:
        body["query_parameters"] = dict(params)
    return _request(execute_sql.build_request(body=body), kind="billed")


def status_request(execution_id: str) -> Request:
    return _request(get_execution_status.build_request(execution_id), execution_id=execution_id)


def cancel_request(execution_id: str) -> Request:
    return _request(cancel_execution.build_request(execution_id), execution_id=execution_id)


def _flag(value: bool) -> bool | Unset:
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
    return _request(kwargs, execution_id=execution_id, sink=sink)


def endpoint_results_request(
    handle: str,
    slug: str,
    options: ResultOptions,
    offset: int,
    limit: int | None,
) -> Request:
    """One page of a custom endpoint's results: the same options and paging as ``/results``."""
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
    return _request(kwargs)


def latest_results_request(
    query_id: int, options: ResultOptions, params: Mapping[str, Any], limit: int
) -> Request:
    """``GET /v1/query/{id}/results`` for one row: the latest run with these parameters.
    Parameter values travel as ``params.<key>`` (names the spec cannot declare)."""
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
    return _request(kwargs, extra_params=extra)


# -- execution status and result pages ---------------------------------------------------------


def status_from_wire(data: Mapping[str, Any], execution_id: str | None = None) -> ExecutionStatus:
    """An execution's status from a status, execute or results body, read through the
    generated envelope model; raises KeyError/TypeError/ValueError on a wrong shape."""
    if not data.get("execution_id") and execution_id is not None:
        data = {**data, "execution_id": execution_id}
    model = GetExecutionStatusResponse.from_dict(data)
    if not isinstance(model.execution_id, str):
        raise KeyError("execution_id")
    error = _given(model.error)
    meta = _given(model.result_metadata)
    finished = _given(model.is_execution_finished)
    return ExecutionStatus(
        execution_id=model.execution_id,
        state=parse_state(model.state),
        query_id=as_int(_given(model.query_id)),
        is_execution_finished=finished if isinstance(finished, bool) else None,
        queue_position=as_int(_given(model.queue_position)),
        submitted_at=parse_timestamp(_given(model.submitted_at)),
        execution_started_at=parse_timestamp(_given(model.execution_started_at)),
        execution_ended_at=parse_timestamp(_given(model.execution_ended_at)),
        expires_at=parse_timestamp(_given(model.expires_at)),
        cancelled_at=parse_timestamp(_given(model.cancelled_at)),
        execution_cost_credits=as_float(_given(model.execution_cost_credits)),
        error=QueryError.from_dict(error.to_dict()) if error is not None else None,
        result_metadata=PageMetadata.from_dict(meta.to_dict()) if meta is not None else None,
        max_inflight_interactive_executions=as_int(
            _given(model.max_inflight_interactive_executions)
        ),
        max_inflight_interactive_reached=as_int(_given(model.max_inflight_interactive_reached)),
    )


def _given(value: Any) -> Any:
    return None if isinstance(value, Unset) else value


_UNSET: Any = msgspec.UNSET


class _ResultPart(msgspec.Struct):
    rows: msgspec.Raw = _UNSET
    metadata: Any = _UNSET


# The page envelope's fields are the generated status model's, plus the page's own; only
# ``result.rows`` stays raw, so reading the envelope builds no object per row.
_PAGE_FIELDS = [
    (f.name, Any, msgspec.UNSET)
    for f in attrs.fields(GetExecutionStatusResponse)
    if f.name not in ("additional_properties", "result_metadata")
]
_PagePart: Any = msgspec.defstruct(
    "_PagePart",
    [
        *_PAGE_FIELDS,
        ("result", _ResultPart | None, msgspec.UNSET),
        ("next_offset", Any, msgspec.UNSET),
        ("next_uri", Any, msgspec.UNSET),
    ],
)
_PAGE_DECODER = msgspec.json.Decoder(_PagePart)


class PageFormatError(ValueError):
    """The body is not a JSON object of the results shape (the caller names the request)."""


def split_page(content: bytes) -> tuple[dict[str, Any], msgspec.Raw | None]:
    """Decode a results page once: the envelope as a dict (``result`` holds only
    ``metadata``) and the raw ``rows`` array, or None when it has none."""
    try:
        part = _PAGE_DECODER.decode(content)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise PageFormatError(str(exc)) from None
    envelope = {
        name: value
        for name in part.__struct_fields__
        if name != "result" and (value := getattr(part, name)) is not msgspec.UNSET
    }
    raw: msgspec.Raw | None = None
    result = part.result
    if result is None:
        envelope["result"] = None
    elif result is not msgspec.UNSET:
        envelope["result"] = (
            {} if result.metadata is msgspec.UNSET else {"metadata": result.metadata}
        )
        rows = result.rows
        if rows is not msgspec.UNSET and bytes(memoryview(rows)[:4]) != b"null":
            raw = rows
    return envelope, raw


_ANY_JSON: msgspec.json.Decoder[Any] = msgspec.json.Decoder()


def decode_rows(raw: msgspec.Raw | None) -> list[dict[str, Any]]:
    """The rows of a raw ``rows`` array, decoded with msgspec: every integer exact (orjson
    would turn one wider than 64 bits into a rounded float), and faster than orjson here."""
    if raw is None:
        return []
    try:
        rows = _ANY_JSON.decode(memoryview(raw))
    except msgspec.DecodeError as exc:
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
    return _request(create_query.build_request(body=body), kind="unsafe")


def update_query_request(query_id: int, fields: Mapping[str, Any]) -> Request:
    """``PATCH /v1/query/{id}`` with only the given fields (an empty list clears)."""
    body = UpdateQueryRequest.from_dict(dict(fields))
    return _request(update_query.build_request(query_id, body=body))


def get_query_request(query_id: int) -> Request:
    return _request(get_query.build_request(query_id))


def query_action_request(query_id: int, action: str) -> Request:
    """archive / unarchive / private / unprivate: idempotent state changes."""
    builders = {
        "archive": archive_query.build_request,
        "unarchive": unarchive_query.build_request,
        "private": make_query_private.build_request,
        "unprivate": make_query_public.build_request,
    }
    return _request(builders[action](query_id))


def list_queries_request(limit: int, offset: int) -> Request:
    return _request(list_queries.build_request(limit=limit, offset=offset))


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
    body = UpsertMaterializedViewRequest(
        name=name,
        query_id=query_id,
        cron_expression=_opt(cron_expression),
        expires_at=_opt(expires_at),
        is_private=_opt(is_private),
        performance=_perf(performance),
    )
    return _request(upsert_materialized_view.build_request(body=body), kind="billed")


def refresh_matview_request(name: str, performance: str | None) -> Request:
    body = (
        UNSET
        if performance is None
        else RefreshMaterializedViewRequest(performance=_perf(performance))
    )
    return _request(refresh_materialized_view.build_request(name, body=body), kind="billed")


def list_matviews_request(limit: int, offset: int) -> Request:
    return _request(list_materialized_views.build_request(limit=limit, offset=offset))


def get_matview_request(name: str) -> Request:
    return _request(get_materialized_view.build_request(name))


def delete_matview_request(name: str) -> Request:
    return _request(delete_materialized_view.build_request(name))


# -- pipelines ---------------------------------------------------------------------------------


def query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str | None
) -> Request:
    """``GET /v1/query/{id}/pipeline``; parameters travel as a URL-encoded JSON object."""
    kwargs = get_query_pipeline.build_request(
        query_id,
        performance=_opt(performance),
        query_parameters=orjson.dumps(dict(params)).decode() if params else UNSET,
    )
    return _request(kwargs)


def execute_query_pipeline_request(
    query_id: int, params: Mapping[str, Any], performance: str
) -> Request:
    """``POST /v1/query/{id}/pipeline/execute``: starts billed runs."""
    body = ExecuteQueryPipelineRequest(
        performance=_perf(performance),
        query_parameters=ExecuteQueryPipelineRequestQueryParameters.from_dict(dict(params))
        if params
        else UNSET,
    )
    return _request(execute_query_pipeline.build_request(query_id, body=body), kind="billed")


def execute_pipeline_request(pipeline: Mapping[str, Any]) -> Request:
    """``POST /v1/pipelines/execute`` with an explicit definition (its wire mapping)."""
    body = ExecutePipelineRequest(pipeline=WirePipeline.from_dict(dict(pipeline)))
    return _request(execute_pipeline.build_request(body=body), kind="billed")


def pipeline_status_request(pipeline_execution_id: str) -> Request:
    return _request(get_pipeline_execution_status.build_request(pipeline_execution_id))


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
    return _request(list_uploads.build_request(limit=limit, offset=offset))


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
    body = CreateUploadRequest(
        namespace=namespace,
        table_name=table_name,
        schema=[UploadColumn(name=n, type_=t, nullable=nl) for n, t, nl in schema],
        description=_opt(description),
        is_private=is_private,
    )
    return _legacy(_request(create_upload.build_request(body=body), kind="unsafe"), legacy)


def upload_csv_request(
    table_name: str,
    data: str,
    *,
    description: str | None,
    is_private: bool,
    legacy: bool = False,
) -> Request:
    """``POST /v1/uploads/csv``: it replaces the table, so repeating it is harmless."""
    body = UploadCsvRequest(
        data=data, table_name=table_name, description=_opt(description), is_private=is_private
    )
    return _legacy(_request(upload_csv.build_request(body=body)), legacy)


def insert_rows_request(
    namespace: str, table_name: str, content: bytes, media_type: str, *, legacy: bool = False
) -> Request:
    """``POST .../insert`` with one CSV or NDJSON chunk: appends, so a retry after the body was
    sent could write the rows twice (never retried once sent)."""
    import io

    kwargs = insert_upload_rows.build_request(
        namespace, table_name, body=File(payload=io.BytesIO(content), mime_type=media_type)
    )
    kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": media_type}
    return _legacy(_request(kwargs, kind="unsafe"), legacy)


def clear_upload_request(namespace: str, table_name: str, *, legacy: bool = False) -> Request:
    return _legacy(_request(clear_upload.build_request(namespace, table_name)), legacy)


def delete_upload_request(namespace: str, table_name: str, *, legacy: bool = False) -> Request:
    return _legacy(_request(delete_upload.build_request(namespace, table_name)), legacy)


# -- usage and datasets ------------------------------------------------------------------------


def usage_request(start_date: str | None, end_date: str | None) -> Request:
    """``POST /v1/usage`` (a read, so idempotent despite the method)."""
    body = (
        UNSET
        if start_date is None and end_date is None
        else UsageRequest(start_date=_opt(start_date), end_date=_opt(end_date))
    )
    return _request(get_usage.build_request(body=body))


def list_datasets_request(
    limit: int, offset: int, owner_handle: str | None, types: str | None
) -> Request:
    return _request(
        list_datasets.build_request(
            limit=limit, offset=offset, owner_handle=_opt(owner_handle), type_=_opt(types)
        )
    )


def get_dataset_request(slug: str) -> Request:
    return _request(get_dataset.build_request(slug))
