"""``dune.lowlevel`` as a first-class path: generated calls get the facade's retry rules
(idempotent / billed / unsafe) and its typed error tree, through an httpx transport.

A generated ``sync()`` therefore either returns its model or raises a ``DuneError``; it never
returns an ``Error`` object or ``None`` for an error status, and never leaks a raw
``httpx`` or ``JSONDecodeError`` exception. The facade's own flows use a second httpx client
over the same inner transport (one connection pool) and keep their own retry loop.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from ._errors import DuneError, ResponseValidationError
from ._flows.context import FlowContext
from ._flows.send import Charge, admit, may_have_started, response_error, transport_error
from ._http import DuneKeyAuth, Settings, transport_failure
from ._lowlevel import LowLevelClient, build_client
from ._protocol import RawResponse, Request, TransportFailure
from ._retry import (
    RequestKind,
    RetryPolicy,
    backoff_delay,
    is_retryable_failure,
    is_retryable_status,
    parse_retry_after,
    retry_limit,
)
from ._stdlib_transport import StdlibTransport
from ._version import __version__

_BILLED_SUFFIXES = ("/execute", "/refresh")


def request_kind(request: httpx.Request) -> RequestKind:
    """The retry class of a raw request: POSTs that start runs are billed, other POSTs unsafe."""
    if request.method != "POST":
        return "idempotent"
    path = request.url.path.rstrip("/")
    if path.endswith(_BILLED_SUFFIXES) or path.endswith("/materialized-views"):
        return "billed"
    return "unsafe"


def _as_request(request: httpx.Request, kind: RequestKind) -> Request:
    path = request.url.path.removeprefix("/api")
    return Request(request.method, path, kind=kind)


def _charge(ctx: FlowContext, req: Request, request: httpx.Request) -> Charge | None:
    """The offline switch, then a billed call's credit check and reservation, as for flows."""
    admit(ctx, req)
    if req.kind != "billed":
        return None
    try:
        body = orjson.loads(request.content) if request.content else {}
    except orjson.JSONDecodeError:
        body = {}
    return Charge(ctx, req, body)


class _Decision:
    """What to do with one attempt's outcome: return it, sleep and retry, or raise."""

    def __init__(self, policy: RetryPolicy, rand: Callable[[], float]) -> None:
        self._policy = policy
        self._rand = rand

    def after_failure(
        self, req: Request, failure: TransportFailure, attempt: int
    ) -> float | DuneError:
        limit = retry_limit(failure.kind, self._policy)
        if attempt < limit and is_retryable_failure(failure.kind, req.kind):
            return backoff_delay(attempt, None, self._policy, self._rand)
        return transport_error(req, failure)

    def after_response(
        self, req: Request, response: httpx.Response, attempt: int
    ) -> float | DuneError | None:
        """None: hand the response to the generated parser."""
        if response.is_success:
            problem = _json_problem(response)
            if problem is None:
                return None
            if attempt < self._policy.max_retries and req.kind == "idempotent":
                return backoff_delay(attempt, None, self._policy, self._rand)
            if req.kind == "billed":  # the run may have started: its booking is kept
                raw = RawResponse(response.status_code, response.headers, response.content)
                return may_have_started(req, raw, problem)
            return ResponseValidationError(
                problem,
                status_code=response.status_code,
                method=req.method,
                path=req.display_path,
            )
        retry_after = parse_retry_after(response.headers)
        if attempt < self._policy.max_retries and is_retryable_status(
            response.status_code, req.kind
        ):
            return backoff_delay(attempt, retry_after, self._policy, self._rand)
        return response_error(req, response.status_code, response.content, retry_after)


