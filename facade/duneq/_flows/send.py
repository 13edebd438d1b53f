"""One request under the retry rules, and every mapping from an HTTP outcome to an error:
transport failures, error statuses and bodies, and bodies that are not what was promised."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

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
from .._protocol import RawResponse, Request, Retrying, Sleep, TransportFailure
from .._retry import backoff_delay, is_retryable_failure, is_retryable_status, parse_retry_after
from .context import Flow, FlowContext

log = logging.getLogger("duneq.send")


def send(ctx: FlowContext, req: Request) -> Flow[RawResponse]:
    """Send one request with the retry rules; return a 2xx response or raise a mapped error.
    A billed request is first checked against the client's credit budget and reserves its
    estimated cost (kept when the run may have started, released when nothing ran)."""
    if ctx.offline:
        raise CacheMiss(
            f"the client is offline and {req.method} {req.display_path} needs the server; "
            "only cached results can be read"
        )
    if req.kind != "billed":
        return (yield from _send(ctx, req))
    body = req.json if isinstance(req.json, dict) else {}
    cost = ctx.ledger.execution_estimate(body.get("performance"))
    ctx.ledger.check_credits(cost, f"{req.method} {req.display_path}")
    ctx.ledger.reserve(cost)
    try:
        resp = yield from _send(ctx, req)
    except ExecutionMayHaveStarted:
        ctx.ledger.started(f"unknown:{id(req)}", cost)
        raise
    except BaseException:
        ctx.ledger.release(cost)
        raise
    ctx.ledger.started(_started_id(resp) or f"unknown:{id(req)}", cost)
    return resp


def _started_id(resp: RawResponse) -> str | None:
    """The execution id a billed request's answer names, if any."""
    try:
        data = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return None
    value = data.get("execution_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _send(ctx: FlowContext, req: Request) -> Flow[RawResponse]:
    attempt = 0
    while True:
        if req.sink is not None:
            req.sink.begin()
        reply = yield req
        if isinstance(reply, TransportFailure):
            if attempt < ctx.retry.max_retries and is_retryable_failure(reply.kind, req.kind):
                delay = backoff_delay(attempt, None, ctx.retry, ctx.rand)
                log.debug(
                    "%s %s: %s, retry in %.2fs", req.method, req.display_path, reply.kind, delay
                )
                notify_retry(ctx, req, f"{reply.kind}: {reply.detail}", attempt, delay)
                yield Sleep(delay)
                attempt += 1
                continue
            raise transport_error(req, reply)
        if not isinstance(reply, RawResponse):
            raise TypeError("driver returned no response for a request")
        if 200 <= reply.status < 300:
            return reply
        retry_after = parse_retry_after(reply.headers)
        if attempt < ctx.retry.max_retries and is_retryable_status(reply.status, req.kind):
            delay = backoff_delay(attempt, retry_after, ctx.retry, ctx.rand)
            log.debug(
                "%s %s: HTTP %d, retry in %.2fs", req.method, req.display_path, reply.status, delay
            )
            notify_retry(ctx, req, f"HTTP {reply.status}", attempt, delay)
            yield Sleep(delay)
            attempt += 1
            continue
        raise response_error(req, reply.status, reply.content, retry_after)


def notify_retry(ctx: FlowContext, req: Request, cause: str, attempt: int, delay: float) -> None:
    """Tell the context's ``on_retry`` observer (if any) that retry ``attempt + 1`` follows."""
    if ctx.on_retry is not None:
        ctx.on_retry(Retrying(req, cause, attempt + 1, ctx.retry.max_retries, delay))


def response_error(
    req: Request, status: int, body: bytes, retry_after: float | None = None
) -> APIError:
    """The error for a final error status: a billed call answered 5xx may have started a run
    (never retried, never reported as a plain server error); the rest by ``status_error``."""
    if req.kind == "billed" and status >= 500:
        text = api_error_text(body) or "no error text"
        return ExecutionMayHaveStarted(
            f"execute failed with HTTP {status} ({text}); the request reached the server, "
            "so the execution may have started and may be billed. It was not retried: check "
            "your recent executions before running it again",
            cause=f"HTTP {status}",
            method=req.method,
            path=req.display_path,
            status_code=status,
        )
    return status_error(
        status,
        body,
        req.method,
        req.display_path,
        execution_id=req.execution_id,
        retry_after=retry_after,
    )


def transport_error(req: Request, failure: TransportFailure) -> APIError:
    """The error for a request that got no complete response."""
    if req.kind == "billed" and failure.kind != "connect":
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


def call(ctx: FlowContext, req: Request) -> Flow[dict[str, Any]]:
    """Send and decode a JSON object answer."""
    resp = yield from send(ctx, req)
    return parse_json(req, resp)


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
