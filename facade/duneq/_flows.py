"""Multi-step flows written once as generators that yield Request/Sleep and receive replies.

``Client`` and ``AsyncClient`` run the same flows with a small driver each, so retries,
polling, deadlines and paging behave identically in sync and async code.
"""

from __future__ import annotations

import logging
import random
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qs, urlsplit

import orjson
from msgspec import Raw

from . import _constants as C
from ._csv import CsvDest, CsvSink
from ._envelope import PageFormatError, decode_rows, split_page
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeout,
    DatapointBudgetExceeded,
    DuneError,
    ExecutionCancelled,
    ExecutionExpired,
    ExecutionMayHaveStarted,
    ExecutionTimeout,
    NotFound,
    PartialResultError,
    PartialResultWarning,
    QueryFailed,
    ResponseValidationError,
    UnknownStateWarning,
    api_error_text,
    make_status_error,
)
from ._models import ExecutionStatus, PageMetadata, Progress
from ._options import ResultOptions, validate_execution_id
from ._polling import PollConfig, RequestBudget, poll_interval
from ._protocol import (
    Action,
    RawResponse,
    Reply,
    Request,
    Sleep,
    TransportFailure,
    cancel_request,
    latest_results_request,
    results_request,
    status_request,
)
from ._retry import RetryPolicy, backoff_delay, is_retryable_failure, is_retryable_status
from ._retry import parse_retry_after as _parse_retry_after
from ._states import SUCCESS_STATES, TERMINAL_STATES, ExecutionState, is_known

log = logging.getLogger("duneq.flows")

T = TypeVar("T")
S = TypeVar("S")
Flow = Generator[Action, Reply, T]
ProgressCallback = Callable[[Progress], object]


@dataclass
class Core:
    """Per-client settings and state shared by every flow (clock and randomness injectable)."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollConfig = field(default_factory=PollConfig)
    clock: Callable[[], float] = field(default=lambda: 0.0)
    rand: Callable[[], float] = random.random
    budget: RequestBudget = field(
        default_factory=lambda: RequestBudget(C.POLL_BUDGET_REQUESTS, C.POLL_BUDGET_WINDOW)
    )


# -- single requests ---------------------------------------------------------------------------


def send(core: Core, req: Request) -> Flow[RawResponse]:
    """Send one request with the retry rules; return a 2xx response or raise a mapped error."""
    attempt = 0
    while True:
        reply = yield req
        if isinstance(reply, TransportFailure):
            if attempt < core.retry.max_retries and is_retryable_failure(reply.kind, req.kind):
                delay = backoff_delay(attempt, None, core.retry, core.rand)
                log.debug(
                    "%s %s: %s, retry in %.2fs", req.method, req.display_path, reply.kind, delay
                )
                yield Sleep(delay)
                attempt += 1
                continue
            raise _transport_error(req, reply)
        if not isinstance(reply, RawResponse):
            raise TypeError("driver returned no response for a request")
        if 200 <= reply.status < 300:
            return reply
        retry_after = _parse_retry_after(reply.headers)
        if attempt < core.retry.max_retries and is_retryable_status(reply.status, req.kind):
            delay = backoff_delay(attempt, retry_after, core.retry, core.rand)
            log.debug(
                "%s %s: HTTP %d, retry in %.2fs", req.method, req.display_path, reply.status, delay
            )
            yield Sleep(delay)
            attempt += 1
            continue
        if req.kind == "execute" and reply.status >= 500:
            text = api_error_text(reply.content) or "no error text"
            raise ExecutionMayHaveStarted(
                f"execute failed with HTTP {reply.status} ({text}); the request reached the server, "
                "so the execution may have started and may be billed. It was not retried: check "
                "your recent executions before running it again",
                cause=f"HTTP {reply.status}",
                method=req.method,
                path=req.display_path,
            )
        raise make_status_error(
            reply.status,
            reply.content,
            req.method,
            req.display_path,
            execution_id=req.execution_id,
            retry_after=retry_after,
        )


def _transport_error(req: Request, failure: TransportFailure) -> APIError:
    if req.kind == "execute" and failure.kind != "connect":
        return ExecutionMayHaveStarted(
            f"execute failed after the request was sent ({failure.kind}: {failure.detail}); "
            "the execution may have started and may be billed. It was not retried: check your "
            "recent executions before running it again",
            cause=failure.kind,
            method=req.method,
            path=req.display_path,
        )
    cls = APITimeout if failure.kind == "timeout" else APIConnectionError
    return cls(
        f"{failure.kind} error: {failure.detail}",
        method=req.method,
        path=req.display_path,
        execution_id=req.execution_id,
    )


def parse_json(req: Request, resp: RawResponse) -> dict[str, Any]:
    """Decode a JSON object body, or raise ResponseValidationError naming the request."""
    try:
        data = orjson.loads(resp.content)
    except orjson.JSONDecodeError as exc:
        raise ResponseValidationError(
            f"response is not valid JSON ({exc})",
            status_code=resp.status,
            method=req.method,
            path=req.display_path,
            execution_id=req.execution_id,
        ) from None
    if not isinstance(data, dict):
        raise ResponseValidationError(
            f"expected a JSON object, got {type(data).__name__}",
            status_code=resp.status,
            method=req.method,
            path=req.display_path,
            execution_id=req.execution_id,
        )
    return data


def _invalid(req: Request, resp: RawResponse, what: str) -> ResponseValidationError:
    return ResponseValidationError(
        what,
        status_code=resp.status,
        method=req.method,
        path=req.display_path,
        execution_id=req.execution_id,
    )


def execute(core: Core, req: Request) -> Flow[ExecutionStatus]:
    """POST an execute request; returns the new execution's id and state."""
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    raw_id = data.get("execution_id")
    try:
        execution_id = validate_execution_id(raw_id)
    except DuneError:
        raise _invalid(
            req, resp, f"execute response has no valid execution_id: {raw_id!r}"
        ) from None
    state = data.get("state", ExecutionState.PENDING)
    return ExecutionStatus.from_dict({"execution_id": execution_id, "state": state})


