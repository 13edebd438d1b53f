"""HTTP plumbing: settings, key auth with a redacting repr, and the facade's two drivers.

The drivers run the sans-IO flows of ``_flows`` over the client's one httpx client, which
``dune.lowlevel`` shares (one connection pool, timeouts, headers and transport; see _guard).
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from .. import _constants as C
from .._errors import ClientClosed, InvalidArgument, MissingAPIKey
from .._policy.retry import FailureKind
from .._protocol import Action, Notice, RawResponse, Reply, Request, Sleep, TransportFailure
from .._types import NotGiven
from .._warn import warn_at_caller

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
    api_key: object,
    base_url: object,
    timeout: object,
) -> Settings:
    """Key from the argument or DUNE_API_KEY; base URL (scheme://host) from the argument,
    DUNE_API_BASE_URL or the default; a timeout that is always set. Anything that would send
    the key somewhere unintended is an InvalidArgument naming the argument."""
    if isinstance(api_key, str):
        key: str | None = validate_api_key(api_key, "api_key")
    elif api_key is None or isinstance(api_key, NotGiven):
        env = os.environ.get(C.API_KEY_ENV)
        key = validate_api_key(env.strip(), C.API_KEY_ENV) if env and env.strip() else None
    else:
        raise InvalidArgument(f"api_key must be a str or None, got {type(api_key).__name__}")
    if not key:
        raise MissingAPIKey(
            f"no Dune API key: pass api_key=... or set the {C.API_KEY_ENV} environment variable"
        )
    if isinstance(base_url, str | httpx.URL):
        base = normalize_base_url(base_url, "base_url")
    elif base_url is None or isinstance(base_url, NotGiven):
        base = normalize_base_url(
            os.environ.get(C.BASE_URL_ENV) or C.DEFAULT_BASE_URL, C.BASE_URL_ENV
        )
    else:
        raise InvalidArgument(f"base_url must be a str or httpx.URL, got {type(base_url).__name__}")
    return Settings(base_url=base, timeout=resolve_timeout(timeout), api_key=key)


def resolve_timeout(timeout: object) -> httpx.Timeout:
    """The client's HTTP timeouts: the default, an httpx.Timeout, or a positive finite number."""
    if isinstance(timeout, NotGiven) or timeout is None:
        timeout = _env_timeout()
    if timeout is None:
        return C.DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, int | float)
        and not isinstance(timeout, bool)
        and math.isfinite(timeout)
        and timeout > 0
    ):
        return httpx.Timeout(float(timeout), connect=min(float(timeout), C.CONNECT_TIMEOUT))
    raise InvalidArgument(f"timeout must be a positive number of seconds, got {timeout!r}")


def _env_timeout() -> float | None:
    """``DUNE_API_REQUEST_TIMEOUT`` in seconds (as dune-client reads it), or None when unset."""
    raw = os.environ.get(C.REQUEST_TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)):
        raise InvalidArgument(
            f"{C.REQUEST_TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}"
        )
    return value


def validate_api_key(key: str, name: str) -> str:
    """A key is sent as a header: printable ASCII without spaces or control characters."""
    if not key:
        raise InvalidArgument(f"{name} is empty")
    bad = next((ch for ch in key if not "!" <= ch <= "~"), None)
    if bad is not None:
        raise InvalidArgument(
            f"{name} contains {'whitespace' if bad.isspace() else 'a control or non-ASCII character'}"
            f" ({ord(bad):#04x}); a Dune API key is printable ASCII without spaces"
        )
    return key


_API_PATHS = ("", "/api", "/api/v1")


def normalize_base_url(raw: str | httpx.URL, name: str = "base_url") -> str:
    """``scheme://host[:port]`` as dune-client means it; a trailing ``/api`` or ``/api/v1`` is
    tolerated and removed so that the API root is always ``{base}/api/v1``. A query, fragment,
    credentials or any other path is refused (the key would leak or every call would 404)."""
    text = str(raw).strip()
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise InvalidArgument(f"{name} is not a valid URL ({exc}): {text!r}") from None
    shown = url.copy_with(query=None, fragment=None, userinfo=b"") if url.host else text
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgument(f"{name} must look like https://api.dune.com, got {str(shown)!r}")
    if url.query or "?" in text:
        raise InvalidArgument(
            f"{name} must not have a query string (pass the key as api_key=, never in the URL)"
        )
    if url.fragment or "#" in text:
        raise InvalidArgument(f"{name} must not have a fragment, got {str(shown)!r}")
    if url.userinfo:
        raise InvalidArgument(f"{name} must not carry credentials, got {str(shown)!r}")
    path = url.path.rstrip("/")
    if path not in _API_PATHS:
        raise InvalidArgument(
            f"{name} has the path {url.path!r}, which the API cannot have: pass the server's "
            "root (like https://api.dune.com); the API is always at {base}/api/v1"
        )
    port = f":{url.port}" if url.port is not None else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}"


def transport_failure(exc: httpx.TransportError, url: httpx.URL | None = None) -> TransportFailure:
    """What a driver reports for an exchange httpx could not complete (the retry class), with
    the host and port of ``url`` (default: the exception's request)."""
    # the class name, then the OS's reason when httpx has one ("[Errno 111] Connection refused")
    reason = str(exc).strip()
    detail = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransportFailure(_connect_kind(exc), detail, _address(exc, url))
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure("timeout", detail)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return TransportFailure("protocol", detail)
    return TransportFailure("read", detail)


