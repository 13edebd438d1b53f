"""What every flow runs with: the client's retry policy, poll schedule, clock, randomness and
adaptive rate limiter (all injectable, so flows are tested without a server or real time)."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

from .._polling import PollConfig, RateLimiter
from .._protocol import Action, Reply
from .._retry import RetryPolicy

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
