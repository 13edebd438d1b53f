"""One request under the rate limiter, the retry rules and the deadline, and every mapping from an HTTP outcome to an error:
transport failures, error statuses and bodies, and bodies that are not what was promised."""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from http import HTTPStatus
from typing import Any, TypeVar

import orjson

from .._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeout,
    AuthenticationError,
    BadRequest,
    CacheMiss,
    Conflict,
    DatapointLimitExceeded,
    ExecutionMayHaveStarted,
    NotFound,
    PaymentRequired,
    PermissionDenied,
    RateLimited,
    ResponseValidationError,
    ServerError,
)
from .._policy.operations import bucket_of
from .._policy.retry import (
    NOT_SENT,
    backoff_delay,
    is_retryable_failure,
    is_retryable_status,
    parse_retry_after,
    retry_limit,
)
from .._protocol import Notice, RawResponse, Request, Retrying, Sleep, TransportFailure
from .context import Flow, FlowContext

log = logging.getLogger("duneq.send")

P = TypeVar("P")
_EXECUTION_ID = re.compile(rb'"execution_id"\s*:\s*"([0-9A-Za-z]{26})"')
#: Serial numbers for bookings of executes whose id is unknown: never reused in a process
#: (``id()`` is, once a Charge is freed, so a later booking overwrote an earlier one).
_UNKNOWN_SERIAL = itertools.count(1)


class DeadlineReached(Exception):
    """A request could not be sent, finished or retried before its flow's deadline; the wait
    that set the deadline turns it into ExecutionTimeout (``last`` is the error seen last)."""

    def __init__(self, last: APIError | None = None) -> None:
        self.last = last
        super().__init__(f"deadline reached ({last})" if last is not None else "deadline reached")


def send(
    ctx: FlowContext, req: Request, deadline: float | None = None, *, needed: int = 1
) -> Flow[RawResponse]:
    """Send one request with the retry rules; return a 2xx response or raise a mapped error
    (``needed``: requests the caller's read still has to send, this one included)."""
    return (yield from exchange(ctx, req, _as_is, deadline, needed=needed))


def _as_is(resp: RawResponse) -> RawResponse:
    return resp


def exchange(
    ctx: FlowContext,
    req: Request,
    parse: Callable[[RawResponse], P],
    deadline: float | None = None,
    *,
    paced: bool = True,
    needed: int = 1,
) -> Flow[P]:
    """``_exchange`` under the client's offline switch and credit budget (``Charge``)."""
    admit(ctx, req)
    if req.kind != "billed":
        return (yield from _exchange(ctx, req, parse, deadline, paced=paced, needed=needed))
    with Charge(ctx, req, req.json).pending() as answers:

        def noted(resp: RawResponse) -> P:
            answers.append(resp.content)
            return parse(resp)

        return (yield from _exchange(ctx, req, noted, deadline, paced=paced))


def admit(ctx: FlowContext, req: Request) -> None:
    """Refuse any request of an offline client (flows and ``dune.lowlevel`` alike)."""
    if ctx.offline:
        raise CacheMiss(
            f"the client is offline and {req.method} {req.display_path} needs the server; "
            "only cached results can be read"
        )


class Charge:
    """A billed request's credits: checked against the budget and reserved when made, then
    kept for the run it started (also one that may have started) or released if none did."""

    def __init__(self, ctx: FlowContext, req: Request, body: object) -> None:
        self._ledger = ctx.ledger
        self._unknown = f"unknown:{next(_UNKNOWN_SERIAL)}"
        performance = body.get("performance") if isinstance(body, dict) else None
        self.cost = self._ledger.execution_estimate(performance)
        self._ledger.check_credits(self.cost, f"{req.method} {req.display_path}")
        self._ledger.reserve(self.cost)

    @contextlib.contextmanager
    def pending(self) -> Iterator[list[bytes]]:
        """Around the request: the caller appends each 2xx body it gets; the last one's
        execution takes the reservation. With no answer it is kept if the run may have
        started, else released."""
        answers: list[bytes] = []
        try:
            yield answers
        except BaseException as exc:
            if isinstance(exc, ExecutionMayHaveStarted):
                self._ledger.started(self._unknown, self.cost)
            else:
                self._ledger.release(self.cost)
            raise
        found = _EXECUTION_ID.search(answers[-1]) if answers else None
        self._ledger.started(found.group(1).decode() if found else self._unknown, self.cost)


