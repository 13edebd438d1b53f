"""Execution results and latest query results, as JSON or CSV, with pagination, column
selection, filters, sorting, sampling and the per-request datapoint cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import duckdb
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..dune_types import csv_header, csv_row_sql, dune_type, json_row_sql
from ..engine import COMPLETED_PARTIAL, WITH_RESULT, Execution
from ..errors import LIMIT_PER_REQUEST, PARTIAL_RESULT, QUERY_NOT_FOUND, ApiError
from ..filters import FilterError, parse_filters, parse_sort_by
from ..query_store import bind_parameters
from ..result_store import EncodedRows, StoredResult, encode
from ..state import EmulatorState
from .common import emulator, format_view, int_param, int_path, json_response, lookup_execution

NO_LATEST_RESULT = "No execution with a result found for this query and these parameters"


@dataclass
class Page:
    rows: bytes | memoryview  # JSON objects joined by commas, or CSV lines
    row_count: int
    total: int  # rows matching (after filters / sampling)
    names: list[str]
    types: list[str]
    next_offset: int | None


def status_metadata(state: EmulatorState, ex: Execution) -> dict[str, Any]:
    """`result_metadata` of the status endpoint: the whole result."""
    res = ex.result
    if res is None:
        return {}
    enc = res.json_rows(state.db)
    meta = _metadata(
        ex, res, res.column_names, res.column_types, res.row_count, enc.nbytes - res.row_count
    )
    meta["result_set_bytes"] = meta["total_result_set_bytes"]
    return meta


def _metadata(
    ex: Execution, res: StoredResult, names: list[str], types: list[str], rows: int, nbytes: int
) -> dict[str, Any]:
    started = ex.started_ns or ex.submitted_ns
    ended = ex.ended_ns or started
    return {
        "column_names": names,
        "column_types": types,
        "row_count": rows,
        "result_set_bytes": max(0, nbytes),
        "total_row_count": res.row_count,
        "total_result_set_bytes": res.total_bytes,
        "datapoint_count": rows * len(names),
        "pending_time_millis": max(0, (started - ex.submitted_ns) // 1_000_000),
        "execution_time_millis": max(0, (ended - started) // 1_000_000),
    }


@dataclass
class Options:
    limit: int | None
    offset: int
    columns: list[str] | None
    where: str | None
    where_params: list[object]
    order: str | None
    sample: int | None
    allow_partial: bool
    ignore_cap: bool


def _bool(request: Request, *names: str) -> bool:
    """True if any of these synonyms is `true`; every one given must be true or false."""
    value = False
    for name in names:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        low = raw.lower()
        if low not in ("true", "false"):
            raise ApiError(400, f"{name} must be true or false, got {raw!r}")
        value = value or low == "true"
    return value


def _paging(request: Request) -> tuple[int | None, int, int | None]:
    """(limit, offset, sample_count), checked for every state so bad values are always 400."""
    limit = int_param(request, "limit", None, minimum=1)
    offset = int_param(request, "offset", 0, minimum=0) or 0
    sample = int_param(request, "sample_count", None, minimum=1)
    _bool(request, "allow_partial_results", "allows_partial_results")
    _bool(request, "ignore_max_datapoints_per_request", "ignore_max_credits_per_request")
    return limit, offset, sample


def parse_options(request: Request, res: StoredResult) -> Options:
    qp = request.query_params
    limit, offset, sample = _paging(request)
    types = dict(zip(res.column_names, res.duckdb_types, strict=True))
    columns = None
    raw_cols = qp.get("columns")
    if raw_cols:
        columns = [c.strip() for c in raw_cols.split(",") if c.strip()]
        unknown = [c for c in columns if c not in types]
        if unknown:
            raise ApiError(400, f"unknown columns in 'columns': {', '.join(unknown)}")
        if columns == res.column_names:
            columns = None
    where: str | None = None
    where_params: list[object] = []
    order: str | None = None
    if qp.get("filters"):
        try:
            where, where_params = parse_filters(qp["filters"], types)
        except FilterError as exc:
            raise ApiError(400, f"invalid filters: {exc}") from None
    if qp.get("sort_by"):
        try:
            order = parse_sort_by(qp["sort_by"], types)
        except FilterError as exc:
            raise ApiError(400, f"invalid sort_by: {exc}") from None
    if sample is not None and (
        qp.get("limit") is not None or qp.get("offset") is not None or where is not None
    ):
        raise ApiError(400, "sample_count cannot be combined with limit, offset or filters")
    return Options(
        limit=limit,
        offset=offset,
        columns=columns,
        where=where,
        where_params=where_params,
        order=order,
        sample=sample,
        allow_partial=_bool(request, "allow_partial_results", "allows_partial_results"),
        ignore_cap=_bool(
            request, "ignore_max_datapoints_per_request", "ignore_max_credits_per_request"
        ),
    )


def _check_cap(state: EmulatorState, opts: Options, rows: int, ncols: int) -> None:
    if not opts.ignore_cap and rows * ncols > state.settings.datapoint_cap:
        raise ApiError(402, LIMIT_PER_REQUEST)


def _fast_page(state: EmulatorState, res: StoredResult, opts: Options, csv: bool) -> Page:
    total = res.row_count
    start = min(opts.offset, total)
    stop = total if opts.limit is None else min(total, start + opts.limit)
    _check_cap(state, opts, stop - start, len(res.column_names))
    enc: EncodedRows = res.csv_rows(state.db) if csv else res.json_rows(state.db)
    nxt = stop if opts.limit is not None and stop < total else None
    return Page(
        enc.slice(start, stop), stop - start, total, res.column_names, res.column_types, nxt
    )


def _slow_page(state: EmulatorState, res: StoredResult, opts: Options, csv: bool) -> Page:
    """Filters, sorting, sampling or a column subset: ask DuckDB, then encode only this page."""
    names = opts.columns or res.column_names
    types_by_name = dict(zip(res.column_names, res.duckdb_types, strict=True))
    cols = [(n, types_by_name[n]) for n in names]
    base = f"SELECT * FROM {res.qualified}"
    params: list[object] = []
    if opts.where:
        base += f" WHERE {opts.where}"
        params += opts.where_params
    if opts.sample is not None:
        size = min(opts.sample, res.row_count)  # never more than there are rows
        base = f"SELECT * FROM ({base}) USING SAMPLE reservoir({size} ROWS) REPEATABLE (42)"
    if opts.order:
        base = f"SELECT * FROM ({base}) ORDER BY {opts.order}"
    cur = state.db.cursor()
    try:
        row = cur.execute(f"SELECT count(*) FROM ({base})", params).fetchone()
        total = int(row[0]) if row else 0
    except duckdb.Error as exc:
        option = "filters" if opts.where else "sort_by" if opts.order else "sample_count"
        raise ApiError(400, f"invalid {option}: {str(exc).splitlines()[0]}") from None
    finally:
        cur.close()
    start = min(opts.offset, total)
    stop = total if opts.limit is None else min(total, start + opts.limit)
    _check_cap(state, opts, stop - start, len(cols))
    expr = csv_row_sql(cols) if csv else json_row_sql(cols)
    sql = f"SELECT {expr} FROM ({base}) LIMIT {stop - start} OFFSET {start}"
    enc = encode(state.db, sql, params)
    nxt = stop if opts.limit is not None and stop < total else None
    return Page(
        enc.slice(0, len(enc)), stop - start, total, names, [dune_type(t) for _, t in cols], nxt
    )


def _next_uri(request: Request, ex: Execution, next_offset: int, csv: bool) -> str:
    items = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("api_key", "offset")
    ]
    items.append(("offset", str(next_offset)))
    items.sort()
    path = f"/api/v1/execution/{ex.execution_id}/results" + ("/csv" if csv else "")
    return f"{request.url.scheme}://{request.url.netloc}{path}?{urlencode(items)}"


async def respond_results(request: Request, ex: Execution, csv: bool) -> Response:
    """One page of `ex`'s result as JSON or CSV, honouring every result param."""
    state = emulator(request)
    view = state.engine.status_view(ex, for_results=True)
    st = view["state"]
    res = ex.result
    _paging(request)
    if st not in WITH_RESULT or res is None:
        if csv:
            raise ApiError(400, f"no result to read as CSV: the execution is in state {st}")
        return json_response(format_view(view))
    opts = parse_options(request, res)
    if st == COMPLETED_PARTIAL and not opts.allow_partial:
        raise ApiError(400, PARTIAL_RESULT)
    slow = opts.columns is not None or opts.where or opts.order or opts.sample is not None
    if slow:
        page = await run_in_threadpool(_slow_page, state, res, opts, csv)
    elif (res._csv if csv else res._json) is None:
        page = await run_in_threadpool(_fast_page, state, res, opts, csv)
    else:
        page = _fast_page(state, res, opts, csv)
    if csv:
        headers = {}
        if page.next_offset is not None:
            headers["x-dune-next-offset"] = str(page.next_offset)
            headers["x-dune-next-uri"] = _next_uri(request, ex, page.next_offset, csv=True)
        body = b"".join([csv_header(page.names), page.rows])
        return Response(body, 200, headers, media_type="text/csv")
    rows = page.rows[:-1] if page.row_count else b""
    # each encoded row ends with a comma; the page's bytes are the rows' own bytes
    meta = _metadata(
        ex,
        res,
        page.names,
        page.types,
        page.row_count,
        len(rows) + 1 - page.row_count if page.row_count else 0,
    )
    meta["total_row_count"] = page.total
    parts: list[bytes | memoryview] = [
        orjson.dumps(format_view(view))[:-1],
        b',"result":{"rows":[',
        rows,
        b'],"metadata":',
        orjson.dumps(meta),
        b"}",
    ]
    if page.next_offset is not None:
        uri = _next_uri(request, ex, page.next_offset, csv=False)
        parts += [
            b',"next_uri":',
            orjson.dumps(uri),
            b',"next_offset":',
            str(page.next_offset).encode(),
        ]
    parts.append(b"}")
    return Response(b"".join(parts), 200, media_type="application/json")


