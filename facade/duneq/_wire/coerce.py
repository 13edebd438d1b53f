"""The one set of rules for reading scalar values off a parsed response body.

The generated models declare each field's type, but at run time they keep whatever JSON held, so
every value the facade reads from a model passes through one of these functions. A value of the
wrong kind (or the generated ``UNSET``) reads as None, never as an exception and never as a
guess: these bodies come from the server, and a missing count is better than a wrong one.

The integer rule (the only one): a JSON integer (``True``/``False`` are not integers), a float
with no fractional part (``3.0``), or text of decimal digits with an optional sign (``"1152622"``:
Dune sends some sizes as strings). Everything else is None.

User arguments are not coerced here: ``_options`` validates them strictly (``limit="10"`` is an
error, not 10), because a typo in a call should fail loudly while a body should be read kindly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def integer(value: object) -> int | None:
    """``value`` as an int by the integer rule above, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        digits = value.strip()
        if digits[:1] in ("-", "+"):
            digits = digits[1:]
        return int(value) if digits.isdigit() and digits.isascii() else None
    return None


def number(value: object) -> float | None:
    """A JSON number (int or float, not a bool) as a float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def text(value: object) -> str | None:
    """A string as is (empty included), else None."""
    return value if isinstance(value, str) else None


def name(value: object) -> str | None:
    """A non-empty string, else None (for ids and names, where "" means absent)."""
    return value if isinstance(value, str) and value else None


def flag(value: object) -> bool | None:
    """A JSON boolean, else None (``1`` and ``"true"`` are not booleans)."""
    return value if isinstance(value, bool) else None


def texts(value: object) -> list[str]:
    """A list as a list of strings (each item through ``str``); anything else is empty."""
    return [str(item) for item in value] if isinstance(value, list) else []


def mapping(value: object) -> dict[str, Any]:
    """A JSON object as a new dict; anything else is empty."""
    return dict(value) if isinstance(value, Mapping) else {}
