"""Guard the public surface of duneq: ``__all__`` lists exactly these names."""

from __future__ import annotations

import duneq

EXPECTED = {
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
    "QueryListing",
    "QueryError",
    "QueryFailed",
    "RateLimited",
    "ResponseValidationError",
    "Result",
    "ResultKwargs",
    "ResultMetadata",
    "SavedQuery",
    "RowSequence",
    "ServerError",
    "UnknownStateWarning",
    "__version__",
    # pipelines and materialized views
    "AsyncMaterializedViews",
    "AsyncPipelineRun",
    "AsyncPipelines",
    "MaterializedView",
    "MaterializedViews",
    "NodeStatus",
    "Pipeline",
    "PipelineEvent",
    "PipelineFailed",
    "PipelineNode",
    "PipelineRun",
    "PipelineState",
    "PipelineStatus",
    "Pipelines",
    "UpsertedView",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(duneq.__all__) == EXPECTED
    assert len(duneq.__all__) == len(EXPECTED)
    for name in EXPECTED:
        assert hasattr(duneq, name), name
    public = {n for n in dir(duneq) if not n.startswith("_")} - {"annotations", "cli"}
    assert public <= EXPECTED


def test_sync_and_async_share_method_names() -> None:
    for sync, async_ in [
        (duneq.Client, duneq.AsyncClient),
        (duneq.Execution, duneq.AsyncExecution),
        (duneq.Result, duneq.AsyncResult),
        (duneq.Queries, duneq.AsyncQueries),
        (duneq.Pipelines, duneq.AsyncPipelines),
        (duneq.PipelineRun, duneq.AsyncPipelineRun),
        (duneq.MaterializedViews, duneq.AsyncMaterializedViews),
    ]:
        names = {n for n in vars(sync) if not n.startswith("_")}
        assert names == {n for n in vars(async_) if not n.startswith("_")}


def test_error_tree() -> None:
    assert issubclass(duneq.DatapointLimitExceeded, duneq.PaymentRequired)
    for cls in (duneq.BadRequest, duneq.RateLimited, duneq.ServerError, duneq.NotFound):
        assert issubclass(cls, duneq.APIStatusError)
    assert issubclass(duneq.APITimeout, duneq.APIConnectionError)
    assert issubclass(duneq.InvalidArgument, ValueError)
    for exc in (
        duneq.QueryFailed,
        duneq.ExecutionTimeout,
        duneq.DatapointBudgetExceeded,
        duneq.PipelineFailed,
    ):
        assert issubclass(exc, duneq.ExecutionError) and issubclass(exc, duneq.DuneError)
    assert duneq.__version__
