"""Scripted faults and request counters for reliability tests."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("status", "drop", "delay", "truncate")


@dataclass
class Fault:
    """`count` upcoming requests to `route` ("METHOD /api/v1/template") misbehave as `kind`."""

    route: str
    kind: str = "status"
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    body: Any = None
    delay_seconds: float = 0.0
    after_handler: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_fault(raw: Any, known_routes: set[str]) -> Fault:
    """Validate a fault spec from the control API; raises ValueError with a clear message."""
    if not isinstance(raw, dict):
        raise ValueError("fault must be a JSON object")
    route = raw.get("route")
    if not isinstance(route, str) or route not in known_routes:
        raise ValueError(
            f"unknown route {route!r}; use 'METHOD /api/v1/template' as declared, one of: "
            + ", ".join(sorted(r for r in known_routes if " /api/" in r))
        )
    kind = raw.get("kind", "status")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError("count must be a positive integer")
    status = raw.get("status")
    if kind == "status":
        status = 500 if status is None else status
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
    delay = raw.get("delay_seconds", 0.0)
    if not isinstance(delay, int | float) or delay < 0:
        raise ValueError("delay_seconds must be a number >= 0")
    retry_after = raw.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int | float) or retry_after < 0):
        raise ValueError("retry_after must be a number of seconds >= 0")
    return Fault(
        route=route,
        kind=kind,
        count=count,
        status=status,
        retry_after=retry_after,
        body=raw.get("body"),
        delay_seconds=float(delay),
        after_handler=bool(raw.get("after_handler", False)),
    )


class ConnectionTable:
    """Open client connections by peer address (the ASGI scope's `client`), recorded by the
    server's protocol through asyncio's public `connection_made`/`connection_lost`, so a drop
    fault can abort one without reaching into the HTTP server's internals."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, int], asyncio.BaseTransport] = {}

    @staticmethod
    def _key(peer: Any) -> tuple[str, int] | None:
        if isinstance(peer, list | tuple) and len(peer) >= 2:
            return str(peer[0]), int(peer[1])
        return None

    def opened(self, transport: asyncio.BaseTransport) -> None:
        key = self._key(transport.get_extra_info("peername"))
        if key is not None:
            with self._lock:
                self._open[key] = transport

    def closed(self, transport: asyncio.BaseTransport) -> None:
        key = self._key(transport.get_extra_info("peername"))
        with self._lock:
            if key is not None and self._open.get(key) is transport:
                del self._open[key]

    def abort(self, client: Any) -> bool:
        """Close the connection of this client at once (a TCP reset, no response)."""
        key = self._key(client)
        with self._lock:
            transport = self._open.pop(key, None) if key is not None else None
        if not isinstance(transport, asyncio.WriteTransport):
            return False
        transport.abort()
        return True


class FaultBook:
    """Pending faults (consumed in order) and per-route request counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.requests: Counter[str] = Counter()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, route: str) -> Fault | None:
        """Count a request to `route` and consume one matching fault, if any."""
        with self._lock:
            self.requests[route] += 1
            for fault in self._faults:
                if fault.route == route:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()
