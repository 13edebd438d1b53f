"""The escape hatches' flows: one request of the caller's own (``request()``) or of the
generated client (``dune.lowlevel``), under the client's retry rules, rate limiter, budget and
a deadline."""

from __future__ import annotations

import orjson

from .._answers import APIResponse
from .._errors import APITimeout
from .._protocol import RawResponse, Request
from .context import Flow, FlowContext
from .send import DeadlineReached, exchange, invalid, send


def raw(ctx: FlowContext, req: Request, timeout: float | None) -> Flow[APIResponse]:
    """Send ``req`` (retried as its kind allows) within ``timeout`` seconds in all."""
    deadline = None if timeout is None else ctx.clock() + timeout
    try:
        resp = yield from send(ctx, req, deadline)
    except DeadlineReached as exc:
        if exc.last is not None:
            raise exc.last from None
        within = "its deadline" if timeout is None else f"timeout={timeout:g} s"
        raise APITimeout(
            f"the request could not be sent within {within} (client rate limit)",
            method=req.method,
            path=req.display_path,
        ) from None
    return APIResponse(req.method, req.display_path, resp.status, resp.headers, resp.content)


def lowlevel(ctx: FlowContext, req: Request, timeout: float | None) -> Flow[RawResponse]:
    """One ``dune.lowlevel`` call (the generated client's request, ``req`` its billing-table
    entry): the same exchange as every facade request, bounded as a whole by ``timeout``
    seconds (the client's ``wait_timeout``). A 2xx body announced as JSON that is not JSON is
    a bad answer (a read is retried); running out of time is an APITimeout."""
    deadline = None if timeout is None else ctx.clock() + timeout
    try:
        return (yield from exchange(ctx, req, lambda resp: _json_checked(req, resp), deadline))
    except DeadlineReached as exc:
        within = "its deadline" if timeout is None else f"wait_timeout={timeout:g} s"
        last = f" (last error: {exc.last})" if exc.last is not None else " (client rate limit)"
        raise APITimeout(
            f"the low-level call could not complete within {within}{last}",
            method=req.method,
            path=req.display_path,
            execution_id=req.execution_id,
        ) from exc.last


def _json_checked(req: Request, resp: RawResponse) -> RawResponse:
    """The answer as it came, once a body announced as JSON parses (the generated parser
    would raise a bare JSONDecodeError on it)."""
    if "json" in resp.headers.get("content-type", ""):
        try:
            orjson.loads(resp.content)
        except orjson.JSONDecodeError as exc:
            raise invalid(req, resp, f"response is not valid JSON ({exc})") from None
    return resp
