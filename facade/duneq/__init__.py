"""duneq: a correct, fast client for the Dune Analytics API v1 (sync and async).

Names are imported on first use, so that ``import duneq`` (and ``duneq --help``) stay quick.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any


def _public_names() -> dict[str, str]:
    """Each public name and its module, read from the imports under ``TYPE_CHECKING`` below:
    they are the one list of duneq's public names (type checkers read them as written; at run
    time each is imported on first use)."""
    with open(__file__, encoding="utf-8") as file:
        block = file.read().split("# isort: off\n", 1)[1].split("# isort: on", 1)[0]
    names: dict[str, str] = {}
    for statement in block.replace("(", " ").replace(")", " ").split(" from ")[1:]:
        module, _, imported = statement.partition(" import ")
        for item in imported.replace("\n", ",").split(","):
            name = item.partition(" as ")[0].strip()
            if name:
                names[name] = f".{name}" if module.strip() == "." else module.strip()
    return names


if TYPE_CHECKING:  # the one list of public names (isort would split each `X as X` line)
    # isort: off
    from . import params as params
    from ._answers import (
        APIResponse as APIResponse,
        Cancellation as Cancellation,
    )
    from ._cache.store import Cache as Cache
    from ._client import (
        AsyncClient as AsyncClient,
        Client as Client,
    )
    from ._errors import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APIStatusError as APIStatusError,
        APITimeout as APITimeout,
        AuthenticationError as AuthenticationError,
        BadRequest as BadRequest,
        BudgetExceeded as BudgetExceeded,
        CacheCorruptWarning as CacheCorruptWarning,
        CacheMiss as CacheMiss,
        CacheWarning as CacheWarning,
        ClientClosed as ClientClosed,
        Conflict as Conflict,
        DatapointBudgetExceeded as DatapointBudgetExceeded,
        DatapointLimitExceeded as DatapointLimitExceeded,
        DuneError as DuneError,
        DuneWarning as DuneWarning,
        ExecutionCancelled as ExecutionCancelled,
        ExecutionError as ExecutionError,
        ExecutionExpired as ExecutionExpired,
        ExecutionMayHaveStarted as ExecutionMayHaveStarted,
        ExecutionTimeout as ExecutionTimeout,
        InsertFailed as InsertFailed,
        InvalidArgument as InvalidArgument,
        MissingAPIKey as MissingAPIKey,
        NotFound as NotFound,
        PartialResultError as PartialResultError,
        PartialResultWarning as PartialResultWarning,
        PaymentRequired as PaymentRequired,
        PermissionDenied as PermissionDenied,
        PipelineFailed as PipelineFailed,
        QueryFailed as QueryFailed,
        RateLimited as RateLimited,
        ResponseValidationError as ResponseValidationError,
        ResultTooLarge as ResultTooLarge,
        ServerError as ServerError,
        SweepStopped as SweepStopped,
        SweepWarning as SweepWarning,
        UnknownStateWarning as UnknownStateWarning,
    )
    from ._flows.budget import Spent as Spent
    from ._options import ResultKwargs as ResultKwargs
    from ._policy.polling import (
        PollConfig as PollConfig,
        RateConfig as RateConfig,
    )
    from ._protocol import (
        FetchProgress as FetchProgress,
        Retrying as Retrying,
    )
    from ._resources.catalog import (
        AsyncDatasetListing as AsyncDatasetListing,
        AsyncDatasets as AsyncDatasets,
        AsyncEndpoints as AsyncEndpoints,
        BillingPeriod as BillingPeriod,
        Dataset as Dataset,
        DatasetListing as DatasetListing,
        Datasets as Datasets,
        Endpoints as Endpoints,
        Usage as Usage,
    )
    from ._resources.listing import (
        AsyncListing as AsyncListing,
        Listing as Listing,
    )
    from ._resources.matviews import (
        AsyncMaterializedViews as AsyncMaterializedViews,
        MaterializedView as MaterializedView,
        MaterializedViews as MaterializedViews,
        UpsertedView as UpsertedView,
    )
    from ._resources.pipelines import (
        AsyncPipelineRun as AsyncPipelineRun,
        AsyncPipelines as AsyncPipelines,
        PipelineRun as PipelineRun,
        Pipelines as Pipelines,
    )
    from ._resources.queries import (
        AsyncQueries as AsyncQueries,
        AsyncQueryListing as AsyncQueryListing,
        Queries as Queries,
        QueryListing as QueryListing,
        SavedQuery as SavedQuery,
    )
    from ._resources.uploads import (
        AsyncUploads as AsyncUploads,
        CreatedTable as CreatedTable,
        CsvUpload as CsvUpload,
        InsertResult as InsertResult,
        TableColumn as TableColumn,
        UploadedTable as UploadedTable,
        Uploads as Uploads,
    )
    from ._results.execution import (
        AsyncExecution as AsyncExecution,
        Execution as Execution,
    )
    from ._results.handle import (
        AsyncResult as AsyncResult,
        Result as Result,
    )
    from ._results.rows import RowSequence as RowSequence
    from ._states import ExecutionState as ExecutionState
    from ._sweeps.datasets import WrittenDataset as WrittenDataset
    from ._sweeps.state import (
        SweepFailure as SweepFailure,
        SweepProgress as SweepProgress,
        SweepRuns as SweepRuns,
    )
    from ._types import (
        NOT_GIVEN as NOT_GIVEN,
        NotGiven as NotGiven,
    )
    from ._version import __version__ as __version__
    from ._wire.models import (
        ExecutionStatus as ExecutionStatus,
        PageMetadata as PageMetadata,
        Progress as Progress,
        QueryError as QueryError,
        ResultMetadata as ResultMetadata,
    )
    from ._wire.pipeline_models import (
        NodeStatus as NodeStatus,
        Pipeline as Pipeline,
        PipelineEvent as PipelineEvent,
        PipelineNode as PipelineNode,
        PipelineState as PipelineState,
        PipelineStatus as PipelineStatus,
    )
    # isort: on

_LAZY: dict[str, str] = _public_names()
__all__ = sorted(_LAZY)


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
