"""Execution and AsyncExecution: handles on one run (status, cancel, wait, result)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ._flows import first_poll_delay
from ._models import ExecutionStatus
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import AsyncClient, Client, ProgressCallback, ResultKwargs
    from ._results import AsyncResult, Result


class Execution:
    """A handle on one execution; all calls go through the client that started it."""

    def __init__(self, client: Client, status: ExecutionStatus) -> None:
        self._client = client
        self.execution_id = status.execution_id
        self.last_status = status
        self._created = client._core.clock()

    def status(self) -> ExecutionStatus:
        """Fetch the current status (free; also updates ``last_status``)."""
        self.last_status = self._client.get_status(self.execution_id)
        return self.last_status

    def cancel(self) -> bool:
        """Cancel the remote execution; True when the API confirms."""
        return self._client.cancel(self.execution_id)

    def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> ExecutionStatus:
        """Poll until COMPLETED/COMPLETED_PARTIAL; raise for FAILED, CANCELLED, EXPIRED, timeout."""
        self.last_status = self._client.wait(
            self.execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            first_delay=first_poll_delay(self._client._core, self.last_status, self._created),
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
        return self._client.get_result(
            self.execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            **options,
        )

    def __repr__(self) -> str:
        return f"<Execution {self.execution_id} {self.last_status.state}>"


class AsyncExecution:
    """The async twin of Execution (same methods, awaited)."""

    def __init__(self, client: AsyncClient, status: ExecutionStatus) -> None:
        self._client = client
        self.execution_id = status.execution_id
        self.last_status = status
        self._created = client._core.clock()

    async def status(self) -> ExecutionStatus:
        """Fetch the current status (free; also updates ``last_status``)."""
        self.last_status = await self._client.get_status(self.execution_id)
        return self.last_status

    async def cancel(self) -> bool:
        """Cancel the remote execution; True when the API confirms."""
        return await self._client.cancel(self.execution_id)

    async def wait(
        self,
        timeout: float | None | NotGiven = NOT_GIVEN,
        *,
        on_progress: ProgressCallback | None = None,
        cancel_on_timeout: bool | NotGiven = NOT_GIVEN,
    ) -> ExecutionStatus:
        """Poll until COMPLETED/COMPLETED_PARTIAL; raise for FAILED, CANCELLED, EXPIRED, timeout."""
        self.last_status = await self._client.wait(
            self.execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            first_delay=first_poll_delay(self._client._core, self.last_status, self._created),
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
        return await self._client.get_result(
            self.execution_id,
            timeout=timeout,
            on_progress=on_progress,
            cancel_on_timeout=cancel_on_timeout,
            **options,
        )

    def __repr__(self) -> str:
        return f"<AsyncExecution {self.execution_id} {self.last_status.state}>"
