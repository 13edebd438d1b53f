"""Execution and AsyncExecution: handles on one run (status, cancel, wait, result)."""

from __future__ import annotations

from typing import Unpack

from .._answers import Cancellation
from .._bound import Bound
from .._flows import run as run_flows
from .._flows import wait as wait_flows
from .._flows.context import ReadWindow
from .._flows.wait import ProgressCallback
from .._options import ResultKwargs
from .._transport.drivers import AsyncDriver, SyncDriver
from .._types import NOT_GIVEN, NotGiven
from .._wire.models import ExecutionStatus
from .handle import AsyncResult, Result


class _ExecutionBase:
    """Identity and the last status seen; no I/O here."""

    def __init__(self, status: ExecutionStatus, created: float) -> None:
        self.execution_id = status.execution_id
        self.last_status = status
        self._created = created

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.execution_id} {self.last_status.state}>"


class Execution(_ExecutionBase):
    """A handle on one execution, run through the client that started it."""

    def __init__(self, bound: Bound[SyncDriver], status: ExecutionStatus) -> None:
        super().__init__(status, bound.ctx.clock())
        self._bound = bound

    def status(self) -> ExecutionStatus:
        """Fetch the current status (free; also updates ``last_status``)."""
        b = self._bound
        self.last_status = b.driver.run(wait_flows.get_status(b.ctx, self.execution_id))
        return self.last_status

    def cancel(self) -> Cancellation:
        """Cancel the remote execution: the API's answer, true when it confirmed, with its
        ``message`` (why nothing was cancelled, e.g. the run had already finished)."""
        return self._bound.driver.run(wait_flows.cancel(self._bound.ctx, self.execution_id))

    def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> ExecutionStatus:
        """Poll until COMPLETED/COMPLETED_PARTIAL; raise for FAILED, CANCELLED, EXPIRED, timeout."""
        b = self._bound
        how = b.defaults.wait_args(timeout, cancel_on_timeout, on_progress)
        self.last_status = b.driver.run(
            wait_flows.wait_for(b.ctx, self.last_status, self._created, how)
        )
        return self.last_status

    def result(
        self,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> Result:
        """Wait if needed, then return the result (first page fetched, the rest lazily)."""
        b = self._bound
        how = b.defaults.wait_args(timeout, cancel_on_timeout, on_progress)
        window = ReadWindow.starting(b.ctx.clock(), how.timeout)
        opened = b.driver.run(
            run_flows.wait_then_open(b.ctx, self.execution_id, how, b.defaults.options(options))
        )
        return Result(b, opened, window=window)


class AsyncExecution(_ExecutionBase):
    """The async twin of Execution (same methods, awaited)."""

    def __init__(self, bound: Bound[AsyncDriver], status: ExecutionStatus) -> None:
        super().__init__(status, bound.ctx.clock())
        self._bound = bound

    async def status(self) -> ExecutionStatus:
        """Fetch the current status (free; also updates ``last_status``)."""
        b = self._bound
        self.last_status = await b.driver.run(wait_flows.get_status(b.ctx, self.execution_id))
        return self.last_status

    async def cancel(self) -> Cancellation:
        """Cancel the remote execution: the API's answer, true when it confirmed, with its
        ``message``."""
        return await self._bound.driver.run(wait_flows.cancel(self._bound.ctx, self.execution_id))

    async def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> ExecutionStatus:
        """Poll until COMPLETED/COMPLETED_PARTIAL; raise for FAILED, CANCELLED, EXPIRED, timeout."""
        b = self._bound
        how = b.defaults.wait_args(timeout, cancel_on_timeout, on_progress)
        self.last_status = await b.driver.run(
            wait_flows.wait_for(b.ctx, self.last_status, self._created, how)
        )
        return self.last_status

    async def result(
        self,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[ResultKwargs],
    ) -> AsyncResult:
        """Wait if needed, then return the result (first page fetched, the rest lazily)."""
        b = self._bound
        how = b.defaults.wait_args(timeout, cancel_on_timeout, on_progress)
        window = ReadWindow.starting(b.ctx.clock(), how.timeout)
        opened = await b.driver.run(
            run_flows.wait_then_open(b.ctx, self.execution_id, how, b.defaults.options(options))
        )
        return AsyncResult(b, opened, window=window)
