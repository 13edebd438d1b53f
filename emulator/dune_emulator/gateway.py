"""Outermost ASGI layer: route naming, API-key check, request counters, scripted faults and
rate limits, applied before Starlette routes the request."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from typing import Any

import orjson
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import INVALID_API_KEY, TOO_MANY_REQUESTS
from .faults import Fault
from .ratelimit import bucket_for, plan_limits
from .state import EmulatorState

log = logging.getLogger(__name__)

_DEFAULT_FAULT_MESSAGES = {
    429: TOO_MANY_REQUESTS,
    500: "Internal error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def route_name(scope: Scope, routes: list[BaseRoute]) -> str | None:
    """`"METHOD /template"` of the route this request hits, or None."""
    for route in routes:
        match, _child = route.matches(scope)
        if match == Match.FULL:
            return f"{scope['method']} {getattr(route, 'path', '')}"
    return None


def allowed_methods(scope: Scope, routes: list[BaseRoute]) -> list[str]:
    """Every method some route serves at this path (all routes, not just the first match)."""
    methods: set[str] = set()
    for route in routes:
        match, _child = route.matches(scope)
        if match == Match.PARTIAL:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _api_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-dune-api-key":
            header: str = value.decode("latin-1")
            return header
    from urllib.parse import parse_qsl

    query: bytes = scope.get("query_string", b"")
    for name, text in parse_qsl(query.decode("latin-1")):
        if name == "api_key":
            return text
    return None


async def _send_json(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    payload = orjson.dumps(body)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


#: What a retired endpoint answers with (RFC 9745 Deprecation, RFC 8594 Sunset, and a link).
DEPRECATION_HEADERS = {
    "Deprecation": "@1767225600",
    "Sunset": "Wed, 30 Jun 2027 00:00:00 GMT",
    "Link": '<https://docs.dune.com/api-reference/overview/versioning>; rel="deprecation"',
}


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    """``send`` with ``extra`` headers added to the response start (the rate-limit fields)."""
    encoded = [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    names = {k for k, _ in encoded}

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
            message = {**message, "headers": [*kept, *encoded]}
        await send(message)

    return sending


class Gateway:
    """Wraps the Starlette app; see the module docstring."""

    def __init__(self, app: ASGIApp, state: EmulatorState, routes: list[BaseRoute]) -> None:
        self.app = app
        self.state = state
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._dated(send)
        path: str = scope["path"]
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        key = _api_key(scope)
        if key is None or key not in self.state.config.api_keys:
            await _send_json(send, 401, {"error": INVALID_API_KEY})
            return
        name = route_name(scope, self.routes)
        if name is None and len(path) > len("/api/") and path.endswith("/"):
            # Serve `/x/` as `/x` (no redirect): clients' trailing slashes are harmless.
            scope = dict(scope, path=path.rstrip("/"), raw_path=path.rstrip("/").encode())
            name = route_name(scope, self.routes)
        if name is None:
            allowed = allowed_methods(scope, self.routes)
            if allowed:
                await _send_json(
                    send, 405, {"error": "Method Not Allowed"}, {"Allow": ", ".join(allowed)}
                )
                return
        fault = self.state.faults.take(name) if name else None
        method, template = name.split(" ", 1) if name is not None else (scope["method"], path)
        settings = self.state.settings
        bucket = bucket_for(method, template)
        low, high = plan_limits(
            settings.rate_limit_plan, settings.rate_limit_low_rpm, settings.rate_limit_high_rpm
        )
        decision = self.state.rate_limiter.check(
            key, bucket, low if bucket == "low" else high, self.state.clock.now_ns()
        )
        extra = dict(decision.headers)
        if name is not None and name in settings.deprecated_routes:
            extra.update(DEPRECATION_HEADERS)
        send = _with_headers(send, extra)
        if not decision.allowed:
            self.state.rate_limiter.throttled[name or f"{method} {path}"] += 1
            await _send_json(send, 429, {"error": TOO_MANY_REQUESTS})
            return
        if fault is None:
            await self.app(scope, receive, send)
            return
        await self._apply(fault, scope, receive, send)

    def _dated(self, send: Send) -> Send:
        """Stamp every response with a ``Date`` on the emulator clock (uvicorn's own is off), so
        that clients judging age by the server's time see ``advance_clock``."""

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                seconds = self.state.clock.now_ns() / 1e9
                stamp = email.utils.formatdate(seconds, usegmt=True).encode()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        return dated

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind == "delay" and fault.after_handler:
            # the work is done at once, the answer comes late (a slow reply)
            status, headers, body = await self._capture(scope, receive)
            await asyncio.sleep(fault.delay_seconds)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif fault.kind == "delay":
            await asyncio.sleep(fault.delay_seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "drop":
            await _drop_connection(self.state, scope)
        elif fault.kind in ("reset", "trickle"):
            await self._partial(fault, scope, receive, send)
        elif fault.kind == "truncate":
            status, headers, body = await self._capture(scope, receive)
            cut = body[: max(1, len(body) // 2)] if body else b"{"
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(cut)).encode()))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": cut})
        else:
            if fault.after_handler:
                await self._capture(scope, receive)
            status = fault.status or 500
            extra = (
                {"Retry-After": _seconds(fault.retry_after)}
                if fault.retry_after is not None
                else {}
            )
            payload: Any = fault.body
            if payload is None:
                payload = {"error": _DEFAULT_FAULT_MESSAGES.get(status, f"injected fault {status}")}
            await _send_json(send, status, payload, extra)

    async def _partial(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        """The real answer sent in pieces: "trickle" spreads it over delay_seconds, "reset"
        aborts the connection halfway through the body."""
        status, headers, body = await self._capture(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        pieces = 8 if fault.kind == "trickle" else 2
        size = max(1, -(-len(body) // pieces))
        chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
        for n, chunk in enumerate(chunks):
            if fault.kind == "reset" and n == len(chunks) // 2:
                await _drop_connection(self.state, scope)
                return
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if fault.kind == "trickle":
                await asyncio.sleep(fault.delay_seconds / len(chunks))
        await send({"type": "http.response.body", "body": b""})

    async def _capture(self, scope: Scope, receive: Receive) -> tuple[int, list[Any], bytes]:
        status = 500
        headers: list[Any] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return status, headers, b"".join(chunks)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


async def _drop_connection(state: EmulatorState, scope: Scope) -> None:
    """Close the TCP connection without any response."""
    if not state.connections.abort(scope.get("client")):
        raise ConnectionAbortedError("injected fault: connection dropped")
    # let the server see the connection lost before this app returns, so it sends nothing
    await asyncio.sleep(0)