def get_status(core: Core, execution_id: str) -> Flow[ExecutionStatus]:
    req = status_request(execution_id)
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    try:
        return ExecutionStatus.from_dict(data, execution_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(req, resp, f"status response is missing or has a bad {exc}") from None


def cancel(core: Core, execution_id: str) -> Flow[bool]:
    req = cancel_request(execution_id)
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    return bool(data.get("success", False))


# -- waiting -----------------------------------------------------------------------------------


def raise_for_terminal(status: ExecutionStatus) -> None:
    """Raise the error for FAILED / CANCELLED / EXPIRED; return for the completed states."""
    state = status.state
    if state in SUCCESS_STATES:
        return
    eid = status.execution_id
    if state == ExecutionState.FAILED:
        err = status.error
        raise QueryFailed(
            eid,
            error_type=err.type if err else None,
            message=(err.message if err and err.message else "the query failed"),
            line=err.line if err else None,
            column=err.column if err else None,
        )
    if state == ExecutionState.CANCELLED:
        raise ExecutionCancelled(f"execution {eid} was cancelled", execution_id=eid)
    if state == ExecutionState.EXPIRED:
        raise ExecutionExpired(
            f"execution {eid} has expired; its result is gone, run the query again",
            execution_id=eid,
        )


def poll(
    core: Core,
    fetch: Callable[[], Flow[S]],
    *,
    timeout: float | None,
    check: Callable[[S, float, int], bool],
    hints: Callable[[S], tuple[ExecutionState | str | None, int | None]],
    expire: Callable[[S, float], Flow[NoReturn]],
    first_delay: float = 0.0,
) -> Flow[S]:
    """Fetch a status until ``check(status, elapsed, polls)`` says done (or raises), on the
    adaptive schedule and under the request budget; ``expire`` raises at the deadline.
    ``first_delay`` skips a first poll that would only see a just-submitted run pending."""
    start = core.clock()
    deadline = None if timeout is None else start + timeout
    polls = 0
    if first_delay > 0:
        yield Sleep(first_delay if timeout is None else min(first_delay, timeout))
    while True:
        slot = core.budget.wait_time(core.clock())
        if slot > 0:
            if deadline is not None:
                slot = min(slot, max(deadline - core.clock(), 0.0))
            yield Sleep(slot)
        status = yield from fetch()
        now = core.clock()
        core.budget.record(now)
        polls += 1
        elapsed = now - start
        if check(status, elapsed, polls):
            return status
        if deadline is not None and now >= deadline:
            yield from expire(status, elapsed)
        state, queue_position = hints(status)
        delay = poll_interval(elapsed, state, queue_position, core.poll, core.rand)
        if deadline is not None:
            delay = min(delay, max(deadline - now, 0.0))
        yield Sleep(delay)


def first_poll_delay(core: Core, known: ExecutionStatus, since: float) -> float:
    """How long to hold the first poll of an execution last seen unfinished at ``since``: a
    poll sooner than the schedule's first interval would only see it still pending."""
    if known.state in TERMINAL_STATES:
        return 0.0
    return max(core.poll.first - (core.clock() - since), 0.0)


def wait(
    core: Core,
    execution_id: str,
    *,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    cancel_on_timeout: bool,
    first_delay: float = 0.0,
) -> Flow[ExecutionStatus]:
    """Poll until a terminal state with the adaptive schedule, under the budget and deadline."""
    warned: set[str] = set()

    def check(status: ExecutionStatus, elapsed: float, polls: int) -> bool:
        if on_progress is not None:
            on_progress(Progress(execution_id, status.state, status.queue_position, elapsed, polls))
        if status.state in TERMINAL_STATES:
            raise_for_terminal(status)
            return True
        if not is_known(status.state) and str(status.state) not in warned:
            warned.add(str(status.state))
            warnings.warn(
                f"execution {execution_id} reports unknown state {status.state!r}; still polling",
                UnknownStateWarning,
                stacklevel=2,
            )
        return False

    def expire(status: ExecutionStatus, elapsed: float) -> Flow[NoReturn]:
        cancelled = False
        if cancel_on_timeout:
            cancelled = yield from cancel_quietly(core, execution_id)
        raise ExecutionTimeout(
            execution_id,
            state=str(status.state),
            elapsed=elapsed,
            timeout=float(timeout or 0.0),
            cancelled=cancelled,
        )

    return (
        yield from poll(
            core,
            lambda: get_status(core, execution_id),
            timeout=timeout,
            check=check,
            hints=lambda status: (status.state, status.queue_position),
            expire=expire,
            first_delay=first_delay,
        )
    )


def cancel_quietly(core: Core, execution_id: str) -> Flow[bool]:
    """Cancel remotely, reporting failure as False instead of raising (used on timeout/abort)."""
    try:
        return (yield from cancel(core, execution_id))
    except DuneError as exc:
        log.warning("could not cancel execution %s: %s", execution_id, type(exc).__name__)
        return False


# -- results -----------------------------------------------------------------------------------


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


def _offset_from_uri(uri: object) -> int | None:
    if not isinstance(uri, str):
        return None
    values = parse_qs(urlsplit(uri).query).get("offset")
    if values and values[0].isdigit():
        return int(values[0])
    return None


def parse_page(req: Request, resp: RawResponse, offset: int, *, decode: bool = True) -> Page:
    """Parse a JSON results page from raw bytes: the envelope without touching the rows, then
    the rows with orjson (no per-row models), or, with ``decode=False``, keep them raw when
    the page states its ``row_count``."""
    try:
        data, raw = split_page(resp.content)
        status = ExecutionStatus.from_dict(data, req.execution_id)
    except PageFormatError as exc:
        raise _invalid(req, resp, f"response is not a valid results page ({exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(req, resp, f"results response is missing or has a bad {exc}") from None
    result = data.get("result")
    meta = PageMetadata()
    if isinstance(result, dict):
        meta = PageMetadata.from_dict(result.get("metadata"))
    elif status.state in SUCCESS_STATES:
        raise _invalid(req, resp, "completed results response has no result object")
    next_offset = data.get("next_offset")
    if not isinstance(next_offset, int) or isinstance(next_offset, bool):
        next_offset = _offset_from_uri(data.get("next_uri"))
    if not decode and raw is not None and meta.row_count is not None:
        return Page(offset, None, meta.row_count, meta, status, next_offset, raw)
    try:
        rows = decode_rows(raw)
    except PageFormatError as exc:
        raise _invalid(req, resp, str(exc)) from None
    if meta.row_count is None:
        meta = PageMetadata(**{**meta.__dict__, "row_count": len(rows)})
    return Page(offset, rows, len(rows), meta, status, next_offset)


def next_offset(page: Page, options: ResultOptions) -> int | None:
    """Where the page after ``page`` starts, or None when the result (or the limit) is done."""
    if options.sample_count is not None or page.next_offset is None:
        return None
    if page.next_offset <= page.offset:
        return None  # a server bug would otherwise loop forever
    if options.limit is not None and page.next_offset >= options.offset + options.limit:
        return None
    return page.next_offset


def fetch_page(
    core: Core, execution_id: str, options: ResultOptions, offset: int, *, decode: bool = True
) -> Flow[Page]:
    req = results_request(execution_id, options.page_query(offset))
    resp = yield from send(core, req)
    page = parse_page(req, resp, offset, decode=decode)
    if page.status.state not in SUCCESS_STATES:
        raise_for_terminal(page.status)
        raise _invalid(req, resp, f"execution is not finished (state {page.status.state})")
    return page


def check_partial(status: ExecutionStatus, options: ResultOptions) -> bool:
    """Apply the partial policy; returns whether the result is partial."""
    if status.state != ExecutionState.COMPLETED_PARTIAL:
        return False
    if options.partial == "error":
        raise PartialResultError(
            f"execution {status.execution_id} completed with a partial (truncated) result; "
            'pass partial="warn" or partial="allow" to read the rows that were kept',
            execution_id=status.execution_id,
        )
    if options.partial == "warn":
        warnings.warn(
            f"execution {status.execution_id}: the result is partial (truncated by Dune); "
            'pass partial="allow" to silence this or partial="error" to refuse it',
            PartialResultWarning,
            stacklevel=3,
        )
    return True


def check_budget(execution_id: str, meta: PageMetadata | None, options: ResultOptions) -> bool:
    """Raise DatapointBudgetExceeded if the rows to fetch x columns exceed ``max_datapoints``.

    Returns False when the metadata is not enough to decide yet.
    """
    if options.max_datapoints is None:
        return True
    if meta is None or meta.total_row_count is None:
        return False
    columns = len(options.columns.split(",")) if options.columns else len(meta.column_names)
    rows = max(meta.total_row_count - options.offset, 0)
    if options.limit is not None:
        rows = min(rows, options.limit)
    if options.sample_count is not None:
        rows = min(rows, options.sample_count)
    if rows * columns > options.max_datapoints:
        raise DatapointBudgetExceeded(
            execution_id, budget=options.max_datapoints, total_rows=rows, columns=columns
        )
    return True


def first_page(core: Core, status: ExecutionStatus, options: ResultOptions) -> Flow[Page]:
    """Check policy and budget from the status, then fetch the first page (budget re-checked)."""
    check_partial(status, options)
    checked = check_budget(status.execution_id, status.result_metadata, options)
    size = options.page_size
    if not checked:
        size = 1  # probe: learn total_row_count before downloading a full page
    req = results_request(status.execution_id, options.page_query(options.offset, first_size=size))
    resp = yield from send(core, req)
    page = parse_page(req, resp, options.offset)
    if page.status.state not in SUCCESS_STATES:
        raise_for_terminal(page.status)
        raise _invalid(req, resp, f"execution is not finished (state {page.status.state})")
    if not checked:
        check_budget(status.execution_id, page.metadata, options)
        if page.next_offset is not None and size < options.page_size:
            page = yield from fetch_page(core, status.execution_id, options, options.offset)
    return page


def latest_probe(
    core: Core,
    query_id: int,
    *,
    params: Mapping[str, Any],
    options: ResultOptions,
    max_age: timedelta | None,
    now: Callable[[], datetime],
) -> Flow[ExecutionStatus | None]:
    """The latest execution's status if it is fresh and usable, else None (caller re-runs)."""
    query = options.base_query()
    query["limit"] = str(C.LATEST_PROBE_LIMIT)
    for key, value in params.items():
        query[f"params.{key}"] = ",".join(value) if isinstance(value, list) else str(value)
    req = latest_results_request(query_id, query)
    try:
        resp = yield from send(core, req)
    except NotFound:
        return None
    data = parse_json(req, resp)
    try:
        probe = ExecutionStatus.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None
    if probe.state not in SUCCESS_STATES:
        return None
    if max_age is not None:
        ended = probe.execution_ended_at
        if ended is None or now() - ended > max_age:
            return None
    status = yield from get_status(core, probe.execution_id)
    if status.state not in SUCCESS_STATES:
        return None
    return status


def csv_page(
    core: Core, execution_id: str, options: ResultOptions, offset: int
) -> Flow[tuple[tuple[bytes, ...], int | None]]:
    """One CSV page, as the network chunks it arrived in, and the offset of the next one (from
    x-dune-next-offset / x-dune-next-uri). Chunks are never joined: memory stays flat."""
    req = results_request(execution_id, options.page_query(offset), csv=True)
    resp = yield from send(core, req)
    raw_next = resp.headers.get("x-dune-next-offset")
    nxt: int | None = int(raw_next) if raw_next is not None and raw_next.strip().isdigit() else None
    if nxt is None:
        nxt = _offset_from_uri(resp.headers.get("x-dune-next-uri"))
    if nxt is not None and (nxt <= offset or options.sample_count is not None):
        nxt = None
    if nxt is not None and options.limit is not None and nxt >= options.offset + options.limit:
        nxt = None
    return resp.chunks, nxt


def write_csv(core: Core, execution_id: str, options: ResultOptions, dest: CsvDest) -> Flow[int]:
    """Stream every CSV page to ``dest`` with exactly one header row; returns bytes written."""
    sink = CsvSink(dest)
    try:
        offset: int | None = options.offset
        first = True
        while offset is not None:
            chunks, offset = yield from csv_page(core, execution_id, options, offset)
            for chunk in chunks if first else without_first_line(chunks):
                sink.write(chunk)
            first = False
    finally:
        sink.close()
    return sink.written


def without_first_line(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks of a CSV page minus its header line, which may span several chunks."""
    in_header = True
    for chunk in chunks:
        if in_header:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            in_header = False
            chunk = chunk[cut + 1 :]
        if chunk:
            yield chunk


def merge_page(pages: dict[int, PageMetadata], page: Page) -> None:
    """Record a page's metadata under its offset (re-fetching a page never double counts)."""
    pages[page.offset] = page.metadata
