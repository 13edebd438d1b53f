"""The result reader's pure half: how a read is split into pages, and each page fetched and
verified against what was announced before anyone sees it.

A read knows its columns and row count from the status (or a one-row probe). Pages are planned
at fixed offsets, sized so that one page stays within the per-request datapoint cap, so that
several can be fetched at once; a page the server shortens or lengthens (its announced next
offset is not the planned one) makes the reader follow the announcements one page at a time
from there. A CSV page must carry the header of the requested columns and exactly the records
its offsets imply (``next_offset - offset``, or ``total - offset`` on the last page); a JSON
page the same row count. A page that fails is retried as a broken body is, then raises
``ResponseValidationError`` naming the execution and the offset.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import _constants as C
from .._errors import ResponseValidationError
from .._options import ResultOptions
from .._protocol import RawResponse, Request
from .._wire.adapter import results_request
from .._wire.models import PageMetadata
from .context import Flow, FlowContext
from .pages import EndpointSource, Page, Source, fetch_page, next_start, offset_from_uri
from .send import exchange, invalid

#: A whole quoted CSV field (an escaped quote inside is two adjacent runs).
QUOTED_FIELD = re.compile(rb'"[^"]*"')


@dataclass(frozen=True)
class ReadPlan:
    """One read of a result: where its pages come from and how they are cut."""

    source: Source
    options: ResultOptions
    names: list[str]
    types: list[str]
    #: Rows in the read (the result's rows from the first offset, within the caller's limit);
    #: None when not known (a sample), then pages are followed one at a time.
    rows: int | None
    #: Rows per page (the caller's page_size, else as many as fit the datapoint cap).
    size: int

    @property
    def start(self) -> int:
        return self.options.offset

    @property
    def end(self) -> int | None:
        """The offset past the read's last row, when known."""
        return None if self.rows is None else self.start + self.rows

    def offsets(self, first: int) -> list[int]:
        """The planned page offsets from ``first`` to the end (empty when the end is unknown)."""
        end = self.end
        if end is None or self.options.sample_count is not None:
            return []
        return list(range(first, end, self.size))

    def expected(self, offset: int, announced: int | None) -> int | None:
        """Rows the page at ``offset`` must hold: up to the announced next offset, or to the
        end on the last page (None when the end is unknown)."""
        if announced is not None and announced > offset:
            return announced - offset
        end = self.end
        return None if end is None else max(end - offset, 0)

    def datapoints(self, rows: int) -> int:
        return rows * max(len(self.names), 1)


def page_size_for(options: ResultOptions, columns: int) -> int:
    """The caller's page size, or by default as many rows as fit in one request's datapoint
    cap (rows x columns <= 250,000): fewer requests on narrow tables, none refused on wide."""
    if options.page_size != C.DEFAULT_PAGE_SIZE:
        size = options.page_size
    else:
        size = max(C.PAGE_DATAPOINTS // max(columns, 1), 1)
    if options.limit is not None:
        size = min(size, options.limit)
    return max(size, 1)


def plan_read(
    source: Source, options: ResultOptions, meta: PageMetadata | None, size: int | None = None
) -> ReadPlan | None:
    """The plan of a read from what the status (or a probe) said, or None when that does not
    tell the columns and the row count."""
    if meta is None or meta.total_row_count is None:
        return None
    names, types = list(meta.column_names), list(meta.column_types)
    if options.columns:
        wanted = options.columns.split(",")
        by_name = dict(zip(names, types, strict=False))
        names, types = wanted, [by_name.get(n, "") for n in wanted]
    if meta.total_row_count and not names:
        return None
    rows: int | None = max(meta.total_row_count - options.offset, 0)
    if options.limit is not None and rows is not None:
        rows = min(rows, options.limit)
    if options.sample_count is not None:
        rows = None
    chosen = size if size is not None else page_size_for(options, len(names))
    return ReadPlan(source, options, names, types, rows, chosen)


def probe(ctx: FlowContext, source: Source, options: ResultOptions) -> Flow[Page]:
    """A one-row JSON page: the read's columns, types and (filtered) row count, for reads the
    status cannot describe (filters change the total)."""
    return (yield from fetch_page(ctx, source, options, options.offset, size=1))


# -- CSV pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvPage:
    """A verified CSV page: its bytes (header included), records, and the next offset the
    server announced (None on the last page)."""

    offset: int
    data: bytes
    rows: int
    announced: int | None
    #: Where the data starts after the header line.
    body_start: int
    #: The page as the read's parser made it, when the parse did the counting.
    parsed: Any = None


class _BadValue(Exception):
    """Carries a parse error of a whole page past the retry loop (only short pages retry)."""

    def __init__(self, error: ResponseValidationError) -> None:
        super().__init__(error.message)
        self.error = error


#: A page parser that also counts: ``(data, offset) -> (parsed, records)``. Given to
#: ``csv_page``, it replaces the separate record count (the parse counts anyway).
CsvParse = Callable[[bytes, int], tuple[Any, int]]


def announced_offset(headers: Mapping[str, str]) -> int | None:
    """The next page's offset from ``x-dune-next-offset`` or ``x-dune-next-uri``."""
    raw = headers.get("x-dune-next-offset")
    if raw is not None and raw.strip().isdigit():
        return int(raw)
    return offset_from_uri(headers.get("x-dune-next-uri"))


def csv_request(plan: ReadPlan, offset: int) -> Request:
    """The CSV request of the page at ``offset`` (its limit clipped to the read's end)."""
    if isinstance(plan.source, EndpointSource):
        raise TypeError("custom endpoints have no CSV results")
    limit: int | None = plan.size
    if plan.options.sample_count is not None:
        limit = None
    elif plan.end is not None:
        limit = max(min(plan.size, plan.end - offset), 1)
    return results_request(plan.source, plan.options, offset, limit, csv=True)


def _header_end(data: bytes) -> int:
    """The index after the header line's newline (quotes honoured), or -1 without one."""
    cut = data.find(b"\n")
    if cut < 0 or b'"' not in data[:cut]:
        return cut + 1 if cut >= 0 else -1
    quoted = False
    for index, byte in enumerate(data):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x0A and not quoted:
            return index + 1
    return -1


def count_records(data: bytes | memoryview, start: int = 0) -> int:
    """CSV records in ``data[start:]``, quotes honoured (a quoted newline is data); a last
    record without its newline still counts."""
    data = bytes(data) if isinstance(data, memoryview) else data
    if start >= len(data):
        return 0
    if data.find(b'"', start) >= 0:  # quoted fields may hold newlines: drop them first
        body = QUOTED_FIELD.sub(b"", data[start:])
        return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    return data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1)


