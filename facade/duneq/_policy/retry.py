"""Retry decisions and delays: what may be retried, Retry-After parsing and jittered backoff."""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .. import _constants as C

# "idempotent": repeating it changes nothing (GET, PATCH, DELETE, archive); "billed": it starts
# a run that costs credits (execute, pipeline execute, matview upsert or refresh); "unsafe": any
# other call that must not happen twice (create a query).
RequestKind = Literal["idempotent", "billed", "unsafe"]
# "resolve": the host name did not resolve; "refused": nothing listens at host:port; "connect":
# any other failure to connect. For all three nothing reached the server.
FailureKind = Literal["resolve", "refused", "connect", "timeout", "read", "protocol"]
NOT_SENT: frozenset[str] = frozenset({"resolve", "refused", "connect"})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to back off (the random source is the client's ``rand``)."""

    max_retries: int = C.DEFAULT_MAX_RETRIES
    base: float = C.RETRY_BACKOFF_BASE
    cap: float = C.RETRY_BACKOFF_CAP
    jitter: float = C.RETRY_JITTER
    max_retry_after: float = C.MAX_RETRY_AFTER


def parse_retry_after(
    headers: Mapping[str, str], *, now: Callable[[], datetime] | None = None
) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP-date); None if absent/bad."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now() if now is not None else datetime.now(UTC)
        seconds = (when - current).total_seconds()
        return max(seconds, 0.0)
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


def is_retryable_status(status: int, kind: RequestKind) -> bool:
    """Idempotent calls retry 429 and 5xx; billed and unsafe ones only 429 (nothing ran)."""
    if kind != "idempotent":
        return status == 429
    return status in C.RETRY_STATUSES


def is_retryable_failure(failure: FailureKind, kind: RequestKind) -> bool:
    """A name that did not resolve is never retried (a typo stays a typo); idempotent calls
    retry every other transport failure, the others only one where nothing was sent."""
    if failure == "resolve":
        return False
    if kind != "idempotent":
        return failure in NOT_SENT
    return True


def retry_limit(failure: FailureKind | None, policy: RetryPolicy) -> int:
    """How many retries this outcome gets: a refused connection at most
    ``REFUSED_MAX_RETRIES`` (about 1.5 s of backoff: a server that is down says so fast)."""
    if failure == "refused":
        return min(policy.max_retries, C.REFUSED_MAX_RETRIES)
    return policy.max_retries


def backoff_delay(
    attempt: int,
    retry_after: float | None,
    policy: RetryPolicy,
    rand: Callable[[], float] = random.random,
) -> float:
    """Delay before retry number ``attempt`` (0-based): Retry-After (capped) or jittered backoff."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), policy.max_retry_after)
    delay = min(policy.base * (2.0**attempt), policy.cap)
    return delay * (1.0 - policy.jitter * rand())
