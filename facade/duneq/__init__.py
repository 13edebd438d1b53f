"""duneq: a correct, fast client for the Dune Analytics API v1 (sync and async)."""

from __future__ import annotations

from ._client import AsyncClient, Client, ResultKwargs
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeout,
    AuthenticationError,
    BadRequest,
    Conflict,
    DatapointBudgetExceeded,
    DatapointLimitExceeded,
    DuneError,
    ExecutionCancelled,
    ExecutionError,
    ExecutionExpired,
    ExecutionMayHaveStarted,
    ExecutionTimeout,
    InvalidArgument,
    MissingAPIKey,
    NotFound,
    PartialResultError,
    PartialResultWarning,
    PaymentRequired,
    PermissionDenied,
    QueryFailed,
    RateLimited,
    ResponseValidationError,
    ServerError,
    UnknownStateWarning,
)
from ._execution import AsyncExecution, Execution
from ._models import ExecutionStatus, PageMetadata, Progress, QueryError, ResultMetadata
from ._polling import PollConfig
from ._queries import AsyncQueries, Queries, QueryListing, SavedQuery
from ._results import AsyncResult, Result
from ._rows import RowSequence
from ._states import ExecutionState
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeout",
    "AsyncClient",
    "AsyncExecution",
    "AsyncQueries",
    "AsyncResult",
    "AuthenticationError",
    "BadRequest",
    "Client",
    "Conflict",
    "DatapointBudgetExceeded",
    "DatapointLimitExceeded",
    "DuneError",
    "Execution",
    "ExecutionCancelled",
    "ExecutionError",
    "ExecutionExpired",
    "ExecutionMayHaveStarted",
    "ExecutionState",
    "ExecutionStatus",
    "ExecutionTimeout",
    "InvalidArgument",
    "MissingAPIKey",
    "NotFound",
    "NotGiven",
    "PageMetadata",
    "PartialResultError",
    "PartialResultWarning",
    "PaymentRequired",
    "PermissionDenied",
    "PollConfig",
    "Progress",
    "Queries",
    "QueryError",
    "QueryFailed",
    "QueryListing",
    "RateLimited",
    "ResponseValidationError",
    "Result",
    "ResultKwargs",
    "ResultMetadata",
    "RowSequence",
    "SavedQuery",
    "ServerError",
    "UnknownStateWarning",
    "__version__",
]
