"""Result pages: one page planner for JSON and CSV, JSON page parsing from raw bytes, the
partial-result policy and the datapoint budget, and opening a result at its first page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .._errors import (
    InvalidArgument,
    PartialResultError,
    PartialResultWarning,
    ResponseValidationError,
    ResultTooLarge,
)
from .._options import ResultOptions
from .._protocol import ChunkSink, Notice, RawResponse, Request
from .._states import SUCCESS_STATES, ExecutionState
from .._wire.adapter import (
    PageFormatError,
    count_rows,
    decode_rows,
    endpoint_results_request,
    page_metadata_from_wire,
    results_request,
    split_page,
    status_from_wire,
)
from .._wire.models import ExecutionStatus, PageMetadata
from .context import Flow, FlowContext
from .send import exchange, invalid
from .wait import raise_for_terminal

if TYPE_CHECKING:
    from msgspec import Raw  # rows stay raw bytes; msgspec loads with the first page

# -- planning ----------------------------------------------------------------------------------


def page_limit(options: ResultOptions, offset: int, size: int | None = None) -> int | None:
    """Rows to ask for in the page starting at ``offset`` (clipped to the caller's limit), or
    None when the server chooses (``sample_count`` reads have no paging)."""
    if options.sample_count is not None:
        return None
    rows = size if size is not None else options.page_size
    if options.limit is not None:
        rows = min(rows, options.offset + options.limit - offset)
    return max(rows, 1)


def next_start(options: ResultOptions, offset: int, announced: int | None) -> int | None:
    """Where the page after the one at ``offset`` starts, from the offset the server announced
    (``next_offset``, ``next_uri`` or the ``x-dune-next-*`` headers); None when done."""
    if options.sample_count is not None or announced is None:
        return None
    if announced <= offset:
        return None  # a server bug would otherwise loop forever
    if options.limit is not None and announced >= options.offset + options.limit:
        return None
    return announced


def offset_from_uri(uri: object) -> int | None:
    """The ``offset`` query value of a ``next_uri``."""
    if not isinstance(uri, str):
        return None
    values = parse_qs(urlsplit(uri).query).get("offset")
    if values and values[0].isdigit():
        return int(values[0])
    return None


@dataclass(frozen=True)
class EndpointSource:
    """A custom endpoint's results (``/v1/endpoints/{handle}/{slug}/results``), paged like an
    execution's; it has no CSV form."""

    handle: str
    slug: str


#: Where result pages come from: an execution id, or a custom endpoint.
Source = str | EndpointSource


def page_request(
    source: Source,
    options: ResultOptions,
    offset: int,
    *,
    size: int | None = None,
    sink: ChunkSink | None = None,
) -> Request:
    """The request of the page at ``offset`` (CSV when a sink receives the body)."""
    limit = page_limit(options, offset, size)
    if isinstance(source, EndpointSource):
        if sink is not None:
            raise InvalidArgument(
                "custom endpoint results have no CSV download; iterate the rows instead"
            )
        return endpoint_results_request(source.handle, source.slug, options, offset, limit)
    return results_request(source, options, offset, limit, sink=sink)


# -- JSON pages --------------------------------------------------------------------------------


@dataclass
class Page:
    """One result page; ``rows`` is handed over (and dropped here) once consumed. A page fetched
    with ``decode=False`` keeps its rows as ``raw`` JSON instead, decoded when first used."""

    offset: int
    rows: list[Any] | None
    row_count: int
    metadata: PageMetadata
    status: ExecutionStatus
    next_offset: int | None
    raw: Raw | None = None


def parse_page(
    req: Request, resp: RawResponse, offset: int, *, decode: bool = True, count: bool = False
) -> Page:
    """Parse a JSON results page from raw bytes: the envelope without touching the rows, then
    the rows with msgspec (exact integers, no per-row models). With ``decode=False`` they are
    kept raw when the page states its ``row_count``, and with ``count`` counted first (a page
    that does not hold what it announces is a broken body, fetched again); uncounted, they are
    counted when decoded (``RowSequence``)."""
    try:
        data, raw = split_page(resp.content)
        status = status_from_wire(data, req.execution_id)
    except PageFormatError as exc:
        raise invalid(req, resp, f"response is not a valid results page ({exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise invalid(req, resp, f"results response is missing or has a bad {exc}") from None
    result = data.get("result")
    meta = PageMetadata()
    if isinstance(result, dict):
        try:
            meta = page_metadata_from_wire(result.get("metadata"))
        except ValueError as exc:
            raise invalid(req, resp, f"results response has bad metadata ({exc})") from None
    elif status.state in SUCCESS_STATES:
        raise invalid(req, resp, "completed results response has no result object")
    announced = data.get("next_offset")
    if not isinstance(announced, int) or isinstance(announced, bool):
        announced = offset_from_uri(data.get("next_uri"))
    if not decode and raw is not None and meta.row_count is not None:
        if count:
            _check_count(req, resp, offset, raw, meta.row_count)
        return Page(offset, None, meta.row_count, meta, status, announced, raw)
    try:
        rows = decode_rows(raw)
    except PageFormatError as exc:
        raise invalid(req, resp, str(exc)) from None
    if meta.row_count is not None and len(rows) != meta.row_count:
        # else a stream would go on at next_offset, past the rows this page left out
        raise _short(req, resp, offset, meta.row_count, len(rows))
    if meta.row_count is None:
        meta = PageMetadata(**{**meta.__dict__, "row_count": len(rows)})
    return Page(offset, rows, len(rows), meta, status, announced)


def _check_count(req: Request, resp: RawResponse, offset: int, raw: Raw, announced: int) -> None:
    try:
        held = count_rows(raw)
    except PageFormatError as exc:
        raise invalid(req, resp, f"results page at offset {offset}: {exc}") from None
    if held != announced:
        raise _short(req, resp, offset, announced, held)


def _short(
    req: Request, resp: RawResponse, offset: int, announced: int, held: int
) -> ResponseValidationError:
    """A page whose rows are not the count its own metadata gives (retried as a broken body)."""
    return invalid(
        req,
        resp,
        f"results page at offset {offset} announces {announced} rows but holds {held}: "
        "a short or broken page",
    )


def holding(rows: int, announced: str) -> Callable[[Page], None]:
    """A ``fetch_page`` check: the page must hold ``rows`` rows, as ``announced`` says (a page
    that does not is a broken body, fetched again)."""

    def check(page: Page) -> None:
        if page.row_count != rows:
            raise ResponseValidationError(
                f"results page at offset {page.offset} holds {page.row_count} rows, "
                f"but {announced} {rows}: a short or broken page",
                execution_id=page.status.execution_id or None,
            )

    return check


def after(page: Page, options: ResultOptions) -> int | None:
    """Where the page after ``page`` starts, or None when the result (or the limit) is done."""
    return next_start(options, page.offset, page.next_offset)


def fetch_page(
    ctx: FlowContext,
    source: Source,
    options: ResultOptions,
    offset: int,
    *,
    size: int | None = None,
    decode: bool = True,
    count: bool = False,
    known: PageMetadata | None = None,
    needed: int = 1,
    check: Callable[[Page], None] | None = None,
) -> Flow[Page]:
    """Fetch and parse the JSON page at ``offset`` (``check`` verifies the parsed page; what
    it refuses is retried like any broken body), checked first against the client's
    datapoint budget (estimated from ``known`` metadata) and recorded in its ledger after;
    a broken body is retried like any idempotent read."""

    def checked(page: Page) -> Page:
        if check is not None:
            check(page)
        return page

    req = page_request(source, options, offset, size=size)
    cost = 0  # without a datapoint budget nothing is held back, only the real count booked
    if ctx.ledger.max_datapoints is not None:
        cost = page_estimate(options, offset, page_limit(options, offset, size), known)
    with ctx.ledger.page(cost, f"the results page at offset {offset} of {source}") as book:
        page = yield from exchange(
            ctx,
            req,
            lambda resp: checked(parse_page(req, resp, offset, decode=decode, count=count)),
            needed=needed,
        )
        book(page_datapoints(page.metadata))
    if page.status.state not in SUCCESS_STATES:
        raise_for_terminal(page.status)
        raise ResponseValidationError(
            f"execution is not finished (state {page.status.state})",
            method=req.method,
            path=req.display_path,
            execution_id=req.execution_id,
        )
    return page


# -- policy and budget -------------------------------------------------------------------------


def page_estimate(
    options: ResultOptions, offset: int, rows: int | None, known: PageMetadata | None
) -> int:
    """Datapoints a page request may bill: its rows (clipped to the result's size when known)
    times its columns (the requested ones, else the result's, else one)."""
    total = known.total_row_count if known is not None else None
    if rows is None:
        rows = options.sample_count or total or 1
    if total is not None:
        rows = min(rows, max(total - offset, 0))
    if options.columns:
        columns = len(options.columns.split(","))
    else:
        columns = len(known.column_names) if known is not None and known.column_names else 1
    return rows * columns


def page_datapoints(meta: PageMetadata) -> int:
    """Datapoints a fetched page billed: its reported count, else rows x columns."""
    if meta.datapoint_count is not None:
        return meta.datapoint_count
    return (meta.row_count or 0) * max(len(meta.column_names), 1)


def check_partial(status: ExecutionStatus, options: ResultOptions) -> Flow[bool]:
    """Apply the partial policy (raise, warn or allow); returns whether the result is partial."""
    if status.state != ExecutionState.COMPLETED_PARTIAL:
        return False
    if options.partial == "error":
        raise PartialResultError(
            f"execution {status.execution_id} completed with a partial (truncated) result; "
            'pass partial="warn" or partial="allow" to read the rows that were kept',
            execution_id=status.execution_id,
        )
    if options.partial == "warn":
        yield Notice(
            PartialResultWarning(
                f"execution {status.execution_id}: the result is partial (truncated by Dune); "
                'pass partial="allow" to silence this or partial="error" to refuse it',
                execution_id=status.execution_id,
            )
        )
    return True


def check_budget(execution_id: str, meta: PageMetadata | None, options: ResultOptions) -> bool:
    """Raise ResultTooLarge if the rows to fetch x columns exceed ``max_result_datapoints``.

    Returns False when the metadata is not enough to decide yet.
    """
    if options.max_result_datapoints is None:
        return True
    if meta is None or meta.total_row_count is None:
        return False
    columns = len(options.columns.split(",")) if options.columns else len(meta.column_names)
    rows = max(meta.total_row_count - options.offset, 0)
    if options.limit is not None:
        rows = min(rows, options.limit)
    if options.sample_count is not None:
        rows = min(rows, options.sample_count)
    if rows * columns > options.max_result_datapoints:
        raise ResultTooLarge(
            execution_id, budget=options.max_result_datapoints, total_rows=rows, columns=columns
        )
    return True


@dataclass(frozen=True)
class Opened:
    """A result opened at its first page: what ``Result`` is built from."""

    status: ExecutionStatus
    #: The first page when opening needed it (None: nothing fetched yet; the status told the
    #: schema and size, and the first read fetches its pages on its own wire path).
    first: Page | None
    is_partial: bool
    options: ResultOptions
    #: Where further pages come from (None: the execution of ``status``).
    source: Source | None = None
    #: Every page of a result read from the local cache (then nothing is fetched).
    cached: list[Any] | None = None
    #: The cache entry ``cached`` came from (a ``_cache.CachedResult``).
    hit: Any = None


def open_result(ctx: FlowContext, status: ExecutionStatus, options: ResultOptions) -> Flow[Opened]:
    """Check policy and budget from the status. When the status tells the schema and size,
    nothing more is fetched (the first read fetches its own pages, JSON or CSV, and pays for
    them once); else the first page is fetched, after a one-row probe when a budget needs the
    size first."""
    partial = yield from check_partial(status, options)
    checked = check_budget(status.execution_id, status.result_metadata, options)
    if checked and described(status):
        return Opened(status, None, partial, options)
    size = None if checked else 1
    known = status.result_metadata
    eid = status.execution_id
    page = yield from fetch_page(ctx, eid, options, options.offset, size=size, known=known)
    if not checked:
        check_budget(status.execution_id, page.metadata, options)
        if page.next_offset is not None and options.page_size > 1:
            page = yield from fetch_page(ctx, eid, options, options.offset, known=page.metadata)
    partial = partial or page.status.state == ExecutionState.COMPLETED_PARTIAL
    return Opened(status, page, partial, options)


def described(status: ExecutionStatus) -> bool:
    """Whether a finished status tells a result's columns, their types and its row count."""
    meta = status.result_metadata
    if meta is None or meta.total_row_count is None:
        return False
    if meta.total_row_count == 0:
        return True
    return bool(meta.column_names) and len(meta.column_types) == len(meta.column_names)


def merge_page(pages: dict[int, PageMetadata], page: Page) -> None:
    """Record a page's metadata under its offset (re-fetching a page never double counts)."""
    pages[page.offset] = page.metadata


def open_source(ctx: FlowContext, source: Source, options: ResultOptions) -> Flow[Opened]:
    """Open a result whose status is only known from its first page (a custom endpoint):
    a one-row probe when a datapoint budget needs the size first, then policy and budget."""
    probe = options.max_result_datapoints is not None and options.page_size > 1
    page = yield from fetch_page(ctx, source, options, options.offset, size=1 if probe else None)
    check_budget(page.status.execution_id, page.metadata, options)
    if probe and page.next_offset is not None:
        page = yield from fetch_page(ctx, source, options, options.offset)
    partial = yield from check_partial(page.status, options)
    return Opened(page.status, page, partial, options, source)
