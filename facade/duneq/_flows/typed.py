"""Page fetches for typed results: a CSV page's bytes in memory (Arrow parses them), and the
JSON rows of chosen columns of one page (to settle CSV's empty-string-or-NULL question)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .._options import ResultOptions
from .._protocol import ChunkSink
from .context import Flow, FlowContext
from .pages import fetch_page, holding, next_start, page_request
from .reader import announced_offset
from .send import send


@dataclass
class CsvPage:
    """One CSV page: its first row's offset, its bytes, and where the next page starts."""

    offset: int
    data: bytes
    next_offset: int | None


class _Collect(ChunkSink):
    """Keeps a streamed body in memory; a retried attempt starts over."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def begin(self) -> None:
        self.parts = []

    def write(self, chunk: bytes) -> None:
        self.parts.append(chunk)


def fetch_csv_page(
    ctx: FlowContext, execution_id: str, options: ResultOptions, offset: int
) -> Flow[CsvPage]:
    """The CSV page at ``offset`` (same limit and filters as the JSON pages)."""
    body = _Collect()
    req = page_request(execution_id, options, offset, sink=body)
    resp = yield from send(ctx, req)
    data = b"".join(body.parts)
    return CsvPage(offset, data, next_start(options, offset, announced_offset(resp.headers)))


def fetch_json_columns(
    ctx: FlowContext,
    execution_id: str,
    options: ResultOptions,
    offset: int,
    columns: list[str],
    rows: int,
) -> Flow[list[dict[str, Any]]]:
    """The JSON rows of ``columns`` for the ``rows`` rows at ``offset`` (only those columns are
    billed); all columns when a name cannot travel in the comma-separated ``columns``."""
    narrowed = options
    if not any("," in name for name in columns):
        narrowed = dataclasses.replace(options, columns=",".join(columns))
    held = holding(rows, f"the CSV page of execution {execution_id} has")
    page = yield from fetch_page(ctx, execution_id, narrowed, offset, size=rows, check=held)
    return page.rows or []
