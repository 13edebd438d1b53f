"""The adaptive poll schedule and the evidence-based request rate limiter (pure, clock passed in)."""

from __future__ import annotations

import random
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import _constants as C
from .._states import ExecutionState


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
    """How requests are paced, per key and Dune bucket. Nothing is delayed without evidence:
    the server's ``RateLimit``/``RateLimit-Policy`` headers (a read that needs more requests
    than remain is spread over the window's reset), or a 429 (its Retry-After is waited out,
    then, where no headers say more, the bucket is paced at the rate that succeeded over the
    last ``window`` seconds, growing by the fraction ``increase`` per success and cut again by
    the next 429, within [floor, ceiling])."""

    floor: float = C.RATE_FLOOR
    ceiling: float = C.RATE_CEILING
    increase: float = C.RATE_INCREASE
    window: float = C.RATE_WINDOW


@dataclass
class _Policy:
    """What the server last said of one rate-limit policy (``RateLimit``/``RateLimit-Policy``)."""

    remaining: int
    reset_at: float
    quota: int | None = None
    window: float | None = None
    ticket: int = -1  # the reservation whose answer said it last
    next_at: float = float("-inf")  # the next spread slot when fewer remain than are needed
    opens_at: float = float("-inf")  # when the window ``remaining`` belongs to begins


@dataclass
class _Lane:
    policies: dict[str, _Policy] = field(default_factory=dict)
    sent: int = 0
    #: reserved and not answered yet: the server may or may not have counted them
    inflight: set[int] = field(default_factory=set)
    blocked_until: float = float("-inf")
    rate: float | None = None  # None: not paced (no 429 seen without headers to go by)
    next_at: float = float("-inf")
    successes: deque[float] = field(default_factory=deque)


@dataclass(frozen=True)
class Slot:
    """A reserved request: wait ``delay`` seconds, then send; ``ticket`` identifies its answer."""

    delay: float
    ticket: int


_ITEM = re.compile(r'\s*(?:"(?P<quoted>[^"]*)"|(?P<token>[^;,\s]+))(?P<params>(?:\s*;[^,]*)?)')


def parse_rate_headers(value: str) -> dict[str, dict[str, float]]:
    """``"name";r=5;t=30, "ip";r=9;t=1`` (RateLimit and RateLimit-Policy, structured-field
    lists) as {name: {param: number}}; malformed members are skipped."""
    out: dict[str, dict[str, float]] = {}
    for member in value.split(","):
        m = _ITEM.match(member)
        if m is None:
            continue
        name = m.group("quoted") if m.group("quoted") is not None else m.group("token")
        params: dict[str, float] = {}
        for part in (m.group("params") or "").split(";"):
            key, _, raw = part.strip().partition("=")
            try:
                number = float(raw)
            except ValueError:
                continue
            if key and number == number and number >= 0:  # not NaN, not negative
                params[key.strip().lower()] = number
        out[name] = params
    return out


def _same_window(policy: _Policy) -> float:
    """How close two answers' reset times are when they speak of the same window."""
    return min(1.0, (policy.window or C.RATE_WINDOW) / 2)


