"""The facade's typed records of response bodies (execution status, page metadata, progress,
saved queries, uploads, views, datasets, usage). They are built only by the adapter's
``*_from_wire`` functions (``_wire.adapter``), from the generated models: tolerant, unknown fields are
ignored (kept in ``raw``) and unknown states kept as text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._states import ExecutionState

LOCATION = re.compile(r"^line (\d+):(\d+)")
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds truncated to microseconds), or None."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip(), count=1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class QueryError:
    """The engine's error for a FAILED execution."""

    type: str | None
    message: str
    line: int | None
    column: int | None


@dataclass(frozen=True)
class PageMetadata:
    """One page's (or a status's) ``result_metadata``/``result.metadata``."""

    column_names: list[str] = field(default_factory=list)
    column_types: list[str] = field(default_factory=list)
    row_count: int | None = None
    result_set_bytes: int | None = None
    total_row_count: int | None = None
    total_result_set_bytes: int | None = None
    datapoint_count: int | None = None
    pending_time_millis: int | None = None
    execution_time_millis: int | None = None


@dataclass(frozen=True)
class ExecutionStatus:
    """The status of one execution; ``state`` is an ExecutionState or the raw unknown text."""

    execution_id: str
    state: ExecutionState | str
    query_id: int | None = None
    is_execution_finished: bool | None = None
    queue_position: int | None = None
    submitted_at: datetime | None = None
    execution_started_at: datetime | None = None
    execution_ended_at: datetime | None = None
    expires_at: datetime | None = None
    cancelled_at: datetime | None = None
    execution_cost_credits: float | None = None
    error: QueryError | None = None
    result_metadata: PageMetadata | None = None
    max_inflight_interactive_executions: int | None = None
    max_inflight_interactive_reached: int | None = None


@dataclass(frozen=True)
class Progress:
    """What ``on_progress`` receives after every status poll."""

    execution_id: str
    state: ExecutionState | str
    queue_position: int | None
    elapsed: float
    polls: int


@dataclass(frozen=True)
class ResultMetadata:
    """Metadata merged over the pages fetched so far, plus execution-level cost and timings.

    ``row_count`` and ``datapoint_count`` are sums over distinct pages (each page counted once);
    ``total_row_count`` is the server's total for the whole result.
    """

    execution_id: str
    query_id: int | None
    state: ExecutionState | str
    column_names: list[str]
    column_types: list[str]
    row_count: int
    datapoint_count: int
    result_set_bytes: int
    total_row_count: int | None
    total_result_set_bytes: int | None
    pending_time_millis: int | None
    execution_time_millis: int | None
    execution_cost_credits: float | None
    submitted_at: datetime | None
    execution_started_at: datetime | None
    execution_ended_at: datetime | None
    expires_at: datetime | None
    pages_fetched: int


def merge_metadata(status: ExecutionStatus, pages: Mapping[int, PageMetadata]) -> ResultMetadata:
    """Merge per-page metadata (keyed by page offset, so re-fetches never double count)."""
    ordered = [pages[key] for key in sorted(pages)]
    first = ordered[0] if ordered else (status.result_metadata or PageMetadata())
    totals = status.result_metadata or PageMetadata()
    return ResultMetadata(
        execution_id=status.execution_id,
        query_id=status.query_id,
        state=status.state,
        column_names=list(first.column_names or totals.column_names),
        column_types=list(first.column_types or totals.column_types),
        row_count=sum(p.row_count or 0 for p in ordered),
        datapoint_count=sum(p.datapoint_count or 0 for p in ordered),
        result_set_bytes=sum(p.result_set_bytes or 0 for p in ordered),
        total_row_count=first.total_row_count
        if first.total_row_count is not None
        else totals.total_row_count,
        total_result_set_bytes=first.total_result_set_bytes
        if first.total_result_set_bytes is not None
        else totals.total_result_set_bytes,
        pending_time_millis=first.pending_time_millis
        if first.pending_time_millis is not None
        else totals.pending_time_millis,
        execution_time_millis=first.execution_time_millis
        if first.execution_time_millis is not None
        else totals.execution_time_millis,
        execution_cost_credits=status.execution_cost_credits,
        submitted_at=status.submitted_at,
        execution_started_at=status.execution_started_at,
        execution_ended_at=status.execution_ended_at,
        expires_at=status.expires_at,
        pages_fetched=len(ordered),
    )


# -- resource records (built by the adapter, re-exported by their resource modules) ------------


@dataclass(frozen=True)
class TableColumn:
    """A table column: its name, Dune type and nullability."""

    name: str
    type: str
    nullable: bool = True


@dataclass(frozen=True)
class UploadedTable:
    """One table of ``list()``: ``full_name`` is ``dune.<namespace>.<table>``."""

    full_name: str
    is_private: bool | None = None
    table_size_bytes: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    owner: str | None = None
    columns: list[TableColumn] = field(default_factory=list)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def namespace(self) -> str:
        return self.full_name.split(".")[-2]

    @property
    def table_name(self) -> str:
        return self.full_name.split(".")[-1]


@dataclass(frozen=True)
class CreatedTable:
    """What ``create`` returns: the table's names and an example query."""

    namespace: str
    table_name: str
    full_name: str
    example_query: str | None = None
    already_existed: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class CsvUpload:
    """What ``upload_csv`` returns; ``full_name`` is where Dune put it (its prefix included)."""

    table_name: str
    full_name: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SavedQuery:
    """A saved query as ``GET /v1/query/{id}`` describes it; ``raw`` keeps every field sent."""

    query_id: int
    name: str | None
    query_sql: str | None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    version: int | None = None
    is_private: bool | None = None
    is_archived: bool | None = None
    owner: str | None = None
    query_engine: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class MaterializedView:
    """A materialized view, from ``get`` (every field) or ``list`` (a summary: no schedule or
    recent executions); ``name`` is the full ``dune.<team>.result_<x>``."""

    name: str
    query_id: int | None
    id: str | None = None
    is_private: bool | None = None
    table_size_bytes: int | None = None
    last_execution_ids: tuple[str, ...] = ()
    cron_expression: str | None = None
    performance: str | None = None
    expires_at: str | None = None
    owner_user_id: int | None = None
    owner_team_id: int | None = None
    raw: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class BillingPeriod:
    """One billing period: its dates and the credits used of those included."""

    start_date: dt.date | None
    end_date: dt.date | None
    credits_used: float | None
    credits_included: float | None


@dataclass(frozen=True)
class Usage:
    """``POST /v1/usage``: billing periods, storage and private counts."""

    billing_periods: list[BillingPeriod]
    bytes_used: int | None
    bytes_allowed: int | None
    private_queries: int | None
    private_dashboards: int | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def credits_used(self) -> float:
        """Credits used over every period returned."""
        return sum(p.credits_used or 0.0 for p in self.billing_periods)


@dataclass(frozen=True)
class Dataset:
    """A table or view of the catalog, with its columns and Dune types."""

    full_name: str
    type: str | None
    is_private: bool | None = None
    owner: str | None = None
    description: str | None = None
    columns: list[TableColumn] = field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
