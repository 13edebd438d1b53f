"""``dune.lowlevel`` as the third driver of the one exchange flow, built as an httpx transport.

A ``Client`` has one httpx client, shared by the facade and the generated low-level client, and
this transport under it. The facade's drivers mark each attempt of their flows (``ATTEMPT``) and
the transport sends it as it is. Any other request is a generated ``dune.lowlevel`` call: the
transport finds its operation in the billing table (``_policy.operations``) and runs it through the
same flow as every facade request (``_flows.raw.lowlevel``: rate limiter, retry loop, budget,
deadline, ``on_retry``), each attempt going to the inner transport. A generated ``sync()``
therefore either returns its model or raises a ``DuneError``; it never returns an ``Error``
object or ``None`` for an error status, and never leaks a raw httpx or JSON exception.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from .._flows import raw as raw_flows
from .._flows.context import FlowContext
from .._policy.operations import operation_of
from .._protocol import RawResponse, Request, TransportFailure
from .._version import __version__
from .._wire.adapter import LowLevelClient, build_client
from .drivers import ATTEMPT, AsyncRunner, DuneKeyAuth, Settings, SyncRunner, shrink_timeout
from .drivers import transport_failure as _failure
from .stdlib import StdlibTransport


def lowlevel_request(request: httpx.Request) -> Request:
    """The sans-IO Request of a generated call (its body already read): the billing table's
    operation for its method and path, and a billed call's JSON body for the credit estimate."""
    path = request.url.path.removeprefix("/api")
    op = operation_of(request.method, path)
    body: Any = None
    if op.billed and request.content:
        try:
            body = orjson.loads(request.content)
        except orjson.JSONDecodeError:
            body = None
    return Request(
        request.method,
        path,
        params=dict(request.url.params) or None,
        json=body,
        kind=op.kind,
        operation=op.name,
    )


class _Overtime(Exception):
    """The body kept arriving past the attempt's deadline (a slow trickle)."""


def _attempt(request: httpx.Request, base: httpx.Timeout, req: Request) -> httpx.Request:
    """The caller's request with the client's timeouts ``base``, each cut to the attempt's
    time left (``req.timeout``)."""
    timeout = base if req.timeout is None else shrink_timeout(base, req.timeout)
    request.extensions = {**request.extensions, "timeout": timeout.as_dict()}
    return request


def _answer(response: httpx.Response, request: httpx.Request, raw: bytes) -> httpx.Response:
    """A complete answer, its raw body kept (httpx decodes it once, here)."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        request=request,
        extensions=response.extensions,
    )


class _SyncAttempts(SyncRunner):
    """Runs one low-level call's flow: each attempt is the caller's request on ``inner``."""

    def __init__(
        self, inner: httpx.BaseTransport, request: httpx.Request, sleep: Callable[[float], object]
    ) -> None:
        super().__init__(sleep)
        self._inner = inner
        self._request = request
        self._base = httpx.Timeout(**request.extensions.get("timeout", {}))
        self.last: httpx.Response | None = None

    def send(self, req: Request) -> RawResponse | TransportFailure:
        request = _attempt(self._request, self._base, req)
        limit = None if req.timeout is None else time.monotonic() + req.timeout
        try:
            response = self._inner.handle_request(request)
            try:
                raw = bytearray()
                for chunk in response.iter_raw():
                    if limit is not None and time.monotonic() > limit:
                        raise _Overtime
                    raw += chunk
            finally:
                response.close()
            answer = _answer(response, request, bytes(raw))
            content = answer.read()
        except httpx.TransportError as exc:
            return _failure(exc, request.url)
        except httpx.DecodingError as exc:
            return TransportFailure("protocol", f"DecodingError: {exc}")
        except _Overtime:
            return TransportFailure("timeout", "deadline reached while the body was arriving")
        self.last = answer
        return RawResponse(answer.status_code, answer.headers, content)


class _AsyncAttempts(AsyncRunner):
    """The async twin of ``_SyncAttempts``."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        request: httpx.Request,
        sleep: Callable[[float], Awaitable[object] | object],
    ) -> None:
        super().__init__(sleep)
        self._inner = inner
        self._request = request
        self._base = httpx.Timeout(**request.extensions.get("timeout", {}))
        self.last: httpx.Response | None = None

    async def send(self, req: Request) -> RawResponse | TransportFailure:
        import asyncio

        request = _attempt(self._request, self._base, req)
        try:
            async with asyncio.timeout(req.timeout):
                response = await self._inner.handle_async_request(request)
                try:
                    raw = bytearray()
                    async for chunk in response.aiter_raw():
                        raw += chunk
                finally:
                    await response.aclose()
            answer = _answer(response, request, bytes(raw))
            content = await answer.aread()
        except httpx.TransportError as exc:
            return _failure(exc, request.url)
        except httpx.DecodingError as exc:
            return TransportFailure("protocol", f"DecodingError: {exc}")
        except TimeoutError:
            return TransportFailure("timeout", "deadline reached while the body was arriving")
        self.last = answer
        return RawResponse(answer.status_code, answer.headers, content)


