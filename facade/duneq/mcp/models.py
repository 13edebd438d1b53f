"""The structured outputs of the tools (their JSON schemas are what agents see)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Column(BaseModel):
    name: str
    type: str = Field(description="Dune SQL type, e.g. varchar, bigint, double, timestamp, uint256")


class SqlError(BaseModel):
    message: str
    type: str | None = None
    line: int | None = None
    column: int | None = None


class Table(BaseModel):
    """A compact typed table: columns once, then rows as lists in column order."""

    columns: list[Column]
    rows: list[list[Any]]
    offset: int = Field(description="Row offset of the first row returned")
    returned_rows: int
    total_row_count: int | None = Field(description="Rows in the whole result, as Dune reports")
    next_offset: int | None = Field(
        description="Pass as offset to get_results for the next rows; null when none are left"
    )
    is_partial: bool = Field(
        description="Dune truncated the result (QUERY_STATE_COMPLETED_PARTIAL)"
    )
    datapoints: int = Field(description="Datapoints billed for this fetch")


class Execution(BaseModel):
    """One execution: its state, and its first rows once it has finished."""

    execution_id: str
    state: str
    finished: bool
    query_id: int | None = None
    queue_position: int | None = None
    cost_credits: float | None = None
    reused: bool | None = Field(
        default=None, description="latest_result only: true when an earlier result was reused"
    )
    error: SqlError | None = None
    result: Table | None = None
    next_step: str = Field(description="What to call next")


class QueryParameter(BaseModel):
    key: str
    type: str | None = None
    default: Any = None


class Query(BaseModel):
    query_id: int
    name: str | None
    description: str | None = None
    sql: str | None
    parameters: list[QueryParameter]
    tags: list[str]
    is_private: bool | None = None
    is_archived: bool | None = None
    owner: str | None = None
    version: int | None = None


class DatasetColumn(BaseModel):
    name: str
    type: str
    nullable: bool | None = None


class Dataset(BaseModel):
    full_name: str = Field(description="The name to use in SQL, e.g. dex.trades")
    type: str | None = None
    owner: str | None = None
    is_private: bool | None = None
    description: str | None = None
    columns: list[DatasetColumn]


class DatasetPage(BaseModel):
    datasets: list[Dataset]
    total: int | None = Field(description="Datasets matching the server-side filters")
    next_offset: int | None


class BillingPeriod(BaseModel):
    start_date: str | None
    end_date: str | None
    credits_used: float | None
    credits_included: float | None
    credits_left: float | None


class SessionBudget(BaseModel):
    executions: int
    max_executions: int | None
    credits: float = Field(description="Credits this server session has spent (or estimated)")
    max_credits: float | None
    datapoints: int
    max_datapoints: int | None


class Usage(BaseModel):
    billing_periods: list[BillingPeriod]
    bytes_used: int | None
    bytes_allowed: int | None
    private_queries: int | None
    private_dashboards: int | None
    session: SessionBudget


class Saved(BaseModel):
    query_id: int
    action: str


class Cancelled(BaseModel):
    execution_id: str
    cancelled: bool
    message: str | None = Field(default=None, description="The API's reason, when not cancelled")
