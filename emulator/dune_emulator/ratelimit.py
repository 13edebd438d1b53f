"""Optional per-key rate limits on Dune's two buckets (low = writes/executes, high = reads)."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

WINDOW_NS = 60 * 1_000_000_000


def bucket_for(method: str, template: str) -> str:
    """Dune's bucket of a route: writes and executions are "low", reads and cancel "high"."""
    if method in ("POST", "PATCH", "PUT", "DELETE") and not template.endswith("/cancel"):
        return "low"
    return "high"


class RateLimiter:
    """Sliding one-minute windows per (key, bucket), measured on the emulator clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[int]] = defaultdict(deque)

    def check(self, key: str, bucket: str, limit: int | None, now_ns: int) -> float | None:
        """Record a request; returns None if allowed, else seconds to wait (Retry-After)."""
        if limit is None:
            return None
        with self._lock:
            hits = self._hits[(key, bucket)]
            while hits and hits[0] <= now_ns - WINDOW_NS:
                hits.popleft()
            if len(hits) >= limit:
                wait_ns = hits[0] + WINDOW_NS - now_ns
                return max(1.0, math.ceil(wait_ns / 1e9))
            hits.append(now_ns)
            return None

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