class GuardedTransport(httpx.BaseTransport):
    """The client's one sync transport: the facade's attempts pass through; a low-level call
    runs through the exchange flow within ``timeout`` seconds (the client's wait_timeout)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        ctx: FlowContext,
        sleep: Callable[[float], object],
        timeout: float | None,
    ) -> None:
        self.inner = inner
        self._ctx = ctx
        self._sleep = sleep
        self._timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.extensions.get(ATTEMPT):
            return self.inner.handle_request(request)
        request.read()  # a generated upload's file body, re-sendable on a retry
        attempts = _SyncAttempts(self.inner, request, self._sleep)
        attempts.run(raw_flows.lowlevel(self._ctx, lowlevel_request(request), self._timeout))
        if attempts.last is None:
            raise RuntimeError("the exchange flow ended without an answer")
        return attempts.last

    def close(self) -> None:
        self.inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """The async twin of ``GuardedTransport``."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        ctx: FlowContext,
        sleep: Callable[[float], Awaitable[object] | object],
        timeout: float | None,
    ) -> None:
        self.inner = inner
        self._ctx = ctx
        self._sleep = sleep
        self._timeout = timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.extensions.get(ATTEMPT):
            return await self.inner.handle_async_request(request)
        await request.aread()
        attempts = _AsyncAttempts(self.inner, request, self._sleep)
        flow = raw_flows.lowlevel(self._ctx, lowlevel_request(request), self._timeout)
        await attempts.run(flow)
        if attempts.last is None:
            raise RuntimeError("the exchange flow ended without an answer")
        return attempts.last

    async def aclose(self) -> None:
        await self.inner.aclose()


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


def sync_http(
    settings: Settings,
    transport: httpx.BaseTransport | None,
    ctx: FlowContext,
    sleep: Callable[[float], object],
    timeout: float | None,
) -> httpx.Client:
    """The client's one httpx client, over the guarded transport."""
    inner = transport if transport is not None else StdlibTransport(_tls_context())
    return httpx.Client(transport=GuardedTransport(inner, ctx, sleep, timeout), **_common(settings))


def async_http(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    ctx: FlowContext,
    sleep: Callable[[float], Awaitable[object] | object],
    timeout: float | None,
) -> httpx.AsyncClient:
    """The async twin of ``sync_http``."""
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(verify=_tls_context())
    return httpx.AsyncClient(
        transport=AsyncGuardedTransport(inner, ctx, sleep, timeout), **_common(settings)
    )


def lowlevel_client(
    settings: Settings, http: httpx.Client | None, async_http: httpx.AsyncClient | None
) -> LowLevelClient:
    """The generated client handed out as ``dune.lowlevel``, on the client's httpx client."""
    client = build_client(
        f"{settings.base_url}/api", settings.timeout, _common(settings)["headers"], {}
    )
    if http is not None:
        client.set_httpx_client(http)
    if async_http is not None:
        client.set_async_httpx_client(async_http)
    return client


__all__ = [
    "AsyncGuardedTransport",
    "GuardedTransport",
    "async_http",
    "lowlevel_client",
    "lowlevel_request",
    "sync_http",
]
