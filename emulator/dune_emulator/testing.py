"""Small helpers for tests written against the emulator: polling over HTTP, and a sleep and
clock that run a client on the emulator's clock instead of real time."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .server import EmulatorHandle

TERMINAL_STATES = frozenset(
    {
        "QUERY_STATE_COMPLETED",
        "QUERY_STATE_COMPLETED_PARTIAL",
        "QUERY_STATE_FAILED",
        "QUERY_STATE_CANCELLED",
        "QUERY_STATE_EXPIRED",
    }
)


def wait_terminal(client: httpx.Client, execution_id: str, limit_s: float = 60) -> dict[str, Any]:
    """Poll `/execution/{id}/status` (client based at `{base}/api/v1`) until finished or
    `limit_s` passes; returns the last status body."""
    deadline = time.monotonic() + limit_s
    while True:
        status: dict[str, Any] = client.get(f"/execution/{execution_id}/status").json()
        if status["state"] in TERMINAL_STATES or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


class EmulatorTime:
    """A ``sleep`` and a monotonic ``clock`` on an in-process emulator's clock. A client given
    them (``duneq.Client(..., **EmulatorTime(emu).client_kwargs())``) waits without waiting:
    each sleep lets the emulator's running SQL finish, then jumps its clock ahead, so pinned
    executions, poll schedules, backoff and deadlines cost no real time."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        self._state = emulator.state
        self._lock = threading.Lock()
        self._last = 0.0
        self.slept = 0.0  # seconds of emulator time all sleeps have skipped

    def clock(self) -> float:
        """Seconds on a monotonic clock that moves with the emulator's (never backwards, even
        when a reset takes the emulator's offset back to zero)."""
        with self._lock:
            return self._now()

    def _now(self) -> float:
        self._last = max(self._last, time.monotonic() + self._state.clock.offset_seconds)
        return self._last

    def sleep(self, seconds: float) -> None:
        """Let running SQL finish (real time), then move the emulator's clock on to `seconds`
        after the call. Sleepers overlap: one that another's jump already carried past its end
        returns without moving the clock again."""
        if seconds > 0:
            self._sleep_until(self.clock() + seconds)

    async def async_sleep(self, seconds: float) -> None:
        """`sleep` for asyncio clients: the other tasks get to start their sleeps before the
        jump, so sleeps that run at once overlap as they would in real time."""
        until = self.clock() + max(seconds, 0.0)
        await asyncio.sleep(0)
        if seconds > 0:
            self._sleep_until(until)
            await asyncio.sleep(0)

    def _sleep_until(self, until: float) -> None:
        if not self._state.engine.settle():
            raise RuntimeError("emulator SQL still running after 30 s; cannot jump its clock")
        with self._lock:
            jump = until - self._now()
            if jump > 0:
                self._state.clock.advance(jump)
                self._last += jump
                self.slept += jump
        self._state.engine.catch_up()

    def client_kwargs(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """``sleep`` and ``clock`` for a duneq ``Client`` (or ``AsyncClient``)."""
        return {"sleep": self.async_sleep if asynchronous else self.sleep, "clock": self.clock}