def _json_problem(response: httpx.Response) -> str | None:
    """Why a 2xx body announced as JSON is not JSON (the generated parser would crash)."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        return f"response is not valid JSON ({exc})"
    return None


class GuardedTransport(httpx.BaseTransport):
    """Sync transport: retries by the facade's rules, then raises the mapped DuneError."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        ctx: FlowContext,
        sleep: Callable[[float], object],
    ) -> None:
        self._inner = inner
        self._ctx = ctx
        self._decide = _Decision(ctx.retry, ctx.rand)
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        req = _as_request(request, request_kind(request))
        charge = _charge(self._ctx, req, request)
        if charge is None:
            return self._attempts(request, req)
        with charge.pending() as answers:
            response = self._attempts(request, req)
            answers.append(response.content)
        return response

    def _attempts(self, request: httpx.Request, req: Request) -> httpx.Response:
        attempt = 0
        while True:
            outcome: float | DuneError | None
            try:
                response = self._inner.handle_request(request)
                response.read()
            except httpx.TransportError as exc:
                outcome = self._decide.after_failure(
                    req, transport_failure(exc, request.url), attempt
                )
            else:
                outcome = self._decide.after_response(req, response, attempt)
                if outcome is None:
                    return response
                response.close()
            if isinstance(outcome, DuneError):
                raise outcome
            self._sleep(outcome)
            attempt += 1

    def close(self) -> None:
        self._inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """Async transport: retries by the facade's rules, then raises the mapped DuneError."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        ctx: FlowContext,
        sleep: Callable[[float], Awaitable[object] | object],
    ) -> None:
        self._inner = inner
        self._ctx = ctx
        self._decide = _Decision(ctx.retry, ctx.rand)
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        req = _as_request(request, request_kind(request))
        charge = _charge(self._ctx, req, request)
        if charge is None:
            return await self._attempts(request, req)
        with charge.pending() as answers:
            response = await self._attempts(request, req)
            answers.append(response.content)
        return response

    async def _attempts(self, request: httpx.Request, req: Request) -> httpx.Response:
        attempt = 0
        while True:
            outcome: float | DuneError | None
            try:
                response = await self._inner.handle_async_request(request)
                await response.aread()
            except httpx.TransportError as exc:
                outcome = self._decide.after_failure(
                    req, transport_failure(exc, request.url), attempt
                )
            else:
                outcome = self._decide.after_response(req, response, attempt)
                if outcome is None:
                    return response
                await response.aclose()
            if isinstance(outcome, DuneError):
                raise outcome
            slept = self._sleep(outcome)
            if asyncio.iscoroutine(slept) or isinstance(slept, asyncio.Future):
                await slept
            attempt += 1

    async def aclose(self) -> None:
        await self._inner.aclose()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, made on first use (SSL_CERT_FILE / SSL_CERT_DIR
    are read then): loading the CA bundle took about 50 ms per client, most of building one."""
    return httpx.create_ssl_context()


def _common(settings: Settings) -> dict[str, Any]:
    return {
        "base_url": f"{settings.base_url}/api",
        "timeout": settings.timeout,
        "headers": {"User-Agent": f"duneq/{__version__}"},
        "auth": DuneKeyAuth(settings.api_key),
    }


def sync_clients(
    settings: Settings,
    transport: httpx.BaseTransport | None,
    ctx: FlowContext,
    sleep: Callable[[float], object],
) -> tuple[httpx.Client, LowLevelClient]:
    """The facade's httpx client and the guarded low-level client, over one inner transport."""
    inner = transport if transport is not None else StdlibTransport(_tls_context())
    facade = httpx.Client(transport=inner, **_common(settings))
    lowlevel = build_client(
        f"{settings.base_url}/api", settings.timeout, _common(settings)["headers"], {}
    )
    lowlevel.set_httpx_client(
        httpx.Client(transport=GuardedTransport(inner, ctx, sleep), **_common(settings))
    )
    return facade, lowlevel


def async_clients(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    ctx: FlowContext,
    sleep: Callable[[float], Awaitable[object] | object],
) -> tuple[httpx.AsyncClient, LowLevelClient]:
    """The async twin of ``sync_clients``."""
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(verify=_tls_context())
    facade = httpx.AsyncClient(transport=inner, **_common(settings))
    lowlevel = build_client(
        f"{settings.base_url}/api", settings.timeout, _common(settings)["headers"], {}
    )
    lowlevel.set_async_httpx_client(
        httpx.AsyncClient(transport=AsyncGuardedTransport(inner, ctx, sleep), **_common(settings))
    )
    return facade, lowlevel


__all__ = ["AsyncGuardedTransport", "GuardedTransport", "async_clients", "sync_clients"]
