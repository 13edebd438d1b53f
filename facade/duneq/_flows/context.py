"""What every flow runs with: the client's retry policy, poll schedule, clock, randomness,
adaptive rate limiter and spend ledger (all injectable, so flows are tested without a server
or real time)."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

from .._polling import PollConfig, RateLimiter
from .._protocol import Action, FetchProgress, Reply, Retrying
from .._retry import RetryPolicy
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
    on_retry: Callable[[Retrying], None] | None = None
    ledger: Ledger = field(default_factory=Ledger)
    #: Offline: every request is refused (results come from the local cache only).
    offline: bool = False
    #: Told after each page a result read delivers (None: reads stay silent).
    on_fetch: Callable[[FetchProgress], object] | None = None
    #: Routes whose Deprecation header this client has already warned about (once each).
    deprecations: set[str] = field(default_factory=set)
