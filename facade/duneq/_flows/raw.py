"""The raw escape hatch's flow: one request of the caller's own, under the client's retry
rules, rate limiter, budget and an optional deadline, answered as an APIResponse."""

from __future__ import annotations

from .._answers import APIResponse, Cancellation, cancellation_from_wire
from .._errors import APITimeout
from .._lowlevel import cancel_request
from .._protocol import Request
from .context import Flow, FlowContext
from .send import DeadlineReached, call, send


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


def cancellation(ctx: FlowContext, execution_id: str) -> Flow[Cancellation]:
    """Cancel an execution and keep the API's answer (its message says why, when refused)."""
    data = yield from call(ctx, cancel_request(execution_id))
    return cancellation_from_wire(execution_id, data)
