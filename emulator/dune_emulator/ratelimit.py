"""Per-key rate limits on Dune's two buckets (``write`` = low-limit: writes and executes;
``read`` = high-limit: reads and cancel), in fixed one-minute windows on the emulator clock,
reported on every authenticated response as Dune documents: ``RateLimit-Policy`` and
``RateLimit`` (IETF draft structured fields), with ``Retry-After`` on a 429."""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

WINDOW_SECONDS = 60
WINDOW_NS = WINDOW_SECONDS * 1_000_000_000

#: Requests per minute per plan: (low/write bucket, high/read bucket), as Dune's rate-limit page
#: lists them. ``unlimited`` (the default) enforces nothing but still sends the headers.
PLANS: dict[str, tuple[int | None, int | None]] = {
    "free": (15, 40),
    "plus": (70, 200),
    "premium": (350, 1000),
    "unlimited": (None, None),
}
#: The quota advertised for an unlimited bucket (never reached in practice).
UNLIMITED_QUOTA = 1_000_000
POLICY_NAMES = {"low": "write", "high": "read"}


def bucket_for(method: str, template: str) -> str:
    """Dune's bucket of a route: writes and executions "low", reads and cancel "high"."""
    if method in ("POST", "PATCH", "PUT", "DELETE") and not template.endswith("/cancel"):
        return "low"
    return "high"


@dataclass(frozen=True)
class Decision:
    """One request's outcome: allowed or not, and the headers that say why."""

    allowed: bool
    headers: dict[str, str]
    retry_after: int | None = None


class RateLimiter:
    """Fixed one-minute windows per (key, bucket), measured on the emulator clock: a window
    opens at its first request; its quota is spent by requests, 429s included not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # -> (start_ns, used)
        #: 429s answered, by route ("METHOD /api/v1/template"), for the control API's counters.
        self.throttled: Counter[str] = Counter()

    def check(self, key: str, bucket: str, limit: int | None, now_ns: int) -> Decision:
        """Count a request against ``limit`` per minute (None: unlimited, still reported)."""
        quota = UNLIMITED_QUOTA if limit is None else limit
        name = POLICY_NAMES[bucket]
        with self._lock:
            start, used = self._windows.get((key, bucket), (now_ns, 0))
            if now_ns >= start + WINDOW_NS:
                start, used = now_ns, 0
            allowed = used < quota
            if allowed:
                used += 1
            self._windows[(key, bucket)] = (start, used)
        reset = max(math.ceil((start + WINDOW_NS - now_ns) / 1e9), 1)
        headers = {
            "RateLimit-Policy": f'"{name}";q={quota};w={WINDOW_SECONDS}',
            "RateLimit": f'"{name}";r={quota - used};t={reset}',
        }
        if allowed:
            return Decision(True, headers)
        headers["Retry-After"] = str(reset)
        return Decision(False, headers, reset)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
            self.throttled.clear()


def plan_limits(plan: str, low: int | None, high: int | None) -> tuple[int | None, int | None]:
    """The (low, high) requests per minute in force: explicit settings override the plan's."""
    plan_low, plan_high = PLANS[plan]
    return (low if low is not None else plan_low, high if high is not None else plan_high)
