"""The one error tree of duneq, and the mapping from HTTP status and body to an error class.

DuneError
├── InvalidArgument (also ValueError)
├── MissingAPIKey
├── ClientClosed (also RuntimeError)
├── APIError                       carries method, path, execution_id
│   ├── APIStatusError             + status_code, api_message, body
│   │   ├── BadRequest 400
│   │   ├── AuthenticationError 401
│   │   ├── PaymentRequired 402 ── DatapointLimitExceeded
│   │   ├── PermissionDenied 403
│   │   ├── NotFound 404
│   │   ├── Conflict 409
│   │   ├── RateLimited 429
│   │   └── ServerError 5xx
│   ├── APIConnectionError ── APITimeout
│   ├── ExecutionMayHaveStarted
│   └── ResponseValidationError
└── ExecutionError                 carries execution_id
    ├── QueryFailed, ExecutionCancelled, ExecutionExpired, ExecutionTimeout
    ├── PipelineFailed             carries the pipeline status and its failed nodes
    └── PartialResultError
BudgetExceeded                     a client-side limit refused a request; nothing was sent
└── ResultTooLarge                 one read's max_result_datapoints (also an ExecutionError;
                                   DatapointBudgetExceeded is its former name, kept)
CacheMiss                          offline mode, and the cache does not hold what was asked
SweepStopped                       a sweep item's error every item would get; carries it
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

_REDACT = re.compile(r"(api_key=)[^&\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """Remove an ``api_key=...`` query value from a path or URL."""
    return _REDACT.sub(r"\1***", text)


class DuneError(Exception):
    """Base class of every error raised by duneq."""


class InvalidArgument(DuneError, ValueError):
    """An argument failed client-side validation; nothing was sent."""


class MissingAPIKey(DuneError):
    """No API key was passed and the environment variable is unset."""


class ClientClosed(DuneError, RuntimeError):
    """A call was made on a client after ``close()``; nothing was sent."""


class APIError(DuneError):
    """An error tied to one HTTP request (method and path, never the key)."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        execution_id: str | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = redact(path) if path else path
        self.execution_id = execution_id
        super().__init__(self._render())

    def _render(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        return f"{self.message}{where}"


class APIStatusError(APIError):
    """The API answered with an error status; ``api_message`` is the API's own ``error`` text."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        api_message: str | None = None,
        body: bytes = b"",
        method: str | None = None,
        path: str | None = None,
        execution_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.api_message = api_message
        self.body = body
        self.retry_after = retry_after
        super().__init__(message, method=method, path=path, execution_id=execution_id)

    def _render(self) -> str:
        return f"HTTP {self.status_code}: {super()._render()}"


class BadRequest(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing or invalid."""


class PaymentRequired(APIStatusError):
    """HTTP 402: a billing or credit limit was reached."""


class DatapointLimitExceeded(PaymentRequired):
    """HTTP 402 for the per-request datapoint cap; lift it with ``ignore_datapoint_limit=True``."""


class PermissionDenied(APIStatusError):
    """HTTP 403."""


class NotFound(APIStatusError):
    """HTTP 404."""


class Conflict(APIStatusError):
    """HTTP 409."""


class RateLimited(APIStatusError):
    """HTTP 429 after the retries ran out."""


class ServerError(APIStatusError):
    """HTTP 5xx (after retries where retrying was allowed)."""


class APIConnectionError(APIError):
    """The request could not be completed: connection refused, reset or dropped."""

    #: The transport failure ("connect": never sent; "read", "timeout", "protocol": it may
    #: have reached the server), when the error comes from one.
    failure: str | None = None


class APITimeout(APIConnectionError):
    """The HTTP request timed out."""


class ExecutionMayHaveStarted(APIError):
    """An execute request failed ambiguously: the execution may be running and billed."""

    def __init__(
        self,
        message: str,
        *,
        cause: str,
        method: str,
        path: str,
        execution_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.cause = cause
        self.status_code = status_code
        super().__init__(message, method=method, path=path, execution_id=execution_id)


class ResponseValidationError(APIError):
    """The response was not what the API promises (bad JSON, missing fields, odd status)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        execution_id: str | None = None,
    ) -> None:
        self.status_code = status_code
        super().__init__(message, method=method, path=path, execution_id=execution_id)


class ExecutionError(DuneError):
    """An execution ended in a state the caller did not ask for."""

    def __init__(self, message: str, *, execution_id: str | None) -> None:
        self.message = message
        self.execution_id = execution_id
        super().__init__(message)


class QueryFailed(ExecutionError):
    """The execution reached QUERY_STATE_FAILED; carries the engine's message, line and column."""

    def __init__(
        self,
        execution_id: str,
        *,
        error_type: str | None,
        message: str,
        line: int | None,
        column: int | None,
    ) -> None:
        self.error_type = error_type
        self.error_message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(
            f"execution {execution_id} failed{where}: {message}", execution_id=execution_id
        )


class ExecutionCancelled(ExecutionError):
    """The execution was cancelled (QUERY_STATE_CANCELLED or the documented CANCELED)."""


class ExecutionExpired(ExecutionError):
    """The execution's result expired and its data is gone."""


class ExecutionTimeout(ExecutionError):
    """``wait()`` hit its deadline, or (``reading`` set) a result's pages could not all be read
    before it; ``cancelled`` tells whether the remote run was cancelled."""

    def __init__(
        self,
        execution_id: str,
        *,
        state: str | None,
        elapsed: float,
        timeout: float,
        cancelled: bool,
        subject: str = "execution",
        cancelled_executions: Sequence[str] = (),
        reading: str | None = None,
    ) -> None:
        self.state = state
        self.elapsed = elapsed
        self.timeout = timeout
        self.cancelled = cancelled
        self.cancelled_executions = tuple(cancelled_executions)
        #: What was being read when the deadline passed (None: the wait itself timed out).
        self.reading = reading
        what = "cancelled remotely" if cancelled else "left running"
        if self.cancelled_executions and subject != "execution":
            what += f" ({', '.join(self.cancelled_executions)})"
        if reading is not None:
            message = (
                f"the result of execution {execution_id} could not be read within the "
                f"{timeout:g} s timeout ({reading}; {elapsed:.1f} s elapsed); the read is "
                "incomplete: read it again, or pass a longer timeout (None: no limit)"
            )
        else:
            message = (
                f"{subject} {execution_id} did not finish within {timeout:g} s "
                f"(last state {state}, {elapsed:.1f} s elapsed); {what}"
            )
        super().__init__(message, execution_id=execution_id)


class PipelineStatusLike(Protocol):
    """What PipelineFailed reads of a ``duneq.PipelineStatus`` (named structurally, so this
    module imports nothing of duneq and stays the leaf every other module can import)."""

    @property
    def pipeline_execution_id(self) -> str: ...
    @property
    def nodes(self) -> tuple[Any, ...]: ...
    @property
    def failed_nodes(self) -> tuple[Any, ...]: ...
    def failure_message(self) -> str: ...


class PipelineFailed(ExecutionError):
    """A pipeline completed with failed nodes; ``failed_nodes`` name them, ``status``/``run``
    keep every node (succeeded ones included) reachable."""

    def __init__(self, status: PipelineStatusLike, *, run: object = None) -> None:
        self.status = status
        self.pipeline_execution_id = status.pipeline_execution_id
        self.nodes = status.nodes
        self.failed_nodes = status.failed_nodes
        #: The PipelineRun or AsyncPipelineRun that raised it (set by the run's ``wait``).
        self.run = run
        first = self.failed_nodes[0].execution_id if self.failed_nodes else None
        super().__init__(status.failure_message(), execution_id=first)


class PartialResultError(ExecutionError):
    """The result is truncated (COMPLETED_PARTIAL) and the partial policy is ``"error"``."""


class BudgetExceeded(DuneError):
    """A client-side limit refused a request before it was sent: the client's totals
    ``Client(max_credits=, max_datapoints=)``, or (as ResultTooLarge) one read's
    ``max_result_datapoints``. ``unit`` ("credits" or "datapoints"), ``limit``, ``spent``,
    ``would_cost`` and ``left`` say which limit and by how much."""

    def __init__(
        self, unit: str, *, spent: float, would_cost: float, limit: float, what: str
    ) -> None:
        self.unit = unit
        self.spent = spent
        self.would_cost = would_cost
        self.limit = limit
        self.left = max(limit - spent, 0)
        super().__init__(
            f"{what} would cost about {would_cost:g} {unit}, but only {self.left:g} of the "
            f"client's max_{unit}={limit:g} are left ({spent:g} spent); nothing was sent"
        )


class ResultTooLarge(BudgetExceeded, ExecutionError):
    """One result's rows x columns pass the read's ``max_result_datapoints``; nothing was
    downloaded. Also an ExecutionError (``execution_id``), as its former name was."""

    def __init__(
        self, execution_id: str | None, *, budget: int, total_rows: int, columns: int
    ) -> None:
        self.budget = budget
        self.total_rows = total_rows
        self.columns = columns
        self.datapoints = total_rows * columns
        self.unit, self.spent, self.would_cost = "datapoints", 0, self.datapoints
        self.limit, self.left = budget, budget
        ExecutionError.__init__(
            self,
            f"result has {total_rows} rows x {columns} columns = {self.datapoints} datapoints, "
            f"over max_result_datapoints={budget}",
            execution_id=execution_id,
        )


#: The former name of ResultTooLarge (the same class), kept for code that catches it.
DatapointBudgetExceeded = ResultTooLarge


class SweepStopped(DuneError):
    """A sweep item failed with an error that does not depend on the item (401, 402, 403,
    404, or a 400 on parameter names), so the sweep stopped instead of repeating it for every
    item. ``error`` is that error, ``runs`` the SweepRuns so far (the rest stay queued)."""

    def __init__(self, error: APIError, *, params: str, not_started: int, runs: Any) -> None:
        self.error = error
        self.params = params
        self.not_started = not_started
        #: The ``SweepRuns`` so far (typed loosely: the sweep module imports this one).
        self.runs = runs
        super().__init__(
            f"sweep stopped: {error}; it does not depend on the item ({params}), so every item "
            f"would fail the same way; {not_started} not started (keep_going=True, or "
            "--keep-going, runs them all)"
        )


class CacheMiss(DuneError):
    """The client is offline and the local cache holds no usable entry for the call."""


class DuneWarning(UserWarning):
    """Base of duneq's warnings; ``execution_id`` names the execution concerned (or None)."""

    def __init__(self, message: str, *, execution_id: str | None = None) -> None:
        super().__init__(message)
        self.execution_id = execution_id


class PartialResultWarning(DuneWarning):
    """Emitted when a truncated (COMPLETED_PARTIAL) result is returned under policy ``"warn"``."""


class CacheWarning(DuneWarning):
    """The local cache could not be read or written (a full disk, a read-only folder, an entry
    path that is not a file); the result is fetched and returned all the same."""


class CacheCorruptWarning(CacheWarning):
    """A cache entry failed its checks; it was deleted and the data is fetched again."""


class UnknownStateWarning(DuneWarning):
    """Emitted when the API reports an execution state duneq does not know; polling goes on."""


class SweepWarning(DuneWarning):
    """A resumed sweep ran an item again without finding the run a killed process's execute
    may have started: that item may be billed twice (``params`` names it)."""

    def __init__(self, message: str, *, params: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.params = dict(params)


class InsertFailed(DuneError):
    """A chunked insert stopped at a chunk. ``rows_written`` rows (``chunks_written`` chunks)
    are confirmed in the table. ``unknown_rows`` (input rows, 0-based, end exclusive) and
    ``unknown_chunk`` name the failed chunk when the server may have written it (a 5xx, a
    reply cut or dropped); they are None when it surely did not land. ``resume_row`` is the
    first input row not confirmed (pass it as ``start_row`` when that chunk did not land)."""

    def __init__(
        self,
        message: str,
        *,
        rows_written: int,
        chunks_written: int,
        table: str,
        resume_row: int = 0,
        unknown_chunk: int | None = None,
        unknown_rows: range | None = None,
    ) -> None:
        super().__init__(message)
        self.rows_written = rows_written
        self.chunks_written = chunks_written
        self.table = table
        self.resume_row = resume_row
        self.unknown_chunk = unknown_chunk
        self.unknown_rows = unknown_rows

    @property
    def outcome_known(self) -> bool:
        """True when the failed chunk surely did not land (resume at ``resume_row``)."""
        return self.unknown_rows is None
