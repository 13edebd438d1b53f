"""Client and AsyncClient: thin shells with identical names over the shared sans-IO flows."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import httpx

from . import _constants as C
from ._answers import APIResponse, Cancellation, api_path
from ._bound import Bound, Defaults
from ._cache.store import Cache, CacheArg, resolve_cache, run_key
from ._errors import APIError, CacheMiss, DuneError, InvalidArgument
from ._flows import raw as raw_flows
from ._flows import run as run_flows
from ._flows import sweep as sweep_flows
from ._flows import wait as wait_flows
from ._flows.budget import InflightLimit, Ledger, Spent
from ._flows.context import FlowContext, ReadWindow
from ._flows.csv import CsvDest, csv_plan
from ._flows.latest import latest_csv_plan, latest_probe
from ._flows.pages import Opened
from ._flows.reader import ReadPlan
from ._flows.run import Latest
from ._flows.wait import ProgressCallback, WaitArgs
from ._options import (
    ResultKwargs,
    ResultOptions,
    encode_params,
    validate_execution_id,
    validate_positive_int,
    validate_query_id,
    validate_rate,
    validate_text,
    validate_timeout,
)
from ._policy.operations import operation_of
from ._policy.polling import PollConfig, RateConfig, RateLimiter
from ._policy.retry import RetryPolicy
from ._protocol import FetchProgress, Request, Retrying
from ._resources.catalog import (
    AsyncDatasets,
    AsyncEndpoints,
    Datasets,
    Endpoints,
    Usage,
    usage_flow,
    usage_request,
)
from ._resources.matviews import AsyncMaterializedViews, MaterializedViews
from ._resources.pipelines import AsyncPipelines, Pipelines
from ._resources.queries import AsyncQueries, Queries
from ._resources.queries import _get as query_get_request
from ._resources.queries import _get_flow as query_get_flow
from ._resources.uploads import AsyncUploads, Uploads
from ._results.execution import AsyncExecution, Execution
from ._results.handle import AsyncResult, Origin, Reading, Result, opened_from_cache
from ._states import ExecutionState
from ._sweeps.state import (
    ProgressHook,
    SweepItem,
    SweepRuns,
    SweepState,
    build_items,
    sweep_outcome,
)
from ._transport.drivers import AsyncDriver, SyncDriver, resolve_settings
from ._transport.guard import async_http, lowlevel_client, sync_http
from ._types import NOT_GIVEN, NotGiven, ParamValue, PartialPolicy, Performance, Row
from ._wire.adapter import LowLevelClient, execute_query_request, execute_sql_request
from ._wire.models import ExecutionStatus

if TYPE_CHECKING:
    from ._sweeps.datasets import SweepSink

#: What a sweep flow returns: the item and error that stopped it, or None.
SweepStop = tuple[SweepItem, APIError] | None


def _query_value(value: object) -> str:
    """One query-string value of ``request(params=...)``: booleans as the API spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidArgument(f"params values must be str, int, float or bool, got {value!r}")


def _limit(name: str, value: object, kind: type[float] | type[int]) -> Any:
    """A budget limit: None, or a non-negative number (a whole number for datapoints)."""
    if value is None:
        return None
    wanted = int if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted) or value < 0:
        raise InvalidArgument(f"{name} must be a non-negative number or None, got {value!r}")
    return kind(value)


class _CacheStore:
    """A sweep's finished results in the local cache, so that a resumed sweep reads them from
    disk instead of paying for them again."""

    def __init__(self, cache: Cache, options: ResultOptions) -> None:
        self._cache = cache
        self._options = options

    def recall(self, execution_id: str) -> tuple[list[Row], list[str], list[str]] | None:
        hit = self._cache.get(execution_id, self._options)
        if hit is None:
            return None
        footer = hit.footer
        names, types = footer.get("column_names") or [], footer.get("column_types") or []
        return hit.rows, list(names), list(types)

    def remember(
        self, status: ExecutionStatus, rows: list[Row], columns: list[str], types: list[str]
    ) -> None:
        try:
            writer = self._cache.writer(status.execution_id, self._options, None)
            writer.add(rows, len(rows))
            footer = self._cache.footer(
                status,
                self._options,
                is_partial=status.state == ExecutionState.COMPLETED_PARTIAL,
                run=None,
                column_names=columns,
                column_types=types,
            )
            writer.commit(footer)
        except OSError:
            pass  # a cache that cannot be written never breaks a sweep


