"""The adaptive poll schedule and the sliding-window request budget (pure, clock passed in)."""

from __future__ import annotations

import random
from collections import deque
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
    budget_requests: int = C.POLL_BUDGET_REQUESTS
    budget_window: float = C.POLL_BUDGET_WINDOW


class RequestBudget:
    """At most ``limit`` requests in any ``window`` seconds; tells how long to wait for a slot."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._stamps: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds from ``now`` until one more request fits in the window."""
        self._trim(now)
        if len(self._stamps) < self.limit:
            return 0.0
        return max(self._stamps[-self.limit] + self.window - now, 0.0)

    def record(self, now: float) -> None:
        self._stamps.append(now)
        self._trim(now)


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
