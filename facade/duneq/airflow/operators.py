"""``DuneRunQueryOperator`` and ``DuneRunSQLOperator``: start an execution, defer to
``DuneExecutionTrigger`` while Dune runs (by default), then write the result with
``to_dataset`` (or ``to_parquet`` for a ``.parquet`` path) when ``output_uri`` is given.

XCom (the return value) carries ``execution_id``, ``rows``, ``credits``, ``state`` and
``output_uri``, never rows. ``on_kill`` cancels the execution. Reuse with ``max_age`` looks
for a fresh enough result first and, when there is none, runs the query in the worker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from .._client import Client
from .._results.handle import Result
from ._compat import AirflowException, BaseOperator
from .hooks import DuneHook
from .triggers import DuneExecutionTrigger


class _DuneRunOperator(BaseOperator):  # type: ignore[misc]
    """What both operators share: the connection, the wait, the output, the XCom."""

    template_fields: Sequence[str] = ("params_", "output_uri")
    ui_color = "#f4a261"

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any] | None = None,
        performance: str | None = None,
        max_credits: float | None = None,
        output_uri: str | None = None,
        partition_by: Sequence[str] | None = None,
        existing: str = "overwrite_or_ignore",
        wait_timeout: float | None = None,
        deferrable: bool = True,
        dune_conn_id: str = DuneHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.params_ = dict(parameters or {})
        self.performance = performance
        self.max_credits = max_credits
        self.output_uri = output_uri
        self.partition_by = list(partition_by) if partition_by else None
        self.existing = existing
        self.wait_timeout = wait_timeout
        self.deferrable = deferrable
        self.dune_conn_id = dune_conn_id
        self.execution_id: str | None = None

    # -- what the subclasses provide

    def _start(self, dune: Client) -> str:
        raise NotImplementedError

    def _reuse(self, dune: Client) -> Result | None:
        """A result to use without running anything (``max_age``), or None."""
        return None

    # -- the flow

    def _hook(self) -> DuneHook:
        return DuneHook(self.dune_conn_id, max_credits=self.max_credits)

    def execute(self, context: Any) -> dict[str, Any] | None:
        with self._hook().get_conn() as dune:
            reused = self._reuse(dune)
            if reused is not None:
                return self._finish(reused)
            self.execution_id = self._start(dune)
            context["ti"].xcom_push(key="execution_id", value=self.execution_id)
            self.log.info("dune execution %s started", self.execution_id)
            if self.deferrable:
                self.defer(
                    trigger=DuneExecutionTrigger(
                        execution_id=self.execution_id,
                        dune_conn_id=self.dune_conn_id,
                        timeout=self.wait_timeout,
                    ),
                    method_name="execute_complete",
                )
            result = dune.get_result(self.execution_id, timeout=self.wait_timeout)
            return self._finish(result)

    def execute_complete(self, context: Any, event: Mapping[str, Any]) -> dict[str, Any]:
        """Back from the trigger: raise its error, or read and write the result."""
        self.execution_id = str(event.get("execution_id"))
        if event.get("status") != "success":
            raise AirflowException(
                f"dune execution {self.execution_id}: {event.get('error_type')}: "
                f"{event.get('message')}"
            )
        with self._hook().get_conn() as dune:
            return self._finish(dune.get_result(self.execution_id))

    def _finish(self, result: Result) -> dict[str, Any]:
        uri = self.output_uri
        if uri is None:
            rows = result.metadata.total_row_count
        elif uri.endswith(".parquet") and not self.partition_by:
            rows = result.to_parquet(uri)
        else:
            written = result.to_dataset(uri, partition_by=self.partition_by, existing=self.existing)
            rows, uri = written.rows, written.uri
        summary = {
            "execution_id": result.execution_id,
            "rows": rows,
            "credits": float(result.cost_credits or 0.0),
            "state": str(result.state),
            "output_uri": uri,
        }
        self.log.info(
            "dune execution %(execution_id)s: %(rows)s rows, %(credits)s credits", summary
        )
        return summary

    def on_kill(self) -> None:
        """The task was killed while it waited in the worker: cancel the execution."""
        if self.execution_id is None:
            return
        with self._hook().get_conn() as dune:
            cancelled = dune.cancel(self.execution_id)
        self.log.info("dune execution %s cancelled: %s", self.execution_id, cancelled)


class DuneRunQueryOperator(_DuneRunOperator):
    """Run saved query ``query_id`` with ``parameters`` (templated), optionally reusing a
    result younger than ``max_age``, and write it to ``output_uri``."""

    template_fields: Sequence[str] = ("query_id", "params_", "output_uri")

    def __init__(
        self, *, query_id: int | str, max_age: timedelta | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.query_id = query_id
        self.max_age = max_age

    def _extra(self) -> dict[str, Any]:
        return {"performance": self.performance} if self.performance else {}

    def _reuse(self, dune: Client) -> Result | None:
        if self.max_age is None:
            return None
        return dune.latest_result(
            int(self.query_id),
            max_age=self.max_age,
            params=self.params_ or None,
            timeout=self.wait_timeout,
            **self._extra(),
        )

    def _start(self, dune: Client) -> str:
        execution = dune.execute_query(int(self.query_id), self.params_ or None, **self._extra())
        return execution.execution_id


class DuneRunSQLOperator(_DuneRunOperator):
    """Run ``sql`` (templated) with ``parameters`` and write it to ``output_uri``."""

    template_fields: Sequence[str] = ("sql", "params_", "output_uri")
    template_ext: Sequence[str] = (".sql",)

    def __init__(self, *, sql: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sql = sql

    def _start(self, dune: Client) -> str:
        extra: dict[str, Any] = {"performance": self.performance} if self.performance else {}
        execution = dune.execute_sql(self.sql, self.params_ or None, **extra)
        return execution.execution_id


__all__ = ["DuneRunQueryOperator", "DuneRunSQLOperator"]