def _exchange(
    ctx: FlowContext,
    req: Request,
    parse: Callable[[RawResponse], P],
    deadline: float | None = None,
    *,
    paced: bool = True,
    needed: int = 1,
) -> Flow[P]:
    """Send ``req`` under the rate limiter and the retry rules and ``parse`` its 2xx answer.

    An idempotent read is retried (jittered backoff) on transport failures, 429/5xx and on a
    2xx body that ``parse`` rejects; with a ``deadline`` every attempt's timeout is the time
    left, and a wait or Retry-After that outlives it raises DeadlineReached. ``paced=False``
    skips the rate limiter's wait (a last-chance cancel that must not wait out a 429 hold);
    ``needed`` tells the limiter how many requests the caller's read still has to send."""
    attempt = 0
    bucket = bucket_of(req.method, req.path, req.operation)
    if ctx.deadline is not None:
        deadline = ctx.deadline if deadline is None else min(deadline, ctx.deadline)
    while True:
        ticket = yield from _take_slot(ctx, bucket, deadline, needed if paced else 0)
        reply: object = None
        try:
            if req.sink is not None:
                req.sink.begin()
            reply = yield _bounded(ctx, req, deadline)
        finally:
            if not isinstance(reply, RawResponse):  # no answer to learn from: not in flight
                ctx.limiter.settled(bucket, ticket)
        if isinstance(reply, TransportFailure):
            error = transport_error(req, reply)
            if not is_retryable_failure(reply.kind, req.kind):
                raise error
            why = f"{reply.kind}: {reply.detail}"
            limit = retry_limit(reply.kind, ctx.retry)
            yield from _pause(ctx, req, attempt, None, deadline, error, why, limit)
            attempt += 1
            continue
        if not isinstance(reply, RawResponse):
            raise TypeError("driver returned no response for a request")
        retry_after = parse_retry_after(reply.headers)
        ctx.limiter.observe(
            bucket, ticket, reply.headers, ctx.clock(), status=reply.status, retry_after=retry_after
        )
        deprecated = deprecation(ctx, req, reply.headers)
        if deprecated is not None:
            yield Notice(deprecated)
        if 200 <= reply.status < 300:
            try:
                return parse(reply)
            except ResponseValidationError as exc:
                if req.kind == "billed":
                    raise may_have_started(req, reply, exc.message) from None
                if req.kind != "idempotent":
                    raise
                yield from _pause(ctx, req, attempt, None, deadline, exc, "bad body")
                attempt += 1
                continue
        error = _status_failure(req, reply, retry_after)
        if not is_retryable_status(reply.status, req.kind):
            raise error
        yield from _pause(ctx, req, attempt, retry_after, deadline, error, f"HTTP {reply.status}")
        attempt += 1


def _bounded(ctx: FlowContext, req: Request, deadline: float | None) -> Request:
    """The attempt to send: its timeout shrunk to the time left before ``deadline``."""
    if deadline is None:
        return req
    left = deadline - ctx.clock()
    if left <= 0:
        raise DeadlineReached()
    return replace(req, timeout=left if req.timeout is None else min(left, req.timeout))


def _take_slot(ctx: FlowContext, bucket: str, deadline: float | None, needed: int) -> Flow[int]:
    """Reserve this request with the client's limiter and wait as long as the server's evidence
    says, then for any 429 hold on the bucket that began meanwhile (once: an injected sleep may
    not move the clock); ``needed`` 0 reserves without waiting (a last-chance cancel). Returns
    the reservation's ticket, which the answer's headers are matched with."""
    slot = ctx.limiter.reserve(bucket, ctx.clock(), max(needed, 1))
    delay = slot.delay if needed > 0 else 0.0
    try:
        for _ in range(2):
            if delay <= 0:
                return slot.ticket
            if deadline is not None and ctx.clock() + delay >= deadline:
                raise DeadlineReached()
            yield Sleep(delay)
            delay = ctx.limiter.held(bucket, ctx.clock())
    except BaseException:
        ctx.limiter.settled(bucket, slot.ticket)  # given up before it was sent
        raise
    return slot.ticket