def verify_csv(
    req: Request, resp: RawResponse, plan: ReadPlan, offset: int, parse: CsvParse | None = None
) -> CsvPage:
    """The page, if its header is the requested columns and its record count is what its
    offsets imply; else ResponseValidationError (retried like a broken body). With ``parse``
    the records are counted by parsing; a parse that fails on a page of the right length is
    the value's error, not a broken page."""
    data = resp.content
    where = f"CSV page at offset {offset} of execution {req.execution_id}"
    end = _header_end(data)
    if end < 0:
        raise invalid(req, resp, f"{where} has no header line: {data[:80]!r}")
    try:
        header = next(csv.reader([data[:end].decode("utf-8").rstrip("\r\n")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise invalid(req, resp, f"{where} has an unreadable header") from None
    if plan.names and header != plan.names:
        raise invalid(req, resp, f"{where} has columns {header[:8]!r}, expected {plan.names[:8]!r}")
    announced = announced_offset(resp.headers)
    want = plan.expected(offset, announced)
    parsed: Any = None
    if parse is not None and want is not None:
        try:
            parsed, rows = parse(data, offset)
        except ResponseValidationError as exc:
            rows = count_records(data, end)
            if rows == want and data.endswith(b"\n"):
                raise _BadValue(exc) from None  # a whole page with a bad value: retry can't help
            if rows == want:  # the count is right but the last record is cut short
                raise invalid(req, resp, f"{where} ends inside a record: {exc.message}") from None
    else:
        rows = count_records(data, end)
    if want is not None and rows != want:
        raise invalid(
            req,
            resp,
            f"{where} holds {rows} records, but its offsets announce {want} "
            f"(next offset {announced}, total {plan.end}): a short or broken page",
        )
    return CsvPage(offset, data, rows, announced, end, parsed)


def csv_page(
    ctx: FlowContext,
    plan: ReadPlan,
    offset: int,
    needed: int = 1,
    parse: CsvParse | None = None,
) -> Flow[CsvPage]:
    """Fetch and verify the CSV page at ``offset``: checked against the client's datapoint
    budget before it is sent and counted in its ledger after (``parse``: see verify_csv)."""
    req = csv_request(plan, offset)
    rows = plan.expected(offset, None)
    cost = plan.datapoints(min(plan.size, rows) if rows is not None else plan.size)
    if ctx.ledger.max_datapoints is None:
        cost = 0  # nothing to hold back: only the real count is booked
    what = f"the CSV page at offset {offset} of {plan.source}"
    with ctx.ledger.page(cost, what) as book:
        try:
            page = yield from exchange(
                ctx, req, lambda resp: verify_csv(req, resp, plan, offset, parse), needed=needed
            )
        except _BadValue as bad:
            raise bad.error from None
        book(plan.datapoints(page.rows))
    return page


# -- JSON pages --------------------------------------------------------------------------------


def verify_json(page: Page, plan: ReadPlan, execution_id: str) -> None:
    """A JSON page's row count against what its offsets imply."""
    want = plan.expected(page.offset, page.next_offset)
    if want is not None and page.row_count != want:
        raise ResponseValidationError(
            f"JSON page at offset {page.offset} of execution {execution_id} holds "
            f"{page.row_count} rows, but its offsets announce {want}: a short or broken page",
            execution_id=execution_id,
        )


def json_page(
    ctx: FlowContext,
    plan: ReadPlan,
    offset: int,
    *,
    decode: bool = True,
    count: bool = False,
    known: PageMetadata | None = None,
    needed: int = 1,
) -> Flow[Page]:
    """Fetch the JSON page at ``offset`` of the plan's size, verified inside the one retry
    loop (a short page is fetched again like a broken body, with its backoff and deadline;
    ``decode`` and ``count`` as ``parse_page`` takes them)."""
    size = plan.size
    if plan.end is not None:
        size = max(min(size, plan.end - offset), 1)
    return (
        yield from fetch_page(
            ctx,
            plan.source,
            plan.options,
            offset,
            size=size,
            decode=decode,
            count=count,
            known=known,
            needed=needed,
            check=lambda page: verify_json(page, plan, page.status.execution_id),
        )
    )


def follows(plan: ReadPlan, offset: int, announced: int | None) -> bool:
    """Whether the page at ``offset`` ended where the plan cut it (else follow the server)."""
    end = plan.end
    planned = offset + plan.size
    if announced is None:
        return end is None or planned >= end
    return announced == planned


def following(plan: ReadPlan, offset: int, announced: int | None) -> int | None:
    """Where the page after the one at ``offset`` starts, or None at the end."""
    return next_start(plan.options, offset, announced)


def narrowed(options: ResultOptions, columns: list[str]) -> ResultOptions:
    """Options reading only ``columns`` (for settling ambiguous CSV cells from JSON)."""
    return dataclasses.replace(options, columns=",".join(columns))