def _sweep_sink(
    out: str | os.PathLike[str] | None, partition_by: object, filesystem: object
) -> SweepSink[SweepItem] | None:
    """The dataset a sweep writes its items to as they finish (None: rows stay in memory)."""
    if out is None:
        if partition_by is not None or filesystem is not None:
            raise InvalidArgument("partition_by and filesystem need out= (the dataset to write)")
        return None
    from ._sweeps.datasets import SweepSink

    return SweepSink(
        out,
        partition_by=partition_by,  # type: ignore[arg-type]
        filesystem=filesystem,
    )


class ClientOptions(TypedDict, total=False):
    """The options ``Client`` and ``AsyncClient`` take by keyword, written once for both; each
    one left out takes its default (``transport`` and ``sleep`` differ, so each client has its
    own). The README's "The Python API" and "Reliability" say what each does."""

    base_url: str | httpx.URL | None | NotGiven
    timeout: float | httpx.Timeout | None | NotGiven
    max_retries: int
    clock: Callable[[], float] | None
    rand: Callable[[], float] | None
    poll: PollConfig | None
    rate: RateConfig | None
    wait_timeout: float | None
    cancel_on_timeout: bool
    partial: PartialPolicy
    page_size: int
    performance: Performance | None
    max_credits: float | None
    max_datapoints: int | None
    cache: CacheArg
    offline: bool
    on_fetch: Callable[[FetchProgress], object] | None
    on_retry: Callable[[Retrying], object] | None