def deprecation(
    ctx: FlowContext, req: Request, headers: Mapping[str, str]
) -> DeprecationWarning | None:
    """A ``DeprecationWarning`` naming the endpoint the first time this client sees Dune's
    ``Deprecation`` (or ``Sunset``) header on it; None otherwise."""
    flag, sunset = headers.get("deprecation"), headers.get("sunset")
    if flag is None and sunset is None:
        return None
    route = f"{req.method} {_route(req.display_path)}"
    if route in ctx.deprecations:
        return None
    ctx.deprecations.add(route)
    when = f"; it is removed after {sunset}" if sunset else ""
    link = _deprecation_link(headers.get("link"))
    more = f"; see {link}" if link else ""
    return DeprecationWarning(f"Dune has deprecated {route}{when}{more}")


_ID_SEGMENT = re.compile(r"/(?:01[0-9A-HJKMNP-TV-Z]{24}|\d+)(?=/|$)")


def _route(path: str) -> str:
    """A path with its ids (execution ULIDs, query ids) replaced, so one warning covers them."""
    return _ID_SEGMENT.sub("/{id}", path)


def _deprecation_link(value: str | None) -> str | None:
    if not value:
        return None
    for part in value.split(","):
        if 'rel="deprecation"' in part or "rel=deprecation" in part:
            start, end = part.find("<"), part.find(">")
            if 0 <= start < end:
                return part[start + 1 : end]
    return None


def _pause(
    ctx: FlowContext,
    req: Request,
    attempt: int,
    retry_after: float | None,
    deadline: float | None,
    error: APIError,
    why: str,
    limit: int | None = None,
) -> Flow[None]:
    """Back off before retry ``attempt``; raise ``error`` when the retries (``limit``, else the
    policy's) are spent and DeadlineReached when the pause (or the server's Retry-After)
    outlives the deadline."""
    limit = ctx.retry.max_retries if limit is None else limit
    if attempt >= limit:
        raise error
    delay = backoff_delay(attempt, retry_after, ctx.retry, ctx.rand)
    if deadline is not None:
        left = deadline - ctx.clock()
        if max(delay, retry_after or 0.0) >= left:
            raise DeadlineReached(error)
    log.debug("%s %s: %s, retry in %.2fs", req.method, req.display_path, why, delay)
    notify_retry(ctx, req, why, attempt, delay, limit)
    yield Sleep(delay)


def notify_retry(
    ctx: FlowContext,
    req: Request,
    cause: str,
    attempt: int,
    delay: float,
    limit: int | None = None,
) -> None:
    """Tell the context's ``on_retry`` observer (if any) that retry ``attempt + 1`` of
    ``limit`` (default: the policy's) follows."""
    if ctx.on_retry is not None:
        limit = ctx.retry.max_retries if limit is None else limit
        ctx.on_retry(Retrying(req, cause, attempt + 1, limit, delay))


def response_error(
    req: Request, status: int, body: bytes, retry_after: float | None = None
) -> APIError:
    """The error for a final error status outside the flows (``dune.lowlevel``): the same
    mapping, including an execute's 5xx as ExecutionMayHaveStarted."""
    return _status_failure(req, RawResponse(status, {}, body), retry_after)


def _status_failure(req: Request, reply: RawResponse, retry_after: float | None) -> APIError:
    """The error for a non-2xx answer (an execute's 5xx: it may have started)."""
    if req.kind == "billed" and reply.status >= 500:
        text = api_error_text(reply.content) or "no error text"
        return may_have_started(req, reply, f"execute failed with HTTP {reply.status} ({text})")
    if 300 <= reply.status < 400:
        where = reply.headers.get("location") or "no location"
        return ResponseValidationError(
            f"unexpected HTTP status {reply.status} (a redirect to {where}): the base URL is "
            "probably not the Dune API's; redirects are not followed",
            status_code=reply.status,
            method=req.method,
            path=req.display_path,
            execution_id=req.execution_id,
        )
    return status_error(
        reply.status,
        reply.content,
        req.method,
        req.display_path,
        execution_id=req.execution_id,
        retry_after=retry_after,
    )


def may_have_started(req: Request, reply: RawResponse, what: str) -> ExecutionMayHaveStarted:
    """An execute whose outcome is unknown: what is known (status, an execution id found in a
    broken body) is carried, and nothing is retried."""
    found = _EXECUTION_ID.search(reply.content)
    execution_id = found.group(1).decode() if found else None
    seen = f"; its id looks like {execution_id}" if execution_id else ""
    return ExecutionMayHaveStarted(
        f"{what}; the request reached the server, so the execution may have started and may be "
        f"billed{seen}. It was not retried: check your recent executions before running it again",
        cause=f"HTTP {reply.status}",
        method=req.method,
        path=req.display_path,
        status_code=reply.status,
        execution_id=execution_id,
    )


