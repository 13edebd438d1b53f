"""Shared sentinels and type aliases; ``NOT_GIVEN`` keeps "not passed" apart from ``None``."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final, Literal

#: One result row: column name to its JSON value.
Row = dict[str, Any]
PartialPolicy = Literal["error", "warn", "allow"]
Performance = Literal["medium", "large"]
#: A query parameter value: scalars as text, a sequence for a multi-select parameter.
Scalar = str | int | float | bool | Decimal | dt.date | dt.datetime
ParamValue = Scalar | Sequence[Scalar]


class NotGiven(enum.Enum):
    """Marker for an argument the caller did not pass (``None`` may mean "disable")."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
