"""The emulator clock: wall time plus an offset that tests can advance without sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class EmulatorClock:
    """Nanosecond clock; `advance` moves it forward for expiry and duration tests."""

    def __init__(self) -> None:
        self._offset_ns = 0
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        return time.time_ns() + self._offset_ns

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset_ns += int(seconds * 1e9)

    def reset(self) -> None:
        with self._lock:
            self._offset_ns = 0

    @property
    def offset_seconds(self) -> float:
        return self._offset_ns / 1e9


def format_rfc3339(ns: int, digits: int = 9) -> str:
    """Format like Go's time.Time JSON: UTC, `Z`, fraction trimmed of trailing zeros."""
    if digits == 6:
        ns = (ns + 500) // 1000 * 1000
    seconds, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    text = f"{frac:09d}"[:digits].rstrip("0")
    return f"{base}.{text}Z" if text else f"{base}Z"


def round_to_micros(ns: int) -> int:
    return (ns + 500) // 1000 * 1000
