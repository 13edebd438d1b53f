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
    "AsyncDatasetListing": "._resources.catalog",
    "AsyncDatasets": "._resources.catalog",
    "AsyncListing": "._resources.listing",
    "AsyncQueryListing": "._resources.queries",
    "AsyncEndpoints": "._resources.catalog",
    "AsyncExecution": "._results.execution",
    "AsyncMaterializedViews": "._resources.matviews",
    "AsyncPipelineRun": "._resources.pipelines",
    "AsyncPipelines": "._resources.pipelines",
    "AsyncQueries": "._resources.queries",
    "AsyncResult": "._results.handle",
    "AsyncUploads": "._resources.uploads",
    "AuthenticationError": "._errors",
    "BadRequest": "._errors",
    "BillingPeriod": "._resources.catalog",
    "BudgetExceeded": "._errors",
    "Cache": "._cache.store",
    "CacheCorruptWarning": "._errors",
    "CacheWarning": "._errors",
    "CacheMiss": "._errors",
    "ClientClosed": "._errors",
    "Client": "._client",
    "Conflict": "._errors",
    "CreatedTable": "._resources.uploads",
    "CsvUpload": "._resources.uploads",
    "DatapointBudgetExceeded": "._errors",
    "DatapointLimitExceeded": "._errors",
    "Dataset": "._resources.catalog",
    "DatasetListing": "._resources.catalog",
    "Datasets": "._resources.catalog",
    "DuneError": "._errors",
    "DuneWarning": "._errors",
    "Endpoints": "._resources.catalog",
    "Execution": "._results.execution",
    "ExecutionCancelled": "._errors",
    "ExecutionError": "._errors",
    "ExecutionExpired": "._errors",
    "ExecutionMayHaveStarted": "._errors",
    "ExecutionState": "._states",
    "ExecutionStatus": "._wire.models",
    "ExecutionTimeout": "._errors",
    "InsertFailed": "._errors",
    "InsertResult": "._resources.uploads",
    "InvalidArgument": "._errors",
    "Listing": "._resources.listing",
    "MaterializedView": "._resources.matviews",
    "MaterializedViews": "._resources.matviews",
    "MissingAPIKey": "._errors",
    "NOT_GIVEN": "._types",
    "NodeStatus": "._wire.pipeline_models",
    "NotFound": "._errors",
    "NotGiven": "._types",
    "PageMetadata": "._wire.models",
    "PartialResultError": "._errors",
    "PartialResultWarning": "._errors",
    "PaymentRequired": "._errors",
    "PermissionDenied": "._errors",
    "Pipeline": "._wire.pipeline_models",
    "PipelineEvent": "._wire.pipeline_models",
    "PipelineFailed": "._errors",
    "PipelineNode": "._wire.pipeline_models",
    "PipelineRun": "._resources.pipelines",
    "PipelineState": "._wire.pipeline_models",
    "PipelineStatus": "._wire.pipeline_models",
    "Spent": "._flows.budget",
    "SweepFailure": "._sweeps.state",
    "SweepStopped": "._errors",
    "SweepProgress": "._sweeps.state",
    "SweepRuns": "._sweeps.state",
    "Pipelines": "._resources.pipelines",
    "PollConfig": "._policy.polling",
    "Progress": "._wire.models",
    "Queries": "._resources.queries",
    "QueryError": "._wire.models",
    "QueryFailed": "._errors",
    "QueryListing": "._resources.queries",
    "RateConfig": "._policy.polling",
    "FetchProgress": "._protocol",
    "RateLimited": "._errors",
    "ResponseValidationError": "._errors",
    "Result": "._results.handle",
    "ResultKwargs": "._options",
    "ResultMetadata": "._wire.models",
    "ResultTooLarge": "._errors",
    "RowSequence": "._results.rows",
    "SavedQuery": "._resources.queries",
    "ServerError": "._errors",
    "TableColumn": "._resources.uploads",
    "UnknownStateWarning": "._errors",
    "UploadedTable": "._resources.uploads",
    "Uploads": "._resources.uploads",
    "UpsertedView": "._resources.matviews",
    "WrittenDataset": "._sweeps.datasets",
    "Usage": "._resources.catalog",
    "__version__": "._version",
    "params": ".params",
}

if TYPE_CHECKING:
    from . import params
    from ._answers import APIResponse, Cancellation
    from ._cache.store import (
        Cache,
    )
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
        UnknownStateWarning,
    )
    from ._flows.budget import (
        Spent,
    )
    from ._options import (
        ResultKwargs,
    )
    from ._policy.polling import (
        PollConfig,
        RateConfig,
    )
    from ._protocol import FetchProgress, Retrying
    from ._resources.catalog import (
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
    from ._resources.listing import AsyncListing, Listing
    from ._resources.matviews import (
        AsyncMaterializedViews,
        MaterializedView,
        MaterializedViews,
        UpsertedView,
    )
    from ._resources.pipelines import (
        AsyncPipelineRun,
        AsyncPipelines,
        PipelineRun,
        Pipelines,
    )
    from ._resources.queries import (
        AsyncQueries,
        AsyncQueryListing,
        Queries,
        QueryListing,
        SavedQuery,
    )
    from ._resources.uploads import (
        AsyncUploads,
        CreatedTable,
        CsvUpload,
        InsertResult,
        TableColumn,
        UploadedTable,
        Uploads,
    )
    from ._results.execution import (
        AsyncExecution,
        Execution,
    )
    from ._results.handle import (
        AsyncResult,
        Result,
    )
    from ._results.rows import (
        RowSequence,
    )
    from ._states import (
        ExecutionState,
    )
    from ._sweeps.datasets import (
        WrittenDataset,
    )
    from ._sweeps.state import (
        SweepFailure,
        SweepProgress,
        SweepRuns,
    )
    from ._types import (
        NOT_GIVEN,
        NotGiven,
    )
    from ._version import (
        __version__,
    )
    from ._wire.models import (
        ExecutionStatus,
        PageMetadata,
        Progress,
        QueryError,
        ResultMetadata,
    )
    from ._wire.pipeline_models import (
        NodeStatus,
        Pipeline,
        PipelineEvent,
        PipelineNode,
        PipelineState,
        PipelineStatus,
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