def _connect_kind(exc: BaseException) -> FailureKind:
    """``resolve`` for a name-resolution failure, ``refused`` for a refused connection (found in
    the chain of causes httpx and httpcore wrap), else ``connect``."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return "resolve"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        seen = seen.__cause__ or seen.__context__
    return "connect"


def _address(exc: httpx.TransportError, url: httpx.URL | None) -> str | None:
    if url is None:
        try:
            url = exc.request.url
        except RuntimeError:  # raised by a transport, before httpx attached its request
            return None
    port = url.port or {"https": 443, "http": 80}.get(url.scheme)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}" if port else host


#: The request extension the facade's drivers mark their attempts with: the client's one
#: transport sends such a request as it is (its flow already runs the retries), while an
#: unmarked one (a ``dune.lowlevel`` call) is run through the exchange flow there.
ATTEMPT = "duneq.attempt"


def _kwargs(req: Request, base: httpx.Timeout) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"params": req.params, "extensions": {ATTEMPT: True}}
    if req.json is not None:
        kwargs["json"] = req.json
    if req.content is not None:
        kwargs["content"] = req.content
    if req.headers:
        kwargs["headers"] = dict(req.headers)
    if req.timeout is not None:
        kwargs["timeout"] = shrink_timeout(base, req.timeout)
    return kwargs


def shrink_timeout(base: httpx.Timeout, left: float) -> httpx.Timeout:
    """The client's timeouts, each cut to the ``left`` seconds before a caller's deadline."""
    left = max(left, 0.001)

    def cut(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cut(base.connect), read=cut(base.read), write=cut(base.write), pool=cut(base.pool)
    )


def _open(client: httpx.Client | httpx.AsyncClient) -> None:
    """A call on a closed client is a typed error, not httpx's RuntimeError."""
    if client.is_closed:
        raise ClientClosed("this client is closed; create a new Client (or use it in a with block)")


class _Overtime(Exception):
    """The body kept arriving past the attempt's deadline (a slow trickle)."""


class SyncRunner:
    """Runs a flow with blocking I/O (``sleep`` is injectable); ``send`` makes one attempt.
    When the caller interrupts (Ctrl-C), the interrupt is thrown into the flow, which may clean
    up (cancel) first."""

    def __init__(self, sleep: Callable[[float], object]) -> None:
        self._sleep = sleep

    def send(self, req: Request) -> RawResponse | TransportFailure:
        raise NotImplementedError

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


class SyncDriver(SyncRunner):
    """The facade's driver: each attempt is one streamed request on the client's httpx client
    (marked, so the shared transport sends it as it is)."""

    def __init__(self, http: Callable[[], httpx.Client], sleep: Callable[[float], object]) -> None:
        super().__init__(sleep)
        self._http = http

    def send(self, req: Request) -> RawResponse | TransportFailure:
        """One attempt; with ``req.timeout`` the whole exchange, body included, is bounded."""
        client = self._http()
        _open(client)
        limit = None if req.timeout is None else time.monotonic() + req.timeout
        body: list[bytes] = []  # joined once: growing a bytearray copies every chunk again
        try:
            with client.stream(req.method, req.path, **_kwargs(req, client.timeout)) as resp:
                into = req.sink if req.sink is not None and resp.is_success else None
                if into is not None:
                    into.headers(resp.headers)
                for chunk in resp.iter_bytes():
                    if limit is not None and time.monotonic() > limit:
                        raise _Overtime
                    if into is not None:
                        into.write(chunk)
                    else:
                        body.append(chunk)
        except httpx.TransportError as exc:
            return transport_failure(exc)
        except _Overtime:
            return TransportFailure("timeout", "deadline reached while the body was arriving")
        return RawResponse(resp.status_code, resp.headers, b"".join(body))


class AsyncRunner:
    """Runs a flow with asyncio I/O (``sleep`` is injectable and may be sync or async);
    ``send`` makes one attempt. When the task is cancelled, the cancellation is thrown into the
    flow, which may clean up first."""

    def __init__(self, sleep: Callable[[float], Awaitable[object] | object]) -> None:
        self._sleep = sleep

    async def send(self, req: Request) -> RawResponse | TransportFailure:
        raise NotImplementedError

    async def _perform(self, action: Action) -> Reply:
        import asyncio

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
        import asyncio

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


class AsyncDriver(AsyncRunner):
    """The async twin of ``SyncDriver``."""

    def __init__(
        self,
        http: Callable[[], httpx.AsyncClient],
        sleep: Callable[[float], Awaitable[object] | object],
    ) -> None:
        super().__init__(sleep)
        self._http = http

    async def send(self, req: Request) -> RawResponse | TransportFailure:
        """One attempt; with ``req.timeout`` the whole exchange, body included, is bounded."""
        import asyncio

        client = self._http()
        _open(client)
        try:
            async with asyncio.timeout(req.timeout):
                return await self._exchange(client, req)
        except httpx.TransportError as exc:
            return transport_failure(exc)
        except TimeoutError:
            return TransportFailure("timeout", "deadline reached while the body was arriving")

    async def _exchange(self, client: httpx.AsyncClient, req: Request) -> RawResponse:
        body: list[bytes] = []  # joined once: growing a bytearray copies every chunk again
        async with client.stream(req.method, req.path, **_kwargs(req, client.timeout)) as resp:
            into = req.sink if req.sink is not None and resp.is_success else None
            if into is not None:
                into.headers(resp.headers)
            async for chunk in resp.aiter_bytes():
                if into is not None:
                    into.write(chunk)
                else:
                    body.append(chunk)
        return RawResponse(resp.status_code, resp.headers, b"".join(body))
