"""Contains all the data models used in inputs/outputs.

duneq: each model module is imported on first use (``from dune_api.models import X`` or
``dune_api.models.X``), not all at once, so importing one model does not load them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .billing_period import BillingPeriod
    from .cancel_execution_response import CancelExecutionResponse
    from .create_query_request import CreateQueryRequest
    from .create_upload_request import CreateUploadRequest
    from .create_upload_response import CreateUploadResponse
    from .dataset import Dataset
    from .dataset_column import DatasetColumn
    from .dataset_column_metadata import DatasetColumnMetadata
    from .dataset_metadata import DatasetMetadata
    from .dataset_owner import DatasetOwner
    from .enum_from_results import EnumFromResults
    from .error import Error
    from .error_location import ErrorLocation
    from .execute_pipeline_request import ExecutePipelineRequest
    from .execute_pipeline_request_query_parameters import ExecutePipelineRequestQueryParameters
    from .execute_query_pipeline_request import ExecuteQueryPipelineRequest
    from .execute_query_pipeline_request_query_parameters import ExecuteQueryPipelineRequestQueryParameters
    from .execute_query_request import ExecuteQueryRequest
    from .execute_query_request_query_parameters import ExecuteQueryRequestQueryParameters
    from .execute_query_response import ExecuteQueryResponse
    from .execute_sql_request import ExecuteSqlRequest
    from .execution_result import ExecutionResult
    from .execution_result_metadata import ExecutionResultMetadata
    from .get_execution_status_response import GetExecutionStatusResponse
    from .insert_rows_response import InsertRowsResponse
    from .list_datasets_response import ListDatasetsResponse
    from .list_materialized_views_response import ListMaterializedViewsResponse
    from .list_queries_response import ListQueriesResponse
    from .list_uploads_response import ListUploadsResponse
    from .materialized_view import MaterializedView
    from .materialized_view_schedule import MaterializedViewSchedule
    from .materialized_view_summary import MaterializedViewSummary
    from .message_response import MessageResponse
    from .parameter import Parameter
    from .performance import Performance
    from .pipeline import Pipeline
    from .pipeline_execution_response import PipelineExecutionResponse
    from .pipeline_execution_status import PipelineExecutionStatus
    from .pipeline_materialized_view_refresh import PipelineMaterializedViewRefresh
    from .pipeline_materialized_view_refresh_status import PipelineMaterializedViewRefreshStatus
    from .pipeline_node import PipelineNode
    from .pipeline_node_execution import PipelineNodeExecution
    from .pipeline_query_execution import PipelineQueryExecution
    from .pipeline_query_execution_query_parameters import PipelineQueryExecutionQueryParameters
    from .pipeline_query_execution_status import PipelineQueryExecutionStatus
    from .query import Query
    from .query_id_response import QueryIdResponse
    from .query_pipeline_response import QueryPipelineResponse
    from .query_result_error import QueryResultError
    from .query_summary import QuerySummary
    from .read_execution_result_response import ReadExecutionResultResponse
    from .refresh_materialized_view_request import RefreshMaterializedViewRequest
    from .refresh_materialized_view_response import RefreshMaterializedViewResponse
    from .table_owner import TableOwner
    from .update_query_request import UpdateQueryRequest
    from .upload_column import UploadColumn
    from .upload_csv_request import UploadCsvRequest
    from .upload_csv_response import UploadCsvResponse
    from .uploaded_table import UploadedTable
    from .uploaded_table_column import UploadedTableColumn
    from .uploaded_table_column_metadata import UploadedTableColumnMetadata
    from .upsert_materialized_view_request import UpsertMaterializedViewRequest
    from .upsert_materialized_view_response import UpsertMaterializedViewResponse
    from .usage_request import UsageRequest
    from .usage_response import UsageResponse

_MODULES = {
    "BillingPeriod": ".billing_period",
    "CancelExecutionResponse": ".cancel_execution_response",
    "CreateQueryRequest": ".create_query_request",
    "CreateUploadRequest": ".create_upload_request",
    "CreateUploadResponse": ".create_upload_response",
    "Dataset": ".dataset",
    "DatasetColumn": ".dataset_column",
    "DatasetColumnMetadata": ".dataset_column_metadata",
    "DatasetMetadata": ".dataset_metadata",
    "DatasetOwner": ".dataset_owner",
    "EnumFromResults": ".enum_from_results",
    "Error": ".error",
    "ErrorLocation": ".error_location",
    "ExecutePipelineRequest": ".execute_pipeline_request",
    "ExecutePipelineRequestQueryParameters": ".execute_pipeline_request_query_parameters",
    "ExecuteQueryPipelineRequest": ".execute_query_pipeline_request",
    "ExecuteQueryPipelineRequestQueryParameters": ".execute_query_pipeline_request_query_parameters",
    "ExecuteQueryRequest": ".execute_query_request",
    "ExecuteQueryRequestQueryParameters": ".execute_query_request_query_parameters",
    "ExecuteQueryResponse": ".execute_query_response",
    "ExecuteSqlRequest": ".execute_sql_request",
    "ExecutionResult": ".execution_result",
    "ExecutionResultMetadata": ".execution_result_metadata",
    "GetExecutionStatusResponse": ".get_execution_status_response",
    "InsertRowsResponse": ".insert_rows_response",
    "ListDatasetsResponse": ".list_datasets_response",
    "ListMaterializedViewsResponse": ".list_materialized_views_response",
    "ListQueriesResponse": ".list_queries_response",
    "ListUploadsResponse": ".list_uploads_response",
    "MaterializedView": ".materialized_view",
    "MaterializedViewSchedule": ".materialized_view_schedule",
    "MaterializedViewSummary": ".materialized_view_summary",
    "MessageResponse": ".message_response",
    "Parameter": ".parameter",
    "Performance": ".performance",
    "Pipeline": ".pipeline",
    "PipelineExecutionResponse": ".pipeline_execution_response",
    "PipelineExecutionStatus": ".pipeline_execution_status",
    "PipelineMaterializedViewRefresh": ".pipeline_materialized_view_refresh",
    "PipelineMaterializedViewRefreshStatus": ".pipeline_materialized_view_refresh_status",
    "PipelineNode": ".pipeline_node",
    "PipelineNodeExecution": ".pipeline_node_execution",
    "PipelineQueryExecution": ".pipeline_query_execution",
    "PipelineQueryExecutionQueryParameters": ".pipeline_query_execution_query_parameters",
    "PipelineQueryExecutionStatus": ".pipeline_query_execution_status",
    "Query": ".query",
    "QueryIdResponse": ".query_id_response",
    "QueryPipelineResponse": ".query_pipeline_response",
    "QueryResultError": ".query_result_error",
    "QuerySummary": ".query_summary",
    "ReadExecutionResultResponse": ".read_execution_result_response",
    "RefreshMaterializedViewRequest": ".refresh_materialized_view_request",
    "RefreshMaterializedViewResponse": ".refresh_materialized_view_response",
    "TableOwner": ".table_owner",
    "UpdateQueryRequest": ".update_query_request",
    "UploadColumn": ".upload_column",
    "UploadCsvRequest": ".upload_csv_request",
    "UploadCsvResponse": ".upload_csv_response",
    "UploadedTable": ".uploaded_table",
    "UploadedTableColumn": ".uploaded_table_column",
    "UploadedTableColumnMetadata": ".uploaded_table_column_metadata",
    "UpsertMaterializedViewRequest": ".upsert_materialized_view_request",
    "UpsertMaterializedViewResponse": ".upsert_materialized_view_response",
    "UsageRequest": ".usage_request",
    "UsageResponse": ".usage_response",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


__all__ = (
    "BillingPeriod",
    "CancelExecutionResponse",
    "CreateQueryRequest",
    "CreateUploadRequest",
    "CreateUploadResponse",
    "Dataset",
    "DatasetColumn",
    "DatasetColumnMetadata",
    "DatasetMetadata",
    "DatasetOwner",
    "EnumFromResults",
    "Error",
    "ErrorLocation",
    "ExecutePipelineRequest",
    "ExecutePipelineRequestQueryParameters",
    "ExecuteQueryPipelineRequest",
    "ExecuteQueryPipelineRequestQueryParameters",
    "ExecuteQueryRequest",
    "ExecuteQueryRequestQueryParameters",
    "ExecuteQueryResponse",
    "ExecuteSqlRequest",
    "ExecutionResult",
    "ExecutionResultMetadata",
    "GetExecutionStatusResponse",
    "InsertRowsResponse",
    "ListDatasetsResponse",
    "ListMaterializedViewsResponse",
    "ListQueriesResponse",
    "ListUploadsResponse",
    "MaterializedView",
    "MaterializedViewSchedule",
    "MaterializedViewSummary",
    "MessageResponse",
    "Parameter",
    "Performance",
    "Pipeline",
    "PipelineExecutionResponse",
    "PipelineExecutionStatus",
    "PipelineMaterializedViewRefresh",
    "PipelineMaterializedViewRefreshStatus",
    "PipelineNode",
    "PipelineNodeExecution",
    "PipelineQueryExecution",
    "PipelineQueryExecutionQueryParameters",
    "PipelineQueryExecutionStatus",
    "Query",
    "QueryIdResponse",
    "QueryPipelineResponse",
    "QueryResultError",
    "QuerySummary",
    "ReadExecutionResultResponse",
    "RefreshMaterializedViewRequest",
    "RefreshMaterializedViewResponse",
    "TableOwner",
    "UpdateQueryRequest",
    "UploadColumn",
    "UploadCsvRequest",
    "UploadCsvResponse",
    "UploadedTable",
    "UploadedTableColumn",
    "UploadedTableColumnMetadata",
    "UpsertMaterializedViewRequest",
    "UpsertMaterializedViewResponse",
    "UsageRequest",
    "UsageResponse",
)
