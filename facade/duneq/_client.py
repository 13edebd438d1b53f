"""Client and AsyncClient: thin shells with identical names over the shared sans-IO flows."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack

import dune_api
import httpx

from . import _constants as C
from ._csv import CsvDest
from ._errors import InvalidArgument
from ._execution import AsyncExecution, Execution
from ._flows import (
    Core,
    cancel,
    cancel_quietly,
    execute,
    first_page,
    get_status,
    latest_probe,
    wait,
    write_csv,
)
from ._http import AsyncDriver, SyncDriver, build_lowlevel, resolve_settings
from ._matviews import AsyncMaterializedViews, MaterializedViews
from ._models import ExecutionStatus, Progress
from ._options import (
    ResultOptions,
    encode_params,
    validate_execution_id,
    validate_partial,
    validate_performance,
    validate_positive_int,
    validate_query_id,
    validate_timeout,
)
from ._pipelines import AsyncPipelines, Pipelines
from ._polling import PollConfig, RequestBudget
from ._protocol import Request, execute_query_request, execute_sql_request
from ._queries import AsyncQueries, Queries
from ._results import AsyncResult, Result
from ._retry import RetryPolicy
from ._types import NOT_GIVEN, NotGiven

ProgressCallback = Callable[[Progress], object]


class ResultKwargs(TypedDict, total=False):
    """Result options accepted by every call that returns a result."""

    page_size: int
    limit: int | None
    offset: int | None
    columns: str | list[str] | None
    filters: str | None
    sort_by: str | list[str] | None
    sample_count: int | None
    partial: str
    ignore_datapoint_limit: bool
    max_datapoints: int | None


class _BaseClient:
    """Configuration shared by both clients (no I/O here)."""

    def __init__(
        self,
        *,
        api_key: str | None | NotGiven,
        base_url: str | None | NotGiven,
        timeout: float | httpx.Timeout | None | NotGiven,
        max_retries: int,
        transport: Any,
        clock: Callable[[], float] | None,
        rand: Callable[[], float] | None,
        poll: PollConfig | None,
        wait_timeout: float | None,
        cancel_on_timeout: bool,
        partial: str,
        page_size: int,
        performance: str | None,
    ) -> None:
        self._settings = resolve_settings(api_key, base_url, timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgument(
                f"max_retries must be a non-negative integer, got {max_retries!r}"
            )
        poll = poll or PollConfig()
        self._core = Core(
            retry=RetryPolicy(max_retries=max_retries),
            poll=poll,
            clock=clock or time.monotonic,
            rand=rand or random.random,
            budget=RequestBudget(poll.budget_requests, poll.budget_window),
        )
        self._wait_timeout = validate_timeout("wait_timeout", wait_timeout)
        if not isinstance(cancel_on_timeout, bool):
            raise InvalidArgument("cancel_on_timeout must be True or False")
        self._cancel_on_timeout = cancel_on_timeout
        self._partial = validate_partial(partial)
        self._page_size = validate_positive_int("page_size", page_size)
        self._performance = validate_performance(performance)
        self.lowlevel: dune_api.Client = build_lowlevel(self._settings, transport)

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self._settings.base_url!r}>"

    def _options(self, kwargs: Mapping[str, Any]) -> ResultOptions:
        unknown = set(kwargs) - set(ResultKwargs.__annotations__)
        if unknown:
            raise InvalidArgument(f"unknown result option(s): {', '.join(sorted(unknown))}")
        merged = {"page_size": self._page_size, "partial": self._partial, **kwargs}
        return ResultOptions.build(**merged)

    def _wait_args(
        self, timeout: float | None | NotGiven, cancel_on_timeout: bool | NotGiven
    ) -> tuple[float | None, bool]:
        resolved = (
            self._wait_timeout
            if isinstance(timeout, NotGiven)
            else validate_timeout("timeout", timeout)
        )
        if isinstance(cancel_on_timeout, NotGiven):
            return resolved, self._cancel_on_timeout
        if not isinstance(cancel_on_timeout, bool):
            raise InvalidArgument("cancel_on_timeout must be True or False")
        return resolved, cancel_on_timeout

    def _perf(self, performance: str | None | NotGiven) -> str | None:
        if isinstance(performance, NotGiven):
            return self._performance
        return validate_performance(performance)

    def _query_request(
        self, query_id: int, params: Mapping[str, Any] | None, performance: str | None | NotGiven
    ) -> Request:
        return execute_query_request(
            validate_query_id(query_id), encode_params(params), self._perf(performance)
        )

    def _sql_request(
        self, sql: str, params: Mapping[str, Any] | None, performance: str | None | NotGiven
    ) -> Request:
        if not isinstance(sql, str) or not sql.strip():
            raise InvalidArgument("sql must be a non-empty string")
        return execute_sql_request(sql, encode_params(params), self._perf(performance))


class Client(_BaseClient):
    """Synchronous Dune client. ``Client()`` reads DUNE_API_KEY and DUNE_API_BASE_URL."""

    def __init__(
        self,
        api_key: str | None | NotGiven = NOT_GIVEN,
        *,
        base_url: str | None | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
        poll: PollConfig | None = None,
        wait_timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        cancel_on_timeout: bool = C.DEFAULT_CANCEL_ON_TIMEOUT,
        partial: str = C.DEFAULT_PARTIAL_POLICY,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        performance: str | None = C.DEFAULT_PERFORMANCE,
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
            wait_timeout=wait_timeout,
            cancel_on_timeout=cancel_on_timeout,
            partial=partial,
            page_size=page_size,
            performance=performance,
        )
        self._driver = SyncDriver(self.lowlevel.get_httpx_client, sleep or time.sleep)
        self.queries = Queries(self._core, self._driver)
        self.pipelines = Pipelines(self)
        self.matviews = MaterializedViews(self)

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
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> Execution:
        """Start a saved query; returns at once with an Execution handle."""
        req = self._query_request(query_id, params, performance)
        return Execution(self, self._driver.run(execute(self._core, req)))

    def execute_sql(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> Execution:
        """Start raw SQL (``POST /v1/sql/execute``); returns an Execution handle."""
        req = self._sql_request(sql, params, performance)
        return Execution(self, self._driver.run(execute(self._core, req)))

    def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        return self._driver.run(get_status(self._core, validate_execution_id(execution_id)))

    def cancel(self, execution_id: str) -> bool:
        """Cancel an execution by id; True when the API confirms."""
        return self._driver.run(cancel(self._core, validate_execution_id(execution_id)))

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
        deadline, cancel_it = self._wait_args(timeout, cancel_on_timeout)
        flow = wait(
            self._core,
            eid,
            timeout=deadline,
            on_progress=on_progress,
            cancel_on_timeout=cancel_it,
            first_delay=validate_timeout("first_delay", first_delay) or 0.0,
        )
        try:
            return self._driver.run(flow)
        except KeyboardInterrupt:
            if cancel_it:
                self._driver.run(cancel_quietly(self._core, eid))
            raise

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
        opts = self._options(options)
        status = self.wait(
            execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return self._result(status, opts)

    def _result(self, status: ExecutionStatus, opts: ResultOptions, reused: bool = False) -> Result:
        page = self._driver.run(first_page(self._core, status, opts))
        return Result(
            driver=self._driver,
            core=self._core,
            status=status,
            first=page,
            options=opts,
            is_partial=page.status.state == "QUERY_STATE_COMPLETED_PARTIAL"
            or status.state == "QUERY_STATE_COMPLETED_PARTIAL",
            reused=reused,
        )

    def run_query(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute a saved query, wait for it and return its result."""
        opts = self._options(options)
        run = self.execute_query(query_id, params, performance=performance)
        status = run.wait(
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return self._result(status, opts)

    def run_sql(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Execute raw SQL, wait for it and return its result."""
        opts = self._options(options)
        run = self.execute_sql(sql, params, performance=performance)
        status = run.wait(
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return self._result(status, opts)

    def latest_result(
        self,
        query_id: int,
        *,
        max_age: timedelta | None = None,
        params: Mapping[str, Any] | None = None,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.reused`` tells which happened."""
        qid = validate_query_id(query_id)
        if max_age is not None and not isinstance(max_age, timedelta):
            raise InvalidArgument("max_age must be a datetime.timedelta or None")
        opts = self._options(options)
        encoded = encode_params(params)
        status = self._driver.run(
            latest_probe(
                self._core,
                qid,
                params=encoded,
                options=opts,
                max_age=max_age,
                now=lambda: datetime.now(UTC),
            )
        )
        if status is not None:
            return self._result(status, opts, reused=True)
        return self.run_query(
            qid,
            params,
            performance=performance,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            **options,
        )

    def download_csv(
        self, execution_id: str, dest: CsvDest, **options: Unpack[ResultKwargs]
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written."""
        eid = validate_execution_id(execution_id)
        opts = self._options(options)
        return self._driver.run(write_csv(self._core, eid, opts, dest))


class AsyncClient(_BaseClient):
    """Asynchronous Dune client: the same methods as Client, awaited."""

    def __init__(
        self,
        api_key: str | None | NotGiven = NOT_GIVEN,
        *,
        base_url: str | None | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[object] | object] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
        poll: PollConfig | None = None,
        wait_timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        cancel_on_timeout: bool = C.DEFAULT_CANCEL_ON_TIMEOUT,
        partial: str = C.DEFAULT_PARTIAL_POLICY,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        performance: str | None = C.DEFAULT_PERFORMANCE,
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
            wait_timeout=wait_timeout,
            cancel_on_timeout=cancel_on_timeout,
            partial=partial,
            page_size=page_size,
            performance=performance,
        )
        self._driver = AsyncDriver(self.lowlevel.get_async_httpx_client, sleep or asyncio.sleep)
        self.queries = AsyncQueries(self._core, self._driver)
        self.pipelines = AsyncPipelines(self)
        self.matviews = AsyncMaterializedViews(self)

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
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> AsyncExecution:
        """Start a saved query; returns at once with an AsyncExecution handle."""
        req = self._query_request(query_id, params, performance)
        return AsyncExecution(self, await self._driver.run(execute(self._core, req)))

    async def execute_sql(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
    ) -> AsyncExecution:
        """Start raw SQL (``POST /v1/sql/execute``); returns an AsyncExecution handle."""
        req = self._sql_request(sql, params, performance)
        return AsyncExecution(self, await self._driver.run(execute(self._core, req)))

    async def get_status(self, execution_id: str) -> ExecutionStatus:
        """The status of an execution by id."""
        return await self._driver.run(get_status(self._core, validate_execution_id(execution_id)))

    async def cancel(self, execution_id: str) -> bool:
        """Cancel an execution by id; True when the API confirms."""
        return await self._driver.run(cancel(self._core, validate_execution_id(execution_id)))

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
        deadline, cancel_it = self._wait_args(timeout, cancel_on_timeout)
        flow = wait(
            self._core,
            eid,
            timeout=deadline,
            on_progress=on_progress,
            cancel_on_timeout=cancel_it,
            first_delay=validate_timeout("first_delay", first_delay) or 0.0,
        )
        try:
            return await self._driver.run(flow)
        except asyncio.CancelledError:
            if cancel_it:
                await asyncio.shield(self._driver.run(cancel_quietly(self._core, eid)))
            raise

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
        opts = self._options(options)
        status = await self.wait(
            execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return await self._result(status, opts)

    async def _result(
        self, status: ExecutionStatus, opts: ResultOptions, reused: bool = False
    ) -> AsyncResult:
        page = await self._driver.run(first_page(self._core, status, opts))
        return AsyncResult(
            driver=self._driver,
            core=self._core,
            status=status,
            first=page,
            options=opts,
            is_partial=page.status.state == "QUERY_STATE_COMPLETED_PARTIAL"
            or status.state == "QUERY_STATE_COMPLETED_PARTIAL",
            reused=reused,
        )

    async def run_query(
        self,
        query_id: int,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute a saved query, wait for it and return its result."""
        opts = self._options(options)
        run = await self.execute_query(query_id, params, performance=performance)
        status = await run.wait(
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return await self._result(status, opts)

    async def run_sql(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Execute raw SQL, wait for it and return its result."""
        opts = self._options(options)
        run = await self.execute_sql(sql, params, performance=performance)
        status = await run.wait(
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
        )
        return await self._result(status, opts)

    async def latest_result(
        self,
        query_id: int,
        *,
        max_age: timedelta | None = None,
        params: Mapping[str, Any] | None = None,
        performance: str | None | NotGiven = NOT_GIVEN,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Reuse the query's latest result if it ended within ``max_age``, else run it again.
        ``result.reused`` tells which happened."""
        qid = validate_query_id(query_id)
        if max_age is not None and not isinstance(max_age, timedelta):
            raise InvalidArgument("max_age must be a datetime.timedelta or None")
        opts = self._options(options)
        encoded = encode_params(params)
        status = await self._driver.run(
            latest_probe(
                self._core,
                qid,
                params=encoded,
                options=opts,
                max_age=max_age,
                now=lambda: datetime.now(UTC),
            )
        )
        if status is not None:
            return await self._result(status, opts, reused=True)
        return await self.run_query(
            qid,
            params,
            performance=performance,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            **options,
        )

    async def download_csv(
        self, execution_id: str, dest: CsvDest, **options: Unpack[ResultKwargs]
    ) -> int:
        """Stream an execution's result as CSV to a path or writable; returns bytes written."""
        eid = validate_execution_id(execution_id)
        opts = self._options(options)
        return await self._driver.run(write_csv(self._core, eid, opts, dest))
