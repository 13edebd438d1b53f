"""duneq: a correct, fast client for the Dune Analytics API v1 (sync and async).

Names are imported on first use, so that ``import duneq`` (and ``duneq --help``) stay quick.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from ._version import __version__

_LAZY: dict[str, str] = {
    "APIConnectionError": "._errors",
    "APIResponse": "._answers",
    "Cancellation": "._answers",
    "Retrying": "._protocol",
    "APIError": "._errors",
    "APIStatusError": "._errors",
    "APITimeout": "._errors",
    "AsyncClient": "._client",
    "AsyncDatasetListing": "._catalog",
    "AsyncDatasets": "._catalog",
    "AsyncListing": "._listing",
    "AsyncQueryListing": "._queries",
    "AsyncEndpoints": "._catalog",
    "AsyncExecution": "._execution",
    "AsyncMaterializedViews": "._matviews",
    "AsyncPipelineRun": "._pipelines",
    "AsyncPipelines": "._pipelines",
    "AsyncQueries": "._queries",
    "AsyncResult": "._results",
    "AsyncUploads": "._uploads",
    "AuthenticationError": "._errors",
    "BadRequest": "._errors",
    "BillingPeriod": "._catalog",
    "BudgetExceeded": "._errors",
    "Cache": "._cache",
    "CacheCorruptWarning": "._errors",
    "CacheWarning": "._errors",
    "CacheMiss": "._errors",
    "ClientClosed": "._errors",
    "Client": "._client",
    "Conflict": "._errors",
    "CreatedTable": "._uploads",
    "CsvUpload": "._uploads",
    "DatapointBudgetExceeded": "._errors",
    "DatapointLimitExceeded": "._errors",
    "Dataset": "._catalog",
    "DatasetListing": "._catalog",
    "Datasets": "._catalog",
    "DuneError": "._errors",
    "DuneWarning": "._errors",
    "Endpoints": "._catalog",
    "Execution": "._execution",
    "ExecutionCancelled": "._errors",
    "ExecutionError": "._errors",
    "ExecutionExpired": "._errors",
    "ExecutionMayHaveStarted": "._errors",
    "ExecutionState": "._states",
    "ExecutionStatus": "._models",
    "ExecutionTimeout": "._errors",
    "InsertFailed": "._errors",
    "InsertResult": "._uploads",
    "InvalidArgument": "._errors",
    "Listing": "._listing",
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
    "Spent": "._flows.budget",
    "SweepFailure": "._sweep",
    "SweepStopped": "._errors",
    "SweepWarning": "._errors",
    "SweepProgress": "._sweep",
    "SweepRuns": "._sweep",
    "Pipelines": "._pipelines",
    "PollConfig": "._polling",
    "Progress": "._models",
    "Queries": "._queries",
    "QueryError": "._models",
    "QueryFailed": "._errors",
    "QueryListing": "._queries",
    "RateConfig": "._polling",
    "FetchProgress": "._protocol",
    "RateLimited": "._errors",
    "ResponseValidationError": "._errors",
    "Result": "._results",
    "ResultKwargs": "._options",
    "ResultMetadata": "._models",
    "ResultTooLarge": "._errors",
    "RowSequence": "._rows",
    "SavedQuery": "._queries",
    "ServerError": "._errors",
    "TableColumn": "._uploads",
    "UnknownStateWarning": "._errors",
    "UploadedTable": "._uploads",
    "Uploads": "._uploads",
    "UpsertedView": "._matviews",
    "WrittenDataset": "._dataset",
    "Usage": "._catalog",
    "__version__": "._version",
    "params": ".params",
}

if TYPE_CHECKING:
    from . import params
    from ._answers import APIResponse, Cancellation
    from ._cache import (
        Cache,
    )
    from ._catalog import (
        AsyncDatasetListing,
        AsyncDatasets,
        AsyncEndpoints,
        BillingPeriod,
        Dataset,
        DatasetListing,
        Datasets,
        Endpoints,
        Usage,
    )
    from ._client import (
        AsyncClient,
        Client,
    )
    from ._dataset import (
        WrittenDataset,
    )
    from ._errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeout,
        AuthenticationError,
        BadRequest,
        BudgetExceeded,
        CacheCorruptWarning,
        CacheMiss,
        CacheWarning,
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
        InsertFailed,
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
        ResultTooLarge,
        ServerError,
        SweepStopped,
        SweepWarning,
        UnknownStateWarning,
    )
    from ._execution import (
        AsyncExecution,
        Execution,
    )
    from ._flows.budget import (
        Spent,
    )
    from ._listing import AsyncListing, Listing
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
    from ._protocol import FetchProgress, Retrying
    from ._queries import (
        AsyncQueries,
        AsyncQueryListing,
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
    from ._sweep import (
        SweepFailure,
        SweepProgress,
        SweepRuns,
    )
    from ._types import (
        NOT_GIVEN,
        NotGiven,
    )
    from ._uploads import (
        AsyncUploads,
        CreatedTable,
        CsvUpload,
        InsertResult,
        TableColumn,
        UploadedTable,
        Uploads,
    )
    from ._version import (
        __version__,
    )

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIStatusError",
    "APITimeout",
    "AsyncClient",
    "AsyncDatasetListing",
    "AsyncDatasets",
    "AsyncEndpoints",
    "AsyncExecution",
    "AsyncListing",
    "AsyncMaterializedViews",
    "AsyncPipelineRun",
    "AsyncPipelines",
    "AsyncQueries",
    "AsyncQueryListing",
    "AsyncResult",
    "AsyncUploads",
    "AuthenticationError",
    "BadRequest",
    "BillingPeriod",
    "BudgetExceeded",
    "Cache",
    "CacheCorruptWarning",
    "CacheMiss",
    "CacheWarning",
    "Cancellation",
    "Client",
    "ClientClosed",
    "Conflict",
    "CreatedTable",
    "CsvUpload",
    "DatapointBudgetExceeded",
    "DatapointLimitExceeded",
    "Dataset",
    "DatasetListing",
    "Datasets",
    "DuneError",
    "DuneWarning",
    "Endpoints",
    "Execution",
    "ExecutionCancelled",
    "ExecutionError",
    "ExecutionExpired",
    "ExecutionMayHaveStarted",
    "ExecutionState",
    "ExecutionStatus",
    "ExecutionTimeout",
    "FetchProgress",
    "InsertFailed",
    "InsertResult",
    "InvalidArgument",
    "Listing",
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
    "ResultTooLarge",
    "Retrying",
    "RowSequence",
    "SavedQuery",
    "ServerError",
    "Spent",
    "SweepFailure",
    "SweepProgress",
    "SweepRuns",
    "SweepStopped",
    "SweepWarning",
    "TableColumn",
    "UnknownStateWarning",
    "UploadedTable",
    "Uploads",
    "UpsertedView",
    "Usage",
    "WrittenDataset",
    "__version__",
    "params",
]


def _import_lean(module: str) -> Any:
    """Import ``module`` of duneq; if that first imports httpx, httpx comes without its own
    command-line tool (it imports click, rich and pygments, about 80 modules, whenever they are
    installed; duneq never runs it). ``import httpx._main`` works again afterwards."""
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return importlib.import_module(module, __name__)
    sys.modules["httpx._main"] = None  # type: ignore[assignment]  # refused: httpx falls back
    try:
        return importlib.import_module(module, __name__)
    finally:
        if sys.modules.get("httpx._main", False) is None:
            del sys.modules["httpx._main"]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'duneq' has no attribute {name!r}")
    imported = _import_lean(module)
    value = imported if module == f".{name}" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
