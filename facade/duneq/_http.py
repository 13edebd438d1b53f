"""HTTP plumbing: settings, key auth with a redacting repr, and the two drivers.

The drivers run the sans-IO flows of ``_flows`` over the low-level client's own httpx client,
so connection pool, timeouts, headers and transport are shared with ``dune.lowlevel``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from . import _constants as C
from ._errors import InvalidArgument, MissingAPIKey
from ._lowlevel import LowLevelClient, build_client
from ._protocol import Action, Notice, RawResponse, Reply, Request, Sleep, TransportFailure
from ._types import NotGiven
from ._version import __version__
from ._warn import warn_at_caller

T = TypeVar("T")


class DuneKeyAuth(httpx.Auth):
    """Adds ``X-Dune-Api-Key`` to every request; its repr never shows the key."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[C.API_KEY_HEADER] = self._api_key
        yield request

    def __repr__(self) -> str:
        return "DuneKeyAuth(api_key='***')"


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings (the key is kept out of repr)."""

    base_url: str
    timeout: httpx.Timeout
    api_key: str

    def __repr__(self) -> str:
        return f"Settings(base_url={self.base_url!r}, timeout={self.timeout!r}, api_key='***')"


def resolve_settings(
    api_key: str | None | NotGiven,
    base_url: str | None | NotGiven,
    timeout: float | httpx.Timeout | None | NotGiven,
) -> Settings:
    """Key from the argument or DUNE_API_KEY; base URL (scheme://host) from the argument,
    DUNE_API_BASE_URL or the default; a timeout that is always set."""
    key = api_key if isinstance(api_key, str) else os.environ.get(C.API_KEY_ENV)
    if key is not None:
        key = key.strip()
    if not key:
        raise MissingAPIKey(
            f"no Dune API key: pass api_key=... or set the {C.API_KEY_ENV} environment variable"
        )
    raw = base_url if isinstance(base_url, str) else os.environ.get(C.BASE_URL_ENV)
    base = normalize_base_url(raw or C.DEFAULT_BASE_URL)
    if isinstance(timeout, NotGiven) or timeout is None:
        timeout = _env_timeout()
    if timeout is None:
        resolved = C.DEFAULT_TIMEOUT
    elif isinstance(timeout, httpx.Timeout):
        resolved = timeout
    elif isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        resolved = httpx.Timeout(float(timeout), connect=min(float(timeout), C.CONNECT_TIMEOUT))
    else:
        raise InvalidArgument(f"timeout must be a positive number of seconds, got {timeout!r}")
    return Settings(base_url=base, timeout=resolved, api_key=key)


def _env_timeout() -> float | None:
    """``DUNE_API_REQUEST_TIMEOUT`` in seconds, or None when unset or empty."""
    raw = os.environ.get(C.REQUEST_TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InvalidArgument(
            f"{C.REQUEST_TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}"
        )
    return value


def normalize_base_url(raw: str) -> str:
    """``scheme://host[:port]`` as dune-client means it; a trailing ``/api`` or ``/api/v1`` is
    tolerated and removed so that the API root is always ``{base}/api/v1``."""
    text = raw.strip().rstrip("/")
    url = httpx.URL(text)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgument(
            f"{C.BASE_URL_ENV} / base_url must look like https://api.dune.com, got {raw!r}"
        )
    for suffix in ("/api/v1", "/api"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return text


def build_lowlevel(settings: Settings, transport: object) -> LowLevelClient:
    """The configured generated client: base ``{base}/api``, timeout set, key via httpx auth."""
    httpx_args: dict[str, Any] = {"auth": DuneKeyAuth(settings.api_key)}
    if transport is not None:
        httpx_args["transport"] = transport
    return build_client(
        f"{settings.base_url}/api",
        settings.timeout,
        {"User-Agent": f"duneq/{__version__}"},
        httpx_args,
    )


def _failure(exc: httpx.TransportError) -> TransportFailure:
    detail = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransportFailure("connect", detail)
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure("timeout", detail)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return TransportFailure("protocol", detail)
    return TransportFailure("read", detail)


def _kwargs(req: Request) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"params": req.params}
    if req.json is not None:
        kwargs["json"] = req.json
    if req.content is not None:
        kwargs["content"] = req.content
    if req.headers:
        kwargs["headers"] = dict(req.headers)
    return kwargs


class SyncDriver:
    """Runs a flow with blocking I/O (``sleep`` is injectable). When the caller interrupts
    (Ctrl-C), the interrupt is thrown into the flow, which may clean up (cancel) first."""

    def __init__(self, http: Callable[[], httpx.Client], sleep: Callable[[float], object]) -> None:
        self._http = http
        self._sleep = sleep

    def send(self, req: Request) -> RawResponse | TransportFailure:
        try:
            if req.sink is not None:
                with self._http().stream(req.method, req.path, **_kwargs(req)) as resp:
                    if resp.is_success:
                        for chunk in resp.iter_bytes():
                            req.sink.write(chunk)
                        return RawResponse(resp.status_code, resp.headers, b"")
                    resp.read()
            else:
                resp = self._http().request(req.method, req.path, **_kwargs(req))
        except httpx.TransportError as exc:
            return _failure(exc)
        return RawResponse(resp.status_code, resp.headers, resp.content)

    def _perform(self, action: Action) -> Reply:
        if isinstance(action, Sleep):
            self._sleep(action.seconds)
            return None
        if isinstance(action, Notice):
            warn_at_caller(action.warning)
            return None
        return self.send(action)

    def run(self, flow: Generator[Action, Reply, T]) -> T:
        try:
            action = next(flow)
            while True:
                try:
                    reply = self._perform(action)
                except KeyboardInterrupt as exc:
                    action = flow.throw(exc)
                    continue
                action = flow.send(reply)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            flow.close()


class AsyncDriver:
    """Runs a flow with asyncio I/O (``sleep`` is injectable and may be sync or async). When
    the task is cancelled, the cancellation is thrown into the flow, which may clean up first."""

    def __init__(
        self,
        http: Callable[[], httpx.AsyncClient],
        sleep: Callable[[float], Awaitable[object] | object],
    ) -> None:
        self._http = http
        self._sleep = sleep

    async def send(self, req: Request) -> RawResponse | TransportFailure:
        try:
            if req.sink is not None:
                async with self._http().stream(req.method, req.path, **_kwargs(req)) as resp:
                    if resp.is_success:
                        async for chunk in resp.aiter_bytes():
                            req.sink.write(chunk)
                        return RawResponse(resp.status_code, resp.headers, b"")
                    await resp.aread()
            else:
                resp = await self._http().request(req.method, req.path, **_kwargs(req))
        except httpx.TransportError as exc:
            return _failure(exc)
        return RawResponse(resp.status_code, resp.headers, resp.content)

    async def _perform(self, action: Action) -> Reply:
        if isinstance(action, Sleep):
            outcome = self._sleep(action.seconds)
            if asyncio.iscoroutine(outcome) or isinstance(outcome, asyncio.Future):
                await outcome
            return None
        if isinstance(action, Notice):
            warn_at_caller(action.warning)
            return None
        return await self.send(action)

    async def run(self, flow: Generator[Action, Reply, T]) -> T:
        try:
            action = next(flow)
            while True:
                try:
                    reply = await self._perform(action)
                except asyncio.CancelledError as exc:
                    action = flow.throw(exc)
                    continue
                action = flow.send(reply)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            flow.close()
