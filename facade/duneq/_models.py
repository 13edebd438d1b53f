"""The facade's typed views of execution status, page metadata and progress (tolerant:
unknown fields are ignored, unknown states kept as text)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ._states import ExecutionState

_LOCATION = re.compile(r"^line (\d+):(\d+)")
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


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _str_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


@dataclass(frozen=True)
class QueryError:
    """The engine's error for a FAILED execution."""

    type: str | None
    message: str
    line: int | None
    column: int | None

    @classmethod
    def from_dict(cls, data: object) -> QueryError | None:
        if isinstance(data, str):
            return cls(type=None, message=data, line=None, column=None)
        if not isinstance(data, Mapping):
            return None
        meta = data.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        message = str(data.get("message") or "")
        line, column = as_int(meta.get("line")), as_int(meta.get("column"))
        found = _LOCATION.match(message)
        if line is None and found:  # Trino messages start with "line L:C:"
            line, column = int(found.group(1)), int(found.group(2))
        return cls(
            type=str(data["type"]) if data.get("type") is not None else None,
            message=message,
            line=line,
            column=column,
        )


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

    @classmethod
    def from_dict(cls, data: object) -> PageMetadata:
        if not isinstance(data, Mapping):
            return cls()
        return cls(
            column_names=_str_list(data.get("column_names")),
            column_types=_str_list(data.get("column_types")),
            row_count=as_int(data.get("row_count")),
            result_set_bytes=as_int(data.get("result_set_bytes")),
            total_row_count=as_int(data.get("total_row_count")),
            total_result_set_bytes=as_int(data.get("total_result_set_bytes")),
            datapoint_count=as_int(data.get("datapoint_count")),
            pending_time_millis=as_int(data.get("pending_time_millis")),
            execution_time_millis=as_int(data.get("execution_time_millis")),
        )


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
