"""Execution states as plain strings, with tolerant parsing (both CANCELLED spellings, unknowns)."""

from __future__ import annotations

import enum


class ExecutionState(enum.StrEnum):
    """Known execution states; the API may send others, which are kept as plain strings."""

    PENDING = "QUERY_STATE_PENDING"
    EXECUTING = "QUERY_STATE_EXECUTING"
    COMPLETED = "QUERY_STATE_COMPLETED"
    COMPLETED_PARTIAL = "QUERY_STATE_COMPLETED_PARTIAL"
    FAILED = "QUERY_STATE_FAILED"
    CANCELLED = "QUERY_STATE_CANCELLED"
    EXPIRED = "QUERY_STATE_EXPIRED"


_ALIASES = {"QUERY_STATE_CANCELED": ExecutionState.CANCELLED}

TERMINAL_STATES = frozenset(
    {
        ExecutionState.COMPLETED,
        ExecutionState.COMPLETED_PARTIAL,
        ExecutionState.FAILED,
        ExecutionState.CANCELLED,
        ExecutionState.EXPIRED,
    }
)
RUNNING_STATES = frozenset({ExecutionState.PENDING, ExecutionState.EXECUTING})
SUCCESS_STATES = frozenset({ExecutionState.COMPLETED, ExecutionState.COMPLETED_PARTIAL})


def parse_state(raw: object) -> ExecutionState | str:
    """The known state for ``raw`` (either CANCELLED spelling), else the raw text unchanged."""
    text = str(raw) if raw is not None else ""
    if text in _ALIASES:
        return _ALIASES[text]
    try:
        return ExecutionState(text)
    except ValueError:
        return text


def is_known(state: ExecutionState | str) -> bool:
    """True when ``state`` is one of the seven documented states."""
    return isinstance(state, ExecutionState)
