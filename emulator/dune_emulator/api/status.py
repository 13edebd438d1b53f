"""The execution envelope `/status` and `/results` share: Dune's field order, RFC 3339 times,
queue position, credits and in-flight flags, built from the engine's state at one instant."""

from __future__ import annotations

from typing import Any

from ..clock import format_rfc3339
from ..engine import (
    CANCELLED,
    COMPLETED,
    COMPLETED_PARTIAL,
    CREDITS,
    EXECUTING,
    EXPIRED,
    FAILED,
    PENDING,
    TERMINAL,
    Execution,
    ExecutionEngine,
)

_BILLED = frozenset({COMPLETED, COMPLETED_PARTIAL, FAILED, EXPIRED})


def _time(ns: int, digits: int) -> str:
    return format_rfc3339(ns, digits)


def execution_envelope(
    engine: ExecutionEngine, ex: Execution, *, for_results: bool = False
) -> dict[str, Any]:
    """The wire fields of `ex` now; `for_results` leaves out what only `/status` reports
    (queue position, credits, in-flight flags)."""
    with engine.lock:
        state = engine.observe(ex)
        out: dict[str, Any] = {
            "execution_id": ex.execution_id,
            "query_id": ex.query_id,
            "is_execution_finished": state in TERMINAL,
            "state": state,
            "submitted_at": _time(ex.submitted_ns, 6),
        }
        started = ex.started_ns
        if state in TERMINAL:
            if ex.expires_ns is not None:
                out["expires_at"] = _time(ex.expires_ns, 6)
            # a run cancelled while pending never started
            if started is not None and (ex.ended_ns is not None or state != CANCELLED):
                out["execution_started_at"] = _time(started, 9)
            if ex.ended_ns is not None:
                out["execution_ended_at"] = _time(ex.ended_ns, 9)
        elif state == EXECUTING and started is not None:
            out["execution_started_at"] = _time(started, 9)
        if state == CANCELLED and ex.cancelled_ns is not None:
            out["cancelled_at"] = _time(ex.cancelled_ns, 6)
        if state == PENDING and not for_results:
            pos = engine.queue_position(ex)
            if pos is not None:
                out["queue_position"] = pos
        if state == FAILED and ex.error is not None:
            out["error"] = ex.error
        if not for_results:
            out["execution_cost_credits"] = (
                CREDITS.get(ex.performance, 10) if state in _BILLED else 0
            )
            cap, reached = engine.inflight()
            out["max_inflight_interactive_executions"] = cap
            out["max_inflight_interactive_reached"] = reached
        return out
