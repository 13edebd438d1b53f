"""Contains all the data models used in inputs/outputs"""

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
