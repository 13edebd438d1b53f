"""Scripted faults, seeded fault rates per route and request counters for reliability tests."""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# "reset": headers and half the body, then the connection is aborted; "trickle": the body in
# small pieces spread over delay_seconds.
FAULT_KINDS = ("status", "drop", "delay", "truncate", "reset", "trickle")


@dataclass
class Fault:
    """`count` upcoming requests to `route` ("METHOD /api/v1/template") misbehave as `kind`,
    after `skip` of them have been let through. `after_handler` runs the handler first (its
    work is done) for a status fault, or before the pause for a delay (a slow reply)."""

    route: str
    kind: str = "status"
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    body: Any = None
    delay_seconds: float = 0.0
    after_handler: bool = False
    skip: int = 0

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
    skip = raw.get("skip", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise ValueError("skip must be an integer >= 0")
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
        skip=skip,
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


@dataclass
class FaultRate:
    """Each request to a route matching ``pattern`` (fnmatch, e.g. "GET /api/v1/*") misbehaves
    with probability ``rate``, as one of ``mix`` picked at random; ``seed`` makes it repeatable."""

    pattern: str
    rate: float
    mix: list[dict[str, Any]]
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    injected: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "rate": self.rate,
            "mix": self.mix,
            "seed": self.seed,
            "injected": self.injected,
        }


def parse_fault_rate(raw: Any, known_routes: set[str]) -> FaultRate:
    """Validate a fault-rate rule from the control API; raises ValueError with a clear message."""
    if not isinstance(raw, dict):
        raise ValueError("fault rate must be a JSON object")
    pattern = raw.get("route", "* /api/*")
    if not isinstance(pattern, str) or not any(
        fnmatch.fnmatchcase(r, pattern) for r in known_routes
    ):
        raise ValueError(f"route pattern {pattern!r} matches no API route")
    rate = raw.get("rate")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError("rate must be a number between 0 and 1")
    mix = raw.get("mix", [{"kind": "status", "status": 500}])
    if not isinstance(mix, list) or not mix:
        raise ValueError("mix must be a non-empty list of fault specs (kind, status, ...)")
    route = next(r for r in sorted(known_routes) if fnmatch.fnmatchcase(r, pattern))
    for spec in mix:
        if not isinstance(spec, dict) or "route" in spec or "count" in spec:
            raise ValueError("each mix entry is a fault spec without route or count")
        parse_fault({**spec, "route": route}, known_routes)
    seed = raw.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError("seed must be an integer or null")
    return FaultRate(pattern, float(rate), mix, seed, random.Random(seed))


class FaultBook:
    """Pending faults (consumed in order), fault rates per route and per-route request
    counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._rates: list[FaultRate] = []
        self.requests: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def add_rate(self, rule: FaultRate) -> None:
        with self._lock:
            self._rates.append(rule)

    def clear_rates(self) -> None:
        """Stop every fault rate (counted faults, counters and executions stay)."""
        with self._lock:
            self._rates.clear()

    def rates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rates]

    def _from_rates(self, route: str) -> Fault | None:
        for rule in self._rates:
            if fnmatch.fnmatchcase(route, rule.pattern) and rule.rng.random() < rule.rate:
                spec = rule.mix[rule.rng.randrange(len(rule.mix))]
                rule.injected += 1
                fault = Fault(route=route)
                for key, value in spec.items():
                    setattr(fault, key, value)
                if fault.kind == "status" and fault.status is None:
                    fault.status = 500
                return fault
        return None

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, route: str) -> Fault | None:
        """Count a request to `route` and consume one matching fault, if any."""
        with self._lock:
            self.requests[route] += 1
            for fault in self._faults:
                if fault.route == route and fault.skip > 0:
                    fault.skip -= 1  # this one passes untouched; later ones misbehave
                    return None
                if fault.route == route:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.injected[fault.kind] += 1
                    return fault
            chosen = self._from_rates(route)
            if chosen is not None:
                self.injected[chosen.kind] += 1
            return chosen

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rates.clear()
            self.requests.clear()
            self.injected.clear()
