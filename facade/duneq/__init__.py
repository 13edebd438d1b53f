"""duneq: a correct, fast client for the Dune Analytics API v1 (sync and async).

Names are imported on first use, so that ``import duneq`` (and ``duneq --help``) stay quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_LAZY: dict[str, str] = {
    "APIConnectionError": "._errors",
    "APIError": "._errors",
    "APIStatusError": "._errors",
    "APITimeout": "._errors",
    "AsyncClient": "._client",
    "AsyncExecution": "._execution",
    "AsyncMaterializedViews": "._matviews",
    "AsyncPipelineRun": "._pipelines",
    "AsyncPipelines": "._pipelines",
    "AsyncQueries": "._queries",
    "AsyncResult": "._results",
    "AuthenticationError": "._errors",
    "BadRequest": "._errors",
    "ClientClosed": "._errors",
    "Client": "._client",
    "Conflict": "._errors",
    "DatapointBudgetExceeded": "._errors",
    "DatapointLimitExceeded": "._errors",
    "DuneError": "._errors",
    "DuneWarning": "._errors",
    "Execution": "._execution",
    "ExecutionCancelled": "._errors",
    "ExecutionError": "._errors",
    "ExecutionExpired": "._errors",
    "ExecutionMayHaveStarted": "._errors",
    "ExecutionState": "._states",
    "ExecutionStatus": "._models",
    "ExecutionTimeout": "._errors",
    "InvalidArgument": "._errors",
    "MaterializedView": "._matviews",
    "MaterializedViews": "._matviews",
    "MissingAPIKey": "._errors",
    "NOT_GIVEN": "._types",
    "NodeStatus": "._pipelines_model",
    "NotFound": "._errors",
    "NotGiven": "._types",
    "PageMetadata": "._models",
    "PartialResultError": "._errors",
    "PartialResultWarning": "._errors",
    "PaymentRequired": "._errors",
    "PermissionDenied": "._errors",
    "Pipeline": "._pipelines_model",
    "PipelineEvent": "._pipelines_model",
    "PipelineFailed": "._errors",
    "PipelineNode": "._pipelines_model",
    "PipelineRun": "._pipelines",
    "PipelineState": "._pipelines_model",
    "PipelineStatus": "._pipelines_model",
    "Pipelines": "._pipelines",
    "PollConfig": "._polling",
    "Progress": "._models",
    "Queries": "._queries",
    "QueryError": "._models",
    "QueryFailed": "._errors",
    "QueryListing": "._queries",
    "RateConfig": "._polling",
    "RateLimited": "._errors",
    "ResponseValidationError": "._errors",
    "Result": "._results",
    "ResultKwargs": "._options",
    "ResultMetadata": "._models",
    "RowSequence": "._rows",
    "SavedQuery": "._queries",
    "ServerError": "._errors",
    "UnknownStateWarning": "._errors",
    "UpsertedView": "._matviews",
    "__version__": "._version",
}

if TYPE_CHECKING:
    from ._client import (
        AsyncClient,
        Client,
    )
    from ._errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeout,
        AuthenticationError,
        BadRequest,
        ClientClosed,
        Conflict,
        DatapointBudgetExceeded,
        DatapointLimitExceeded,
        DuneError,
        DuneWarning,
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
        PipelineFailed,
        QueryFailed,
        RateLimited,
        ResponseValidationError,
        ServerError,
        UnknownStateWarning,
    )
    from ._execution import (
        AsyncExecution,
        Execution,
    )
    from ._matviews import (
        AsyncMaterializedViews,
        MaterializedView,
        MaterializedViews,
        UpsertedView,
    )
    from ._models import (
        ExecutionStatus,
        PageMetadata,
        Progress,
        QueryError,
        ResultMetadata,
    )
    from ._options import (
        ResultKwargs,
    )
    from ._pipelines import (
        AsyncPipelineRun,
        AsyncPipelines,
        PipelineRun,
        Pipelines,
    )
    from ._pipelines_model import (
        NodeStatus,
        Pipeline,
        PipelineEvent,
        PipelineNode,
        PipelineState,
        PipelineStatus,
    )
    from ._polling import (
        PollConfig,
        RateConfig,
    )
    from ._queries import (
        AsyncQueries,
        Queries,
        QueryListing,
        SavedQuery,
    )
    from ._results import (
        AsyncResult,
        Result,
    )
    from ._rows import (
        RowSequence,
    )
    from ._states import (
        ExecutionState,
    )
    from ._types import (
        NOT_GIVEN,
        NotGiven,
    )
    from ._version import (
        __version__,
    )

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeout",
    "AsyncClient",
    "AsyncExecution",
    "AsyncMaterializedViews",
    "AsyncPipelineRun",
    "AsyncPipelines",
    "AsyncQueries",
    "AsyncResult",
    "AuthenticationError",
    "BadRequest",
    "Client",
    "ClientClosed",
    "Conflict",
    "DatapointBudgetExceeded",
    "DatapointLimitExceeded",
    "DuneError",
    "DuneWarning",
    "Execution",
    "ExecutionCancelled",
    "ExecutionError",
    "ExecutionExpired",
    "ExecutionMayHaveStarted",
    "ExecutionState",
    "ExecutionStatus",
    "ExecutionTimeout",
    "InvalidArgument",
    "MaterializedView",
    "MaterializedViews",
    "MissingAPIKey",
    "NodeStatus",
    "NotFound",
    "NotGiven",
    "PageMetadata",
    "PartialResultError",
    "PartialResultWarning",
    "PaymentRequired",
    "PermissionDenied",
    "Pipeline",
    "PipelineEvent",
    "PipelineFailed",
    "PipelineNode",
    "PipelineRun",
    "PipelineState",
    "PipelineStatus",
    "Pipelines",
    "PollConfig",
    "Progress",
    "Queries",
    "QueryError",
    "QueryFailed",
    "QueryListing",
    "RateConfig",
    "RateLimited",
    "ResponseValidationError",
    "Result",
    "ResultKwargs",
    "ResultMetadata",
    "RowSequence",
    "SavedQuery",
    "ServerError",
    "UnknownStateWarning",
    "UpsertedView",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'duneq' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