def transport_error(req: Request, failure: TransportFailure) -> APIError:
    """The error for a request that got no complete response."""
    if req.kind == "billed" and failure.kind not in NOT_SENT:
        return ExecutionMayHaveStarted(
            f"execute failed after the request was sent ({failure.kind}: {failure.detail}); "
            "the execution may have started and may be billed. It was not retried: check your "
            "recent executions before running it again",
            cause=failure.kind,
            method=req.method,
            path=req.display_path,
        )
    cls = APITimeout if failure.kind == "timeout" else APIConnectionError
    error = cls(
        f"{failure.kind} error: {_failure_text(failure)}",
        method=req.method,
        path=req.display_path,
        execution_id=req.execution_id,
    )
    error.failure = failure.kind
    return error


def _failure_text(failure: TransportFailure) -> str:
    """The failure's detail, with the host and port it was for."""
    where = failure.address or "the server"
    if failure.kind == "resolve":
        host = (
            f"host {where.rpartition(':')[0] or where} ({where})" if failure.address else "its host"
        )
        return f"cannot resolve {host}: {failure.detail}; check the base URL (DUNE_API_BASE_URL)"
    if failure.kind == "refused":
        return f"{where} refused the connection: {failure.detail}"
    return f"{failure.detail} ({where})" if failure.address else failure.detail


def invalid(req: Request, resp: RawResponse, what: str) -> ResponseValidationError:
    """A response that is not what the API promises, naming the request."""
    return ResponseValidationError(
        what,
        status_code=resp.status,
        method=req.method,
        path=req.display_path,
        execution_id=req.execution_id,
    )


def parse_json(req: Request, resp: RawResponse) -> dict[str, Any]:
    """Decode a JSON object body, or raise ResponseValidationError naming the request."""
    try:
        data = orjson.loads(resp.content)
    except orjson.JSONDecodeError as exc:
        raise invalid(req, resp, f"response is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise invalid(req, resp, f"expected a JSON object, got {type(data).__name__}")
    return data


def call(
    ctx: FlowContext,
    req: Request,
    deadline: float | None = None,
    *,
    paced: bool = True,
    needed: int = 1,
) -> Flow[dict[str, Any]]:
    """Send and decode a JSON object answer (a read whose body is broken is retried)."""
    return (
        yield from exchange(
            ctx, req, lambda resp: parse_json(req, resp), deadline, paced=paced, needed=needed
        )
    )


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequest,
    401: AuthenticationError,
    402: PaymentRequired,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}

_PER_REQUEST_LIMIT = "limits per request"
_DATAPOINT_HINT = (
    "the result exceeds the per-request datapoint limit; pass ignore_datapoint_limit=True "
    "(sends ignore_max_datapoints_per_request and ignore_max_credits_per_request) "
    "or raise the limit in your Dune settings"
)


def api_error_text(body: bytes) -> str | None:
    """The API's ``error`` string from a JSON error body, or None if the body is not one."""
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, str):
            return err
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return None


def status_error(
    status: int,
    body: bytes,
    method: str,
    path: str,
    execution_id: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """The one mapping from an error status and body to an error class (5xx with an HTML
    body is a ServerError; an undocumented status is a ResponseValidationError)."""
    text = api_error_text(body)
    cls = ServerError if 500 <= status <= 599 else _STATUS_CLASSES.get(status)
    if cls is None:
        detail = text if text is not None else _snippet(body)
        return ResponseValidationError(
            f"unexpected HTTP status {status}: {detail}",
            status_code=status,
            method=method,
            path=path,
            execution_id=execution_id,
        )
    if status == 402 and text is not None and _PER_REQUEST_LIMIT in text.lower():
        cls = DatapointLimitExceeded
        message = f"{text} -- {_DATAPOINT_HINT}"
    elif text is not None:
        message = text
    else:
        message = f"{_reason(status)} (non-JSON body: {_snippet(body)})"
    return cls(
        message,
        status_code=status,
        api_message=text,
        body=body,
        method=method,
        path=path,
        execution_id=execution_id,
        retry_after=retry_after,
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", "replace").strip().replace("\n", " ")
    return repr(text + ("..." if len(body) > limit else ""))
