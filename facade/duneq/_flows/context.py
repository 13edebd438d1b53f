"""What every flow runs with: the client's retry policy, poll schedule, clock, randomness,
adaptive rate limiter and spend ledger (all injectable, so flows are tested without a server
or real time)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

from .._policy.polling import PollConfig, RateLimiter
from .._policy.retry import RetryPolicy
from .._protocol import Action, FetchProgress, Reply, Retrying
from .budget import Ledger

T = TypeVar("T")
Flow = Generator[Action, Reply, T]


@dataclass
class FlowContext:
    """Per-client settings and state shared by every flow."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollConfig = field(default_factory=PollConfig)
    clock: Callable[[], float] = field(default=lambda: 0.0)
    rand: Callable[[], float] = random.random
    limiter: RateLimiter = field(default_factory=RateLimiter)
    #: Told of every retry before its pause (None: retries stay silent, as for library users).
    on_retry: Callable[[Retrying], object] | None = None
    ledger: Ledger = field(default_factory=Ledger)
    #: Offline: every request is refused (results come from the local cache only).
    offline: bool = False
    #: Told after each page a result read delivers (None: reads stay silent).
    on_fetch: Callable[[FetchProgress], object] | None = None
    #: Routes whose Deprecation header this client has already warned about (once each).
    deprecations: set[str] = field(default_factory=set)
    #: A deadline every request of flows run with this context keeps (a result read's), on
    #: top of any deadline a flow passes itself; None: none.
    deadline: float | None = None

    def bounded(self, deadline: float | None) -> FlowContext:
        """This context (its limiter, ledger and policies shared) with every request kept
        within ``deadline``."""
        return self if deadline is None else dataclasses.replace(self, deadline=deadline)


@dataclass(frozen=True)
class ReadWindow:
    """How long a result's reads may take: a read begun before the deadline of the call that
    returned the result (``until``: its ``timeout`` counted from the call's start) must end by
    it; a read begun later gets ``timeout`` seconds from its own start. None: unbounded."""

    timeout: float | None
    until: float | None = None

    @classmethod
    def starting(cls, now: float, timeout: float | None) -> ReadWindow:
        return cls(timeout, None if timeout is None else now + timeout)

    def deadline(self, now: float) -> float | None:
        """The deadline of a read begun at ``now``."""
        if self.timeout is None:
            return None
        if self.until is not None and now < self.until:
            return self.until
        return now + self.timeout
