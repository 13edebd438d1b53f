"""Shared sentinels and type aliases; ``NOT_GIVEN`` keeps "not passed" apart from ``None``."""

from __future__ import annotations

import enum
from typing import Any, Final, Literal

Row = dict[str, Any]
PartialPolicy = Literal["error", "warn", "allow"]
Performance = Literal["medium", "large"]


class NotGiven(enum.Enum):
    """Marker for an argument the caller did not pass (``None`` may mean "disable")."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
