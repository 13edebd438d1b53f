"""The adaptive poll schedule and the adaptive (AIMD) request rate limiter (pure, clock passed in)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from . import _constants as C
from ._states import ExecutionState


@dataclass(frozen=True)
class PollConfig:
    """Schedule knobs: interval = clamp(first, growth * elapsed, cap), +/- jitter."""

    first: float = C.POLL_FIRST_INTERVAL
    growth: float = C.POLL_GROWTH
    cap: float = C.POLL_CAP
    jitter: float = C.POLL_JITTER
    pending_queue_step: float = C.POLL_PENDING_QUEUE_STEP
    pending_cap: float = C.POLL_PENDING_CAP


@dataclass(frozen=True)
class RateConfig:
    """The adaptive request rate, per key and bucket, in requests per second: it starts at
    ``initial``, grows by ``increase`` per second of full use without a 429 (additive), is
    multiplied by ``decrease`` on a 429 (multiplicative) and stays within [floor, ceiling];
    up to ``burst`` requests may go at once after a quiet spell."""

    initial: float = C.RATE_INITIAL
    ceiling: float = C.RATE_CEILING
    floor: float = C.RATE_FLOOR
    increase: float = C.RATE_INCREASE
    decrease: float = C.RATE_DECREASE
    burst: int = C.RATE_BURST


@dataclass
class _Lane:
    rate: float
    next_at: float = float("-inf")
    blocked_until: float = float("-inf")


def bucket_of(method: str, path: str) -> str:
    """Dune's rate-limit bucket of a request: writes and executions "low", reads "high"."""
    if method != "GET" and not path.endswith("/cancel"):
        return "low"
    return "high"


class RateLimiter:
    """An AIMD limiter shared by every flow of one client (one key): each request reserves the
    next slot of its bucket; a 429 halves the rate and holds the bucket for its Retry-After."""

    def __init__(self, config: RateConfig | None = None) -> None:
        self.config = config or RateConfig()
        self._lanes: dict[str, _Lane] = {}

    def _lane(self, bucket: str) -> _Lane:
        lane = self._lanes.get(bucket)
        if lane is None:
            start = min(max(self.config.initial, self.config.floor), self.config.ceiling)
            lane = self._lanes[bucket] = _Lane(start)
        return lane

    def rate(self, bucket: str) -> float:
        """The current rate of ``bucket`` in requests per second."""
        return self._lane(bucket).rate

    def reserve(self, bucket: str, now: float) -> float:
        """Take the next slot of ``bucket`` (a burst of ``burst`` after a quiet spell, then one
        per 1/rate, GCRA); returns the seconds to wait before sending."""
        lane = self._lane(bucket)
        tolerance = (max(self.config.burst, 1) - 1) / lane.rate
        start = max(now, lane.next_at - tolerance, lane.blocked_until)
        lane.next_at = max(lane.next_at, start) + 1.0 / lane.rate
        return start - now

    def held(self, bucket: str, now: float) -> float:
        """Seconds ``bucket`` is still held by a 429 (a reserved slot must wait that long)."""
        return max(self._lane(bucket).blocked_until - now, 0.0)

    def success(self, bucket: str) -> None:
        """A request was not throttled: grow the rate additively (``increase`` per second of
        full use), up to the ceiling."""
        lane = self._lane(bucket)
        lane.rate = min(lane.rate + self.config.increase / lane.rate, self.config.ceiling)

    def throttled(self, bucket: str, now: float, retry_after: float | None) -> None:
        """A 429: cut the rate and hold the bucket until the Retry-After has passed."""
        lane = self._lane(bucket)
        lane.rate = max(lane.rate * self.config.decrease, self.config.floor)
        hold = retry_after if retry_after is not None else 1.0 / lane.rate
        lane.blocked_until = max(lane.blocked_until, now + hold)
        tolerance = (max(self.config.burst, 1) - 1) / lane.rate
        lane.next_at = max(lane.next_at, lane.blocked_until + tolerance)  # no burst after a 429


def poll_interval(
    elapsed: float,
    state: ExecutionState | str | None,
    queue_position: int | None,
    config: PollConfig,
    rand: Callable[[], float] = random.random,
) -> float:
    """Delay before the next status poll, from the time waited so far and the server's hints."""
    base = min(max(config.first, config.growth * elapsed), config.cap)
    if state == ExecutionState.PENDING and queue_position is not None and queue_position > 0:
        queued = config.first + config.pending_queue_step * queue_position
        base = max(base, min(queued, config.pending_cap))
    spread = config.jitter * (2.0 * rand() - 1.0)
    return max(base * (1.0 + spread), 0.05)
