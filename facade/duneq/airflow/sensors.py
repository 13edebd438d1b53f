"""``DuneExecutionSensor``: waits for an execution (started elsewhere) to finish; a failed or
cancelled execution fails the sensor instead of waiting forever."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._states import SUCCESS_STATES, TERMINAL_STATES
from ._compat import AirflowException, BaseSensorOperator
from .hooks import DuneHook


class DuneExecutionSensor(BaseSensorOperator):  # type: ignore[misc]
    """Pokes ``GET /execution/{id}/status`` until the execution is complete."""

    template_fields: Sequence[str] = ("execution_id",)

    def __init__(
        self, *, execution_id: str, dune_conn_id: str = DuneHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.execution_id = execution_id
        self.dune_conn_id = dune_conn_id

    def poke(self, context: Any) -> bool:
        with DuneHook(self.dune_conn_id).get_conn() as dune:
            status = dune.get_status(self.execution_id)
        self.log.info("dune execution %s: %s", self.execution_id, status.state)
        if status.state in SUCCESS_STATES:
            return True
        if status.state in TERMINAL_STATES:
            raise AirflowException(
                f"dune execution {self.execution_id} ended {status.state}"
                + (f": {status.error.message}" if status.error is not None else "")
            )
        return False


__all__ = ["DuneExecutionSensor"]
