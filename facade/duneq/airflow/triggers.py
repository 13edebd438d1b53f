"""``DuneExecutionTrigger``: waits on a Dune execution in the triggerer with ``AsyncClient``
(no worker slot held), and cancels it when a user kills the deferred task."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .._errors import DuneError
from ._compat import BaseTrigger, TriggerEvent
from .hooks import DuneHook


class DuneExecutionTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires once the execution is terminal: ``{"status": "success" | "error", ...}``."""

    def __init__(
        self,
        execution_id: str,
        dune_conn_id: str = DuneHook.default_conn_name,
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.dune_conn_id = dune_conn_id
        self.timeout = timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        # the connection id, never the key: trigger arguments are stored in the metadata DB
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "execution_id": self.execution_id,
                "dune_conn_id": self.dune_conn_id,
                "timeout": self.timeout,
            },
        )

    async def run(self) -> AsyncIterator[Any]:
        client = await DuneHook(self.dune_conn_id).get_async_conn()
        try:
            status = await client.wait(self.execution_id, timeout=self.timeout)
            event = {
                "status": "success",
                "execution_id": self.execution_id,
                "state": str(status.state),
            }
        except DuneError as exc:
            event = {
                "status": "error",
                "execution_id": self.execution_id,
                "error_type": type(exc).__name__,
                "message": str(exc),
            }
        finally:
            await client.close()
        yield TriggerEvent(event)

    async def on_kill(self) -> None:
        """The user killed the deferred task: cancel the execution on Dune."""
        client = await DuneHook(self.dune_conn_id).get_async_conn()
        try:
            await client.cancel(self.execution_id)
        finally:
            await client.close()