class RateLimiter:
    """Paces the requests of one client (one key) per bucket, only on the server's evidence;
    thread-safe, so concurrent page fetches share it. Pure: the clock is passed in."""

    def __init__(self, config: RateConfig | None = None) -> None:
        self.config = config or RateConfig()
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()

    def _lane(self, bucket: str) -> _Lane:
        lane = self._lanes.get(bucket)
        if lane is None:
            lane = self._lanes[bucket] = _Lane()
        return lane

    def rate(self, bucket: str) -> float | None:
        """The pace of ``bucket`` in requests per second, or None while it is not paced."""
        return self._lane(bucket).rate

    def reserve(self, bucket: str, now: float, needed: int = 1) -> Slot:
        """Take the next request of ``bucket`` (``needed``: how many this read still has to
        send, this one included); the slot's delay is 0 unless the server gave a reason."""
        with self._lock:
            lane = self._lane(bucket)
            start = max(now, lane.blocked_until)
            if lane.rate is not None:
                start = max(start, lane.next_at)
                lane.next_at = start + 1.0 / lane.rate
            for policy in lane.policies.values():
                start = self._take(policy, start, max(needed, 1))
            lane.sent += 1
            lane.inflight.add(lane.sent)
            return Slot(start - now, lane.sent)

    @staticmethod
    def _take(policy: _Policy, start: float, needed: int) -> float:
        """One request of ``policy`` sent at ``start`` or later: when it is spent, after its
        reset; when fewer remain than are needed, at the next of ``remaining`` even slots."""
        start = max(start, policy.opens_at)
        if start >= policy.reset_at and policy.quota is not None:
            policy.remaining = policy.quota  # the window has rolled over
            policy.opens_at, policy.reset_at = start, start + (policy.window or 0.0)
        if policy.remaining <= 0:  # spent: the next window opens at the reset
            start = max(start, policy.reset_at)
            policy.remaining = policy.quota if policy.quota is not None else 1
            policy.opens_at, policy.reset_at = start, start + (policy.window or 0.0)
        elif policy.remaining < needed:
            start = max(start, policy.next_at)
            policy.next_at = start + max(policy.reset_at - start, 0.0) / policy.remaining
        policy.remaining -= 1
        return start

    def settled(self, bucket: str, ticket: int) -> None:
        """The request of ``ticket`` has ended without an answer to learn from (a transport
        failure, a deadline): it no longer counts as in flight."""
        with self._lock:
            self._lane(bucket).inflight.discard(ticket)

    def held(self, bucket: str, now: float) -> float:
        """Seconds ``bucket`` is still held by a 429 (a reserved slot must wait that long)."""
        return max(self._lane(bucket).blocked_until - now, 0.0)

    def observe(
        self,
        bucket: str,
        ticket: int,
        headers: Mapping[str, str],
        now: float,
        *,
        status: int,
        retry_after: float | None,
    ) -> None:
        """Learn from one answer: its rate-limit headers (the requests still in flight are
        counted off what it says remain), and a 429's hold and slow-down."""
        with self._lock:
            lane = self._lane(bucket)
            limits = headers.get("ratelimit")
            if limits:
                quotas = parse_rate_headers(headers.get("ratelimit-policy") or "")
                self._learn(lane, ticket, now, parse_rate_headers(limits), quotas)
                lane.rate = None  # the server says what remains: no guessing needed
            if status == 429:
                self._throttled(lane, now, retry_after, guess=not limits)
            elif 200 <= status < 300:
                self._succeeded(lane, now)

    def _learn(
        self,
        lane: _Lane,
        ticket: int,
        now: float,
        limits: dict[str, dict[str, float]],
        quotas: dict[str, dict[str, float]],
    ) -> None:
        # every other request still in flight may not be counted yet: reserved later, or sent
        # earlier but reaching the server after this one
        lane.inflight.discard(ticket)
        after = len(lane.inflight)
        for name, values in limits.items():
            if "r" not in values:
                continue
            policy = lane.policies.get(name)
            quota = quotas.get(name, {})
            remaining = max(int(values["r"]) - after, 0)
            reset_at = now + values.get("t", 0.0)
            if policy is not None and abs(reset_at - policy.reset_at) < _same_window(policy):
                # the same window: concurrent requests may reach the server out of the order
                # they were sent, so an answer can say more remain than do; the lower word holds
                remaining = min(remaining, policy.remaining)
            elif policy is not None and policy.ticket > ticket and reset_at < policy.reset_at:
                continue  # an earlier window's word, after a newer answer spoke
            if policy is None:
                policy = lane.policies[name] = _Policy(remaining, reset_at)
            policy.remaining, policy.reset_at, policy.ticket = remaining, reset_at, ticket
            policy.opens_at = float("-inf")
            if "q" in quota:
                policy.quota = int(quota["q"])
            if "w" in quota:
                policy.window = quota["w"]

    def _throttled(
        self, lane: _Lane, now: float, retry_after: float | None, *, guess: bool
    ) -> None:
        """A 429: hold the bucket for its Retry-After (else a second). Without headers to go by
        (``guess``), then pace it at what succeeded over the last window, never compounding
        over 429s that arrive together (no success seen: no rate to go by, the hold only)."""
        hold = retry_after if retry_after is not None else 1.0
        lane.blocked_until = max(lane.blocked_until, now + hold)
        cfg = self.config
        while lane.successes and lane.successes[0] <= now - cfg.window:
            lane.successes.popleft()
        if guess and lane.successes:
            lane.rate = min(max(len(lane.successes) / cfg.window, cfg.floor), cfg.ceiling)
        lane.next_at = max(lane.next_at, lane.blocked_until)

    def _succeeded(self, lane: _Lane, now: float) -> None:
        lane.successes.append(now)
        cfg = self.config
        while len(lane.successes) > 1 and lane.successes[0] <= now - cfg.window:
            lane.successes.popleft()
        if lane.rate is not None:
            lane.rate = min(lane.rate * (1.0 + cfg.increase), cfg.ceiling)


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