async def execution_results(request: Request) -> Response:
    return await respond_results(request, lookup_execution(request), csv=False)


async def execution_results_csv(request: Request) -> Response:
    return await respond_results(request, lookup_execution(request), csv=True)


def _latest(request: Request) -> Execution:
    state = emulator(request)
    query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
    query = state.queries.get(query_id)
    provided = {
        k[len("params.") :]: v
        for k, v in request.query_params.multi_items()
        if k.startswith("params.")
    }
    if not provided:  # the latest run of the query, whatever its parameters
        latest = state.engine.latest_for_query(query_id, None)
        if latest is None:
            raise ApiError(404, NO_LATEST_RESULT)
        return latest
    try:
        _sql, effective = bind_parameters(query.query_sql, query.parameters, provided)
    except ApiError as exc:
        raise ApiError(404, f"{NO_LATEST_RESULT} ({exc.message})") from None
    ex = state.engine.latest_for_query(query_id, effective)
    if ex is None:
        raise ApiError(404, NO_LATEST_RESULT)
    return ex


async def query_results(request: Request) -> Response:
    return await respond_results(request, _latest(request), csv=False)


async def query_results_csv(request: Request) -> Response:
    return await respond_results(request, _latest(request), csv=True)


def routes() -> list[Route]:
    return [
        Route("/api/v1/execution/{execution_id}/results", execution_results, methods=["GET"]),
        Route(
            "/api/v1/execution/{execution_id}/results/csv", execution_results_csv, methods=["GET"]
        ),
        Route("/api/v1/query/{query_id}/results", query_results, methods=["GET"]),
        Route("/api/v1/query/{query_id}/results/csv", query_results_csv, methods=["GET"]),
    ]
