"""Typed saved-query parameter definitions (``duneq.params.number("n", 10)``), as
``queries.create(parameters=[...])`` and ``queries.update(parameters=[...])`` take them.

Each helper returns the API's plain parameter object, so plain dicts work as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ._errors import InvalidArgument


def _key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidArgument(f"a parameter key must be a non-empty string, got {key!r}")
    return key.strip()


def _base(key: str, kind: str, description: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"key": _key(key), "type": kind}
    if description is not None:
        out["description"] = description
    return out


def text(key: str, value: str = "", *, description: str | None = None) -> dict[str, Any]:
    """A text parameter with its default value."""
    return {**_base(key, "text", description), "value": str(value)}


def number(key: str, value: float = 0, *, description: str | None = None) -> dict[str, Any]:
    """A number parameter with its default value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"number parameter {key!r} needs a number, got {value!r}")
    return {**_base(key, "number", description), "value": str(value)}


def date(key: str, value: dt.date | str, *, description: str | None = None) -> dict[str, Any]:
    """A date parameter; a date or datetime is sent as ``YYYY-MM-DD HH:MM:SS``."""
    if isinstance(value, dt.datetime):
        text_value = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        text_value = f"{value.isoformat()} 00:00:00"
    elif isinstance(value, str) and value.strip():
        text_value = value.strip()
    else:
        raise InvalidArgument(f"date parameter {key!r} needs a date, got {value!r}")
    return {**_base(key, "datetime", description), "value": text_value}


def enum(
    key: str, value: str, options: Sequence[str], *, description: str | None = None
) -> dict[str, Any]:
    """A list parameter: one of ``options``."""
    choices = [str(o) for o in options]
    if str(value) not in choices:
        raise InvalidArgument(f"enum parameter {key!r}: {value!r} is not one of {choices}")
    return {**_base(key, "enum", description), "value": str(value), "enumOptions": choices}


def multi_select(
    key: str, values: Sequence[str], options: Sequence[str], *, description: str | None = None
) -> dict[str, Any]:
    """A list parameter allowing several of ``options`` at once."""
    choices = [str(o) for o in options]
    picked = [str(v) for v in values]
    wrong = [v for v in picked if v not in choices]
    if wrong:
        raise InvalidArgument(f"multi-select parameter {key!r}: {wrong} not in {choices}")
    return {
        **_base(key, "enum", description),
        "value": ",".join(picked),
        "values": picked,
        "enumOptions": choices,
        "isMultiselect": True,
    }


__all__ = ["date", "enum", "multi_select", "number", "text"]
