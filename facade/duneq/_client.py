"""Client and AsyncClient: thin shells with identical names over the shared sans-IO flows."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Unpack

import httpx

from . import _constants as C
from ._bound import Bound, Defaults
from ._errors import InvalidArgument
from ._execution import AsyncExecution, Execution
from ._flows import run as run_flows
from ._flows import wait as wait_flows
from ._flows.context import FlowContext
from ._flows.csv import CsvDest, write_csv
from ._flows.run import Latest
from ._flows.wait import ProgressCallback, WaitArgs
from ._http import AsyncDriver, SyncDriver, build_lowlevel, resolve_settings
from ._lowlevel import LowLevelClient, execute_query_request, execute_sql_request
from ._matviews import AsyncMaterializedViews, MaterializedViews
from ._models import ExecutionStatus
from ._options import (
    ResultKwargs,
    ResultOptions,
    encode_params,
    validate_execution_id,
    validate_query_id,
    validate_rate,
    validate_text,
    validate_timeout,
)
from ._pipelines import AsyncPipelines, Pipelines
from ._polling import PollConfig, RateConfig, RateLimiter
from ._protocol import Request
from ._queries import AsyncQueries, Queries
from ._results import AsyncResult, Result
from ._retry import RetryPolicy
from ._types import NOT_GIVEN, NotGiven, ParamValue, PartialPolicy, Performance


class _BaseClient:
    """Configuration shared by both clients, and the request building they share (no I/O)."""

    def __init__(
        self,
        *,
        api_key: str | None | NotGiven,
        base_url: str | httpx.URL | None | NotGiven,
        timeout: float | httpx.Timeout | None | NotGiven,
        max_retries: int,
        transport: object,
        clock: Callable[[], float] | None,
        rand: Callable[[], float] | None,
        poll: PollConfig | None,
        rate: RateConfig | None,
        wait_timeout: float | None,
        cancel_on_timeout: bool,
        partial: PartialPolicy,
        page_size: int,
        performance: Performance | None,
    ) -> None:
        self._settings = resolve_settings(api_key, base_url, timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgument(
                f"max_retries must be a non-negative integer, got {max_retries!r}"
            )
        poll = poll or PollConfig()
        self._ctx = FlowContext(
            retry=RetryPolicy(max_retries=max_retries),
            poll=poll,
            clock=clock or time.monotonic,
            rand=rand or random.random,
            limiter=RateLimiter(validate_rate(rate)),
        )
        self._defaults = Defaults.build(
            wait_timeout=wait_timeout,
            cancel_on_timeout=cancel_on_timeout,
            partial=partial,
            page_size=page_size,
            performance=performance,
        )
        #: The generated low-level client, configured with the same base URL, key and timeout.
        self.lowlevel: LowLevelClient = build_lowlevel(self._settings, transport)

    @property
    def base_url(self) -> str:
        return self._settings.base_url

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

    def _latest_args(
        self, query_id: int, max_age: timedelta | None, params: Mapping[str, ParamValue] | None
    ) -> tuple[int, dict[str, object]]:
        if max_age is not None and not isinstance(max_age, timedelta):
            raise InvalidArgument("max_age must be a datetime.timedelta or None")
        return validate_query_id(query_id), encode_params(params)

    def _options(self, options: Mapping[str, object]) -> ResultOptions:
        return self._defaults.options(options)

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
        base_url: str | httpx.URL | None | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
        poll: PollConfig | None = None,
        rate: RateConfig | None = None,
        wait_timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        cancel_on_timeout: bool = C.DEFAULT_CANCEL_ON_TIMEOUT,
        partial: PartialPolicy = C.DEFAULT_PARTIAL_POLICY,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        performance: Performance | None = C.DEFAULT_PERFORMANCE,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            transport=transport,
            clock=clock,
            rand=rand,
            poll=poll,
            rate=rate,
            wait_timeout=wait_timeout,
            cancel_on_timeout=cancel_on_timeout,
            partial=partial,
            page_size=page_size,
            performance=performance,
        )
        driver = SyncDriver(self.lowlevel.get_httpx_client, sleep or time.sleep)
        self._bound = Bound(driver, self._ctx, self._defaults)
        self._driver = driver
        self.queries = Queries(self._bound)
        self.pipelines = Pipelines(self._bound)
        self.matviews = MaterializedViews(self._bound)

    # -- lifecycle
    def close(self) -> None:
        self.lowlevel.get_httpx_client().close()

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

    def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        eid = validate_execution_id(execution_id)
        return self._driver.run(wait_flows.get_status(self._ctx, eid))

    def cancel(self, execution_id: str) -> bool:
        """Cancel an execution by id; True when the API confirms."""
        eid = validate_execution_id(execution_id)
        return self._driver.run(wait_flows.cancel(self._ctx, eid))

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
        return Result(
            self._bound, self._driver.run(run_flows.wait_then_open(self._ctx, eid, how, opts))
        )

    def run_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute a saved query, wait for it and return its result."""
        req, opts = self._query_request(query_id, params, performance), self._options(options)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress)
        return Result(self._bound, self._driver.run(run_flows.run(self._ctx, req, how, opts)))

    def run_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute raw SQL, wait for it and return its result."""
        req, opts = self._sql_request(sql, params, performance), self._options(options)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress)
        return Result(self._bound, self._driver.run(run_flows.run(self._ctx, req, how, opts)))

    def latest_result(
        self,
        query_id: int,
        *,
        max_age: timedelta | None = None,
        params: Mapping[str, ParamValue] | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.reused`` tells which happened."""
        latest = self._driver.run(
            self._latest_flow(
                query_id,
                max_age,
                params,
                performance,
                timeout,
                on_progress,
                cancel_on_timeout,
                options,
            )
        )
        return Result(self._bound, latest.opened, reused=latest.reused)

    def download_csv(
        self, execution_id: str, dest: CsvDest, **options: Unpack[ResultKwargs]
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written."""
        eid, opts = validate_execution_id(execution_id), self._options(options)
        return self._driver.run(write_csv(self._ctx, eid, opts, dest))


class AsyncClient(_BaseClient):
    """Asynchronous Dune client: the same methods as Client, awaited."""

    def __init__(
        self,
        api_key: str | None | NotGiven = NOT_GIVEN,
        *,
        base_url: str | httpx.URL | None | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[object] | object] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
        poll: PollConfig | None = None,
        rate: RateConfig | None = None,
        wait_timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        cancel_on_timeout: bool = C.DEFAULT_CANCEL_ON_TIMEOUT,
        partial: PartialPolicy = C.DEFAULT_PARTIAL_POLICY,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        performance: Performance | None = C.DEFAULT_PERFORMANCE,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            transport=transport,
            clock=clock,
            rand=rand,
            poll=poll,
            rate=rate,
            wait_timeout=wait_timeout,
            cancel_on_timeout=cancel_on_timeout,
            partial=partial,
            page_size=page_size,
            performance=performance,
        )
        driver = AsyncDriver(self.lowlevel.get_async_httpx_client, sleep or asyncio.sleep)
        self._bound = Bound(driver, self._ctx, self._defaults)
        self._driver = driver
        self.queries = AsyncQueries(self._bound)
        self.pipelines = AsyncPipelines(self._bound)
        self.matviews = AsyncMaterializedViews(self._bound)

    # -- lifecycle
    async def close(self) -> None:
        await self.lowlevel.get_async_httpx_client().aclose()

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

    async def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        eid = validate_execution_id(execution_id)
        return await self._driver.run(wait_flows.get_status(self._ctx, eid))

    async def cancel(self, execution_id: str) -> bool:
        """Cancel an execution by id; True when the API confirms."""
        eid = validate_execution_id(execution_id)
        return await self._driver.run(wait_flows.cancel(self._ctx, eid))

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
        return AsyncResult(
            self._bound, await self._driver.run(run_flows.wait_then_open(self._ctx, eid, how, opts))
        )

    async def run_query(
        self,
        query_id: int,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute a saved query, wait for it and return its result."""
        req, opts = self._query_request(query_id, params, performance), self._options(options)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress)
        return AsyncResult(
            self._bound, await self._driver.run(run_flows.run(self._ctx, req, how, opts))
        )

    async def run_sql(
        self,
        sql: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute raw SQL, wait for it and return its result."""
        req, opts = self._sql_request(sql, params, performance), self._options(options)
        how = self._wait_args(timeout, cancel_on_timeout, on_progress)
        return AsyncResult(
            self._bound, await self._driver.run(run_flows.run(self._ctx, req, how, opts))
        )

    async def latest_result(
        self,
        query_id: int,
        *,
        max_age: timedelta | None = None,
        params: Mapping[str, ParamValue] | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.reused`` tells which happened."""
        latest = await self._driver.run(
            self._latest_flow(
                query_id,
                max_age,
                params,
                performance,
                timeout,
                on_progress,
                cancel_on_timeout,
                options,
            )
        )
        return AsyncResult(self._bound, latest.opened, reused=latest.reused)

    async def download_csv(
        self, execution_id: str, dest: CsvDest, **options: Unpack[ResultKwargs]
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written."""
        eid, opts = validate_execution_id(execution_id), self._options(options)
        return await self._driver.run(write_csv(self._ctx, eid, opts, dest))