class _BaseClient:
    """Configuration shared by both clients, and the request building they share (no I/O)."""

    def __init__(self, api_key: str | None | NotGiven, options: ClientOptions) -> None:
        unknown = sorted(set(options) - ClientOptions.__optional_keys__)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}"
            )
        base_url = options.get("base_url", NOT_GIVEN)
        timeout = options.get("timeout", NOT_GIVEN)
        max_retries = options.get("max_retries", C.DEFAULT_MAX_RETRIES)
        rate, offline = options.get("rate"), options.get("offline", False)
        max_credits, max_datapoints = options.get("max_credits"), options.get("max_datapoints")
        on_fetch, on_retry = options.get("on_fetch"), options.get("on_retry")
        self._settings = resolve_settings(api_key, base_url, timeout)
        if on_fetch is not None and not callable(on_fetch):
            raise InvalidArgument(f"on_fetch must be callable or None, got {on_fetch!r}")
        if on_retry is not None and not callable(on_retry):
            raise InvalidArgument(f"on_retry must be callable or None, got {on_retry!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgument(
                f"max_retries must be a non-negative integer, got {max_retries!r}"
            )
        poll = options.get("poll") or PollConfig()
        self._ctx = FlowContext(
            retry=RetryPolicy(max_retries=max_retries),
            poll=poll,
            clock=options.get("clock") or time.monotonic,
            rand=options.get("rand") or random.random,
            limiter=RateLimiter(validate_rate(rate)),
            ledger=Ledger(
                max_credits=_limit("max_credits", max_credits, float),
                max_datapoints=_limit("max_datapoints", max_datapoints, int),
            ),
            on_fetch=on_fetch,
            on_retry=on_retry,
        )
        if not isinstance(offline, bool):
            raise InvalidArgument("offline must be True or False")
        self._cache: Cache | None = resolve_cache(options.get("cache"))
        if offline and self._cache is None:
            self._cache = resolve_cache(True)
        self._offline = offline
        self._ctx.offline = offline
        self._defaults = Defaults.build(
            wait_timeout=options.get("wait_timeout", C.DEFAULT_WAIT_TIMEOUT),
            cancel_on_timeout=options.get("cancel_on_timeout", C.DEFAULT_CANCEL_ON_TIMEOUT),
            partial=options.get("partial", C.DEFAULT_PARTIAL_POLICY),
            page_size=options.get("page_size", C.DEFAULT_PAGE_SIZE),
            performance=options.get("performance", C.DEFAULT_PERFORMANCE),
        )
        self._lowlevel: LowLevelClient | None = None
        self._http: httpx.Client | httpx.AsyncClient

    @property
    def lowlevel(self) -> LowLevelClient:
        """The generated low-level client, on this client's one httpx client (same base URL,
        key, timeouts and connection pool), its calls run through the same exchange flow:
        retries, rate limiter, budget, ``wait_timeout`` and the typed errors."""
        if self._lowlevel is None:
            http = self._http
            self._lowlevel = lowlevel_client(
                self._settings,
                http if isinstance(http, httpx.Client) else None,
                http if isinstance(http, httpx.AsyncClient) else None,
            )
        return self._lowlevel

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def spent(self) -> Spent:
        """What this client has spent so far: credits, datapoints and executions started."""
        return self._ctx.ledger.spent()

    @property
    def cache(self) -> Cache | None:
        """The local result cache, or None when caching is off."""
        return self._cache

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self._settings.base_url!r}>"

    def _query_request(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None,
        performance: Performance | None | NotGiven,
    ) -> Request:
        return execute_query_request(
            validate_query_id(query_id), encode_params(params), self._defaults.perf(performance)
        )

    def _sql_request(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None,
        performance: Performance | None | NotGiven,
    ) -> Request:
        if not isinstance(sql, str) or not sql.strip():
            raise InvalidArgument("sql must be a non-empty string")
        validate_text("sql", sql)
        return execute_sql_request(sql, encode_params(params), self._defaults.perf(performance))

    def _wait_args(
        self,
        timeout: float | None | NotGiven,
        cancel_on_timeout: bool | NotGiven,
        on_progress: ProgressCallback | None,
        first_delay: float = 0.0,
    ) -> WaitArgs:
        delay = validate_timeout("first_delay", first_delay) or 0.0
        return self._defaults.wait_args(timeout, cancel_on_timeout, on_progress, delay)

    def _window(self, timeout: float | None | NotGiven) -> ReadWindow:
        """How long the reads of a result a call returns may take: the call's timeout (else
        the client's ``wait_timeout``) counted from now, so it covers the wait and the fetch."""
        limit = self._defaults.wait_args(timeout, NOT_GIVEN).timeout
        return ReadWindow.starting(self._ctx.clock(), limit)

    def _latest_args(
        self, query_id: int, max_age: timedelta | None, params: Mapping[str, ParamValue] | None
    ) -> tuple[int, dict[str, object]]:
        if max_age is not None and not isinstance(max_age, timedelta):
            raise InvalidArgument("max_age must be a datetime.timedelta or None")
        return validate_query_id(query_id), encode_params(params)

    def _options(self, options: Mapping[str, object]) -> ResultOptions:
        return self._defaults.options(options)

    def _run_key(self, target: int | str, params: Mapping[str, ParamValue] | None) -> str:
        return run_key(target, encode_params(params))

    def _sql_run(self, sql: str, params: Mapping[str, ParamValue] | None) -> str:
        """The run key of raw SQL; the cache keeps its text so that ``cache ls`` shows it."""
        run = self._run_key(sql, params)
        if self._cache is not None and isinstance(sql, str):
            self._cache.remember_sql(run, sql)
        return run

    def _cached(self, execution_id: str, options: ResultOptions) -> Opened | None:
        """An execution's result from the local cache (offline: raise when it is missing)."""
        hit = self._cache.get(execution_id, options) if self._cache is not None else None
        if hit is None and self._offline:
            raise CacheMiss(
                f"offline, and the cache holds no result of execution {execution_id} "
                "with these result options"
            )
        return opened_from_cache(hit, options) if hit is not None else None

    def _cached_run(
        self, run: str, options: ResultOptions, max_age: timedelta | None, what: str
    ) -> Opened | None:
        """A cached run young enough for ``max_age`` (consulted only when a max_age is given
        or the client is offline; offline takes any age unless one is given)."""
        if max_age is not None and not isinstance(max_age, timedelta):
            raise InvalidArgument("max_age must be a datetime.timedelta or None")
        if self._cache is None or (max_age is None and not self._offline):
            return None
        hit = self._cache.find_run(run, options, max_age)
        if hit is None and self._offline:
            young = f" that ended within {max_age}" if max_age is not None else ""
            raise CacheMiss(f"offline, and the cache holds no run of {what}{young}")
        return opened_from_cache(hit, options) if hit is not None else None

    def _cache_or(
        self, hit: Opened | None, flow: run_flows.Flow[Opened]
    ) -> run_flows.Flow[tuple[Opened, Origin]]:
        """The cached result if there is one (the flow is then never started), else the flow's."""
        if hit is not None:
            flow.close()
            return hit, "cache"
        return (yield from flow), "new"

    def _cache_or_latest(
        self, hit: Opened | None, flow: run_flows.Flow[Latest]
    ) -> run_flows.Flow[tuple[Opened, Origin]]:
        """The cached run if there is one, else latest-or-run (reused latest, or a new run)."""
        if hit is not None:
            flow.close()
            return hit, "cache"
        latest = yield from flow
        return latest.opened, ("latest" if latest.reused else "new")

    def _sweep_flow(
        self,
        query_id: int,
        params: Sequence[Mapping[str, ParamValue]],
        max_concurrent: int | None,
        state: str | os.PathLike[str] | None,
        on_progress: ProgressHook | None,
        performance: Performance | None | NotGiven,
        timeout: float | None | NotGiven,
        cancel_on_timeout: bool | NotGiven,
        options: Mapping[str, object],
        keep_going: bool = False,
        declared: dict[str, str] | None = None,
        sink: SweepSink[SweepItem] | None = None,
    ) -> tuple[run_flows.Flow[SweepStop], list[SweepItem]]:
        """The sweep flow for both clients and the items it fills, every argument validated."""
        qid = validate_query_id(query_id)
        items = build_items(params)
        if max_concurrent is not None:
            max_concurrent = validate_positive_int("max_concurrent", max_concurrent)
        if on_progress is not None and not callable(on_progress):
            raise InvalidArgument("on_progress must be a callable or None")
        if not isinstance(keep_going, bool):
            raise InvalidArgument("keep_going must be True or False")
        saved = SweepState(state, qid)
        saved.load(items)
        declared = {} if declared is None else declared
        if sink is not None:
            stored = sink.stored(items)
            for item in items:
                if item.key in stored:  # in the dataset already: neither run nor read again
                    item.outcome, item.stored, item.error = "done", True, None
                    item.submitting_at = None
            typed = declared  # filled by the flow before any item runs

            # typed as the finished sweep types them (declared types and every item's
            # values), so that each item's file has the same schema
            def table_of(item: SweepItem) -> Any:
                return SweepRuns(items, 0.0, typed).item_table(item)

            sink.table_of = table_of
        perf = self._defaults.perf(performance)
        run = sweep_flows.sweep(
            self._ctx,
            items,
            lambda encoded: execute_query_request(qid, encoded, perf),
            limit=InflightLimit(fixed=max_concurrent),
            how=self._wait_args(timeout, cancel_on_timeout, None),
            options=self._options(options),
            state=saved,
            on_progress=on_progress,
            store=_CacheStore(self._cache, self._options(options))
            if self._cache is not None
            else None,
            keep_going=keep_going,
            credits_before=self._ctx.ledger.credits,
            on_done=sink.take if sink is not None else None,
        )
        return self._typed_sweep(qid, run, declared), items

    def _typed_sweep(
        self, query_id: int, run: run_flows.Flow[SweepStop], declared: dict[str, str]
    ) -> run_flows.Flow[SweepStop]:
        """Read the query's declared parameter types into ``declared`` (for typed parameter
        columns; an unreadable query leaves it empty), then run the sweep."""
        try:
            query = yield from query_get_flow(self._ctx, query_get_request(query_id))
        except DuneError:
            query = None
        if query is not None:
            for p in query.parameters:
                if isinstance(p.get("key"), str) and isinstance(p.get("type"), str):
                    declared[p["key"]] = p["type"]
        return (yield from run)

    def _latest_csv_plan(
        self,
        query_id: int,
        dest: CsvDest,
        params: Mapping[str, ParamValue] | None,
        max_age: timedelta | None,
        options: Mapping[str, object],
    ) -> run_flows.Flow[ReadPlan]:
        qid, encoded = self._latest_args(query_id, max_age, params)
        return latest_csv_plan(
            self._ctx,
            qid,
            dest,
            params=encoded,
            options=self._options(options),
            max_age=max_age,
            now=lambda: datetime.now(UTC),
        )

    def _raw_flow(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None,
        json: object,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> run_flows.Flow[APIResponse]:
        """The flow of ``request()``: the arguments checked, its retry class (a POST that starts
        a run is billed, other POSTs are never retried blindly) and the call's deadline."""
        verb, where = api_path(method, path)
        if content is not None and json is not None:
            raise InvalidArgument("pass either json= or content=, not both")
        if content is not None and not isinstance(content, bytes):
            raise InvalidArgument("content must be bytes")
        query = None
        if params is not None:
            if not isinstance(params, Mapping):
                raise InvalidArgument("params must be a mapping of names to values")
            query = {str(k): _query_value(v) for k, v in params.items() if v is not None}
        op = operation_of(verb, where)
        req = Request(
            verb,
            where,
            params=query,
            json=json,
            content=content,
            headers=dict(headers) if headers else None,
            kind=op.kind,
            operation=op.name,
        )
        return raw_flows.raw(self._ctx, req, validate_timeout("timeout", timeout))

    def _probe_flow(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None,
        max_age: timedelta | None,
    ) -> run_flows.Flow[ExecutionStatus | None]:
        """The latest-run probe: the status of the query's latest usable run, or None."""
        qid, encoded = self._latest_args(query_id, max_age, params)
        return latest_probe(
            self._ctx,
            qid,
            params=encoded,
            options=self._options({}),
            max_age=max_age,
            now=lambda: datetime.now(UTC),
        )

    def _latest_flow(
        self,
        query_id: int,
        max_age: timedelta | None,
        params: Mapping[str, ParamValue] | None,
        performance: Performance | None | NotGiven,
        timeout: float | None | NotGiven,
        on_progress: ProgressCallback | None,
        cancel_on_timeout: bool | NotGiven,
        options: Mapping[str, object],
    ) -> run_flows.Flow[Latest]:
        """The latest-or-run flow for both clients, every argument validated first."""
        qid, encoded = self._latest_args(query_id, max_age, params)
        return run_flows.latest_or_run(
            self._ctx,
            qid,
            self._query_request(qid, params, performance),
            params=encoded,
            max_age=max_age,
            now=lambda: datetime.now(UTC),
            how=self._wait_args(timeout, cancel_on_timeout, on_progress),
            options=self._options(options),
        )


class Client(_BaseClient):
    """Synchronous Dune client. ``Client()`` reads DUNE_API_KEY and DUNE_API_BASE_URL."""

    def __init__(
        self,
        api_key: str | None | NotGiven = NOT_GIVEN,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_key, options)
        http = sync_http(
            self._settings, transport, self._ctx, sleep or time.sleep, self._defaults.wait_timeout
        )
        driver = SyncDriver(lambda: http, sleep or time.sleep)
        self._http: httpx.Client = http
        self._bound = Bound(driver, self._ctx, self._defaults, self._cache)
        self._driver = driver
        self.queries = Queries(self._bound)
        self.pipelines = Pipelines(self._bound)
        self.matviews = MaterializedViews(self._bound)
        self.uploads = Uploads(self._bound)
        self.datasets = Datasets(self._bound)
        self.endpoints = Endpoints(self._bound)

    # -- lifecycle
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- executions
    def execute_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> Execution:
        """Start a saved query; returns at once with an Execution handle."""
        req = self._query_request(query_id, params, performance)
        return Execution(self._bound, self._driver.run(wait_flows.execute(self._ctx, req)))

    def execute_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> Execution:
        """Start raw SQL (``POST /v1/sql/execute``); returns an Execution handle."""
        req = self._sql_request(sql, params, performance)
        return Execution(self._bound, self._driver.run(wait_flows.execute(self._ctx, req)))

    def usage(self, *, start: date | str | None = None, end: date | str | None = None) -> Usage:
        """Credits used per billing period and storage (the current period without dates)."""
        return self._driver.run(usage_flow(self._ctx, usage_request(start, end)))

    def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        eid = validate_execution_id(execution_id)
        return self._driver.run(wait_flows.get_status(self._ctx, eid))

    def cancel(self, execution_id: str) -> Cancellation:
        """Cancel an execution by id: the API's answer, true when it confirmed, with its
        ``message`` (why nothing was cancelled, e.g. the run had already finished)."""
        eid = validate_execution_id(execution_id)
        return self._driver.run(wait_flows.cancel(self._ctx, eid))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> APIResponse:
        """Send any API request (``path`` under the API root, e.g. ``/v1/usage``) with the
        client's key, retries, rate limiter, budget and typed errors; ``timeout`` bounds it
        all. Returns the 2xx answer (``.json()``, ``.text``); an error status raises."""
        flow = self._raw_flow(method, path, params, json, content, headers, timeout)
        return self._driver.run(flow)

    def latest_execution(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
    ) -> ExecutionStatus | None:
        """The status of the query's latest finished run for ``params`` (one that ended within
        ``max_age``, judged on the server's clock), or None; runs nothing, reads no rows."""
        return self._driver.run(self._probe_flow(query_id, params, max_age))

    def wait(
        self,
        execution_id: str,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        first_delay: float = 0.0,
    ) -> ExecutionStatus:
        """Poll an execution until it completes; on deadline or Ctrl-C cancel it (by default).
        ``first_delay`` postpones the first poll (for an execution submitted just now)."""
        eid = validate_execution_id(execution_id)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress, first_delay)
        return self._driver.run(wait_flows.wait_with(self._ctx, eid, how))

    def get_result(
        self,
        execution_id: str,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """The result of an execution by id (waits first if it is still running)."""
        eid = validate_execution_id(execution_id)
        how, opts = self._wait_args(timeout, cancel_on_timeout, on_progress), self._options(options)
        window = self._window(timeout)
        flow = run_flows.wait_then_open(self._ctx, eid, how, opts)
        opened, source = self._driver.run(self._cache_or(self._cached(eid, opts), flow))
        return Result(self._bound, opened, source=source, window=window)

    def run_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute a saved query, wait for it and return its result; with ``max_age``, a
        cached run of the same query and parameters that young is returned instead."""
        req, opts = self._query_request(query_id, params, performance), self._options(options)
        how, window = (
            self._wait_args(timeout, cancel_on_timeout, on_progress),
            self._window(timeout),
        )
        run = self._run_key(query_id, params)
        hit = self._cached_run(run, opts, max_age, f"query {query_id}")
        flow = run_flows.run(self._ctx, req, how, opts)
        opened, source = self._driver.run(self._cache_or(hit, flow))
        return Result(self._bound, opened, source=source, run=run, window=window)

    def run_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute raw SQL, wait for it and return its result (the result is cached under the
        SQL text and parameters); with ``max_age``, a cached run of them that young is
        returned instead (offline, one of any age)."""
        req, opts = self._sql_request(sql, params, performance), self._options(options)
        how, window = (
            self._wait_args(timeout, cancel_on_timeout, on_progress),
            self._window(timeout),
        )
        run = self._sql_run(sql, params)
        hit = self._cached_run(run, opts, max_age, "this SQL")
        flow = run_flows.run(self._ctx, req, how, opts)
        opened, source = self._driver.run(self._cache_or(hit, flow))
        return Result(self._bound, opened, source=source, run=run, window=window)

    def latest_result(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.source`` tells which happened ("cache", "latest" or "new")."""
        run, opts = self._run_key(validate_query_id(query_id), params), self._options(options)
        window = self._window(timeout)
        hit = self._cached_run(run, opts, max_age, f"query {query_id}")
        flow = self._latest_flow(
            query_id,
            max_age,
            params,
            performance,
            timeout,
            on_progress,
            cancel_on_timeout,
            options,
        )
        opened, source = self._driver.run(self._cache_or_latest(hit, flow))
        return Result(self._bound, opened, source=source, run=run, window=window)

    def sweep(
        self,
        query_id: int,
        params: Sequence[Mapping[str, ParamValue]],
        *,
        max_concurrent: int | None = None,
        state: str | os.PathLike[str] | None = None,
        on_progress: ProgressHook | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        keep_going: bool = False,
        out: str | os.PathLike[str] | None = None,
        partition_by: Sequence[str] | str | None = None,
        filesystem: object = None,
        **options: Unpack[ResultKwargs],
    ) -> SweepRuns:
        """Run a saved query once per parameter set, at most ``max_concurrent`` at a time (None:
        the plan's limit from status responses), resumable from the ``state`` file. An error
        every item would get (401, 402, 403, 404, unknown parameter names) raises
        ``SweepStopped`` unless ``keep_going``; a sweep whose every item failed warns. With
        ``out`` (a folder or URI) each item is written to the dataset as it finishes, in the
        partition of its ``partition_by`` parameters; items already there are not run again."""
        spent_before = self._ctx.ledger.credits
        declared: dict[str, str] = {}
        sink = _sweep_sink(out, partition_by, filesystem)
        flow, items = self._sweep_flow(
            query_id,
            params,
            max_concurrent,
            state,
            on_progress,
            performance,
            timeout,
            cancel_on_timeout,
            options,
            keep_going,
            declared,
            sink,
        )
        stopped = self._driver.run(flow)
        written = sink.written() if sink is not None else None
        return sweep_outcome(
            items, self._ctx.ledger.credits - spent_before, stopped, declared, written
        )

    def download_csv(
        self,
        execution_id: str,
        dest: CsvDest,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written.
        ``timeout`` (default: the client's ``wait_timeout``) bounds the whole download."""
        from ._results.fanout import download_csv

        eid, opts = validate_execution_id(execution_id), self._options(options)
        read = Reading(self._ctx, self._window(timeout), eid, "download_csv")
        with read.bounded():
            plan = self._driver.run(csv_plan(read.ctx, eid, opts, dest))
            return download_csv(self._driver, read.ctx, plan, dest)

    def latest_csv(
        self,
        query_id: int,
        dest: CsvDest,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> int:
        """Stream the query's latest result (for ``params``) as CSV to a path or writable,
        never executing: NotFound if it has none that ended within ``max_age``. Returns bytes
        written; the pages are verified as for ``download_csv``."""
        from ._results.fanout import download_csv

        flow = self._latest_csv_plan(query_id, dest, params, max_age, options)
        return download_csv(self._driver, self._ctx, self._driver.run(flow), dest)


class AsyncClient(_BaseClient):
    """Asynchronous Dune client: the same methods as Client, awaited."""

    def __init__(
        self,
        api_key: str | None | NotGiven = NOT_GIVEN,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[object] | object] | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        import asyncio

        super().__init__(api_key, options)
        http = async_http(
            self._settings,
            transport,
            self._ctx,
            sleep or asyncio.sleep,
            self._defaults.wait_timeout,
        )
        driver = AsyncDriver(lambda: http, sleep or asyncio.sleep)
        self._http: httpx.AsyncClient = http
        self._bound = Bound(driver, self._ctx, self._defaults, self._cache)
        self._driver = driver
        self.queries = AsyncQueries(self._bound)
        self.pipelines = AsyncPipelines(self._bound)
        self.matviews = AsyncMaterializedViews(self._bound)
        self.uploads = AsyncUploads(self._bound)
        self.datasets = AsyncDatasets(self._bound)
        self.endpoints = AsyncEndpoints(self._bound)

    # -- lifecycle
    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- executions
    async def execute_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> AsyncExecution:
        """Start a saved query; returns at once with an AsyncExecution handle."""
        req = self._query_request(query_id, params, performance)
        return AsyncExecution(
            self._bound, await self._driver.run(wait_flows.execute(self._ctx, req))
        )

    async def execute_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
    ) -> AsyncExecution:
        """Start raw SQL (``POST /v1/sql/execute``); returns an AsyncExecution handle."""
        req = self._sql_request(sql, params, performance)
        return AsyncExecution(
            self._bound, await self._driver.run(wait_flows.execute(self._ctx, req))
        )

    async def usage(
        self, *, start: date | str | None = None, end: date | str | None = None
    ) -> Usage:
        """Credits used per billing period and storage (the current period without dates)."""
        return await self._driver.run(usage_flow(self._ctx, usage_request(start, end)))

    async def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        eid = validate_execution_id(execution_id)
        return await self._driver.run(wait_flows.get_status(self._ctx, eid))

    async def cancel(self, execution_id: str) -> Cancellation:
        """Cancel an execution by id: the API's answer, true when it confirmed, with its
        ``message`` (why nothing was cancelled, e.g. the run had already finished)."""
        eid = validate_execution_id(execution_id)
        return await self._driver.run(wait_flows.cancel(self._ctx, eid))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> APIResponse:
        """Send any API request (``path`` under the API root, e.g. ``/v1/usage``) with the
        client's key, retries, rate limiter, budget and typed errors; ``timeout`` bounds it
        all. Returns the 2xx answer (``.json()``, ``.text``); an error status raises."""
        flow = self._raw_flow(method, path, params, json, content, headers, timeout)
        return await self._driver.run(flow)

    async def latest_execution(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
    ) -> ExecutionStatus | None:
        """The status of the query's latest finished run for ``params`` (one that ended within
        ``max_age``, judged on the server's clock), or None; runs nothing, reads no rows."""
        return await self._driver.run(self._probe_flow(query_id, params, max_age))

    async def wait(
        self,
        execution_id: str,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        first_delay: float = 0.0,
    ) -> ExecutionStatus:
        """Poll an execution until it completes; on deadline or task cancellation cancel it.
        ``first_delay`` postpones the first poll (for an execution submitted just now)."""
        eid = validate_execution_id(execution_id)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress, first_delay)
        return await self._driver.run(wait_flows.wait_with(self._ctx, eid, how))

    async def get_result(
        self,
        execution_id: str,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """The result of an execution by id (waits first if it is still running)."""
        eid = validate_execution_id(execution_id)
        how, opts = self._wait_args(timeout, cancel_on_timeout, on_progress), self._options(options)
        window = self._window(timeout)
        flow = run_flows.wait_then_open(self._ctx, eid, how, opts)
        opened, source = await self._driver.run(self._cache_or(self._cached(eid, opts), flow))
        return AsyncResult(self._bound, opened, source=source, window=window)

    async def run_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute a saved query, wait for it and return its result; with ``max_age``, a
        cached run of the same query and parameters that young is returned instead."""
        req, opts = self._query_request(query_id, params, performance), self._options(options)
        how, window = (
            self._wait_args(timeout, cancel_on_timeout, on_progress),
            self._window(timeout),
        )
        run = self._run_key(query_id, params)
        hit = self._cached_run(run, opts, max_age, f"query {query_id}")
        flow = run_flows.run(self._ctx, req, how, opts)
        opened, source = await self._driver.run(self._cache_or(hit, flow))
        return AsyncResult(self._bound, opened, source=source, run=run, window=window)

    async def run_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute raw SQL, wait for it and return its result (the result is cached under the
        SQL text and parameters); with ``max_age``, a cached run of them that young is
        returned instead (offline, one of any age)."""
        req, opts = self._sql_request(sql, params, performance), self._options(options)
        how, window = (
            self._wait_args(timeout, cancel_on_timeout, on_progress),
            self._window(timeout),
        )
        run = self._sql_run(sql, params)
        hit = self._cached_run(run, opts, max_age, "this SQL")
        flow = run_flows.run(self._ctx, req, how, opts)
        opened, source = await self._driver.run(self._cache_or(hit, flow))
        return AsyncResult(self._bound, opened, source=source, run=run, window=window)

    async def latest_result(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.source`` tells which happened ("cache", "latest" or "new")."""
        run, opts = self._run_key(validate_query_id(query_id), params), self._options(options)
        window = self._window(timeout)
        hit = self._cached_run(run, opts, max_age, f"query {query_id}")
        flow = self._latest_flow(
            query_id,
            max_age,
            params,
            performance,
            timeout,
            on_progress,
            cancel_on_timeout,
            options,
        )
        opened, source = await self._driver.run(self._cache_or_latest(hit, flow))
        return AsyncResult(self._bound, opened, source=source, run=run, window=window)

    async def sweep(
        self,
        query_id: int,
        params: Sequence[Mapping[str, ParamValue]],
        *,
        max_concurrent: int | None = None,
        state: str | os.PathLike[str] | None = None,
        on_progress: ProgressHook | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        keep_going: bool = False,
        out: str | os.PathLike[str] | None = None,
        partition_by: Sequence[str] | str | None = None,
        filesystem: object = None,
        **options: Unpack[ResultKwargs],
    ) -> SweepRuns:
        """Run a saved query once per parameter set, at most ``max_concurrent`` at a time (None:
        the plan's limit from status responses), resumable from the ``state`` file. An error
        every item would get (401, 402, 403, 404, unknown parameter names) raises
        ``SweepStopped`` unless ``keep_going``; a sweep whose every item failed warns. With
        ``out`` (a folder or URI) each item is written to the dataset as it finishes, in the
        partition of its ``partition_by`` parameters; items already there are not run again."""
        spent_before = self._ctx.ledger.credits
        declared: dict[str, str] = {}
        sink = _sweep_sink(out, partition_by, filesystem)
        flow, items = self._sweep_flow(
            query_id,
            params,
            max_concurrent,
            state,
            on_progress,
            performance,
            timeout,
            cancel_on_timeout,
            options,
            keep_going,
            declared,
            sink,
        )
        stopped = await self._driver.run(flow)
        written = sink.written() if sink is not None else None
        return sweep_outcome(
            items, self._ctx.ledger.credits - spent_before, stopped, declared, written
        )

    async def download_csv(
        self,
        execution_id: str,
        dest: CsvDest,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written.
        ``timeout`` (default: the client's ``wait_timeout``) bounds the whole download."""
        from ._results.fanout import adownload_csv

        eid, opts = validate_execution_id(execution_id), self._options(options)
        read = Reading(self._ctx, self._window(timeout), eid, "download_csv")
        with read.bounded():
            plan = await self._driver.run(csv_plan(read.ctx, eid, opts, dest))
            return await adownload_csv(self._driver, read.ctx, plan, dest)

    async def latest_csv(
        self,
        query_id: int,
        dest: CsvDest,
        params: Mapping[str, ParamValue] | None = None,
        *,
        max_age: timedelta | None = None,
        **options: Unpack[ResultKwargs],
    ) -> int:
        """Stream the query's latest result (for ``params``) as CSV to a path or writable,
        never executing: NotFound if it has none that ended within ``max_age``. Returns bytes
        written; the pages are verified as for ``download_csv``."""
        from ._results.fanout import adownload_csv

        flow = self._latest_csv_plan(query_id, dest, params, max_age, options)
        plan = await self._driver.run(flow)
        return await adownload_csv(self._driver, self._ctx, plan, dest)
