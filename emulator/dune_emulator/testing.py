"""Small helpers for tests written against the emulator over HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx

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
