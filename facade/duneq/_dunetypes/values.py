"""Exact per-value converters from Dune wire values to Python values, built from a type tree.

Used for typed rows (datetime, Decimal, bytes, int) and as the exact slow path of the Arrow
builders (nested types, odd values, and precise error messages). A value that does not fit its
declared type raises ``BadValue``; nothing is rounded or nulled silently.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Literal

import msgspec

from .tree import INT_RANGES, DuneType, TypeOptions, timestamp_unit

Convert = Callable[[Any], Any]
Target = Literal["arrow", "python"]

_INT_RANGES = INT_RANGES
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPECIAL_FLOATS = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "infinity": math.inf,
    "+infinity": math.inf,
    "inf": math.inf,
    "+inf": math.inf,
    "-infinity": -math.inf,
    "-inf": -math.inf,
}
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?)?"
    r"\s*(UTC|Z|[+-]\d{2}(?::?\d{2})?)?"
)
_HEX = re.compile(r"0[xX]((?:[0-9a-fA-F]{2})*)")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_WIDE = Context(prec=200)  # quantize must not round: wider than any Dune decimal


class BadValue(ValueError):
    """A wire value does not fit its declared type; the message says why."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_int(value: Any, kind: str) -> int:
    """An exact int from a JSON integer, an integral float below 2**53, or decimal digits."""
    if (
        _is_int(value)
        or (isinstance(value, float) and value.is_integer() and abs(value) < 2**53)
        or (isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()))
    ):
        number = int(value)
    else:
        raise BadValue(f"not an integer for {kind}")
    low, high = _INT_RANGES[kind]
    if not low <= number <= high:
        raise BadValue(f"out of range for {kind}")
    return number


def parse_float(value: Any) -> float:
    """A float from a JSON number or its text, including the strings NaN and (-)Infinity."""
    if isinstance(value, float):
        return value
    if _is_int(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        special = _SPECIAL_FLOATS.get(text.lower())
        if special is not None:
            return special
        if _FLOAT_TEXT.fullmatch(text):
            return float(text)
    raise BadValue("not a number")


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadValue("not a boolean")


def parse_decimal(value: Any, precision: int, scale: int) -> Decimal:
    """An exact Decimal with exactly ``scale`` fraction digits; a float goes through its repr."""
    if isinstance(value, bool):
        raise BadValue("not a decimal")
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        raise BadValue("not a decimal")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadValue("not a decimal") from None
    if not number.is_finite():
        raise BadValue("not a finite decimal")
    quantum = Decimal(1).scaleb(-scale)
    try:
        scaled = number.quantize(quantum, context=_WIDE)
    except InvalidOperation:
        raise BadValue(f"does not fit decimal({precision},{scale})") from None
    if scaled != number:
        raise BadValue(f"has more than {scale} fraction digits for decimal({precision},{scale})")
    digits = len(scaled.as_tuple().digits)
    if digits > precision and scaled != 0:
        raise BadValue(f"has more than {precision} digits for decimal({precision},{scale})")
    return scaled


def _offset(text: str | None) -> dt.timedelta:
    if text is None or text in ("UTC", "Z"):
        return dt.timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def parse_timestamp_ticks(value: Any, unit: str) -> int:
    """Ticks of ``unit`` since the epoch (UTC) from either wire form; extra precision raises."""
    if not isinstance(value, str):
        raise BadValue("not a timestamp string")
    m = _TIMESTAMP.fullmatch(value.strip())
    if m is None:
        raise BadValue("not a timestamp")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        base = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            tzinfo=dt.UTC,
        )  # fmt: skip
    except ValueError as exc:
        raise BadValue(f"not a valid timestamp ({exc})") from None
    base -= _offset(zone)
    width = _UNIT_DIGITS[unit]
    fraction = fraction or ""
    if fraction[width:].strip("0"):
        raise BadValue(f"has more precision than the column's unit ({unit})")
    delta = base - _EPOCH
    seconds = delta.days * 86400 + delta.seconds
    scale: int = 10**width
    return seconds * scale + int((fraction[:width] or "0").ljust(width, "0"))


def parse_date(value: Any) -> dt.date:
    """A date from ``YYYY-MM-DD``, optionally followed by a midnight time (``T00:00:00Z``)."""
    if not isinstance(value, str):
        raise BadValue("not a date string")
    m = _TIMESTAMP.fullmatch(value.strip())
    if m is None:
        raise BadValue("not a date")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    if any(int(part) for part in (hour or 0, minute or 0, second or 0, fraction or 0)) or (
        zone not in (None, "UTC", "Z") and _offset(zone)
    ):
        raise BadValue("has a time of day, not a date")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise BadValue(f"not a valid date ({exc})") from None


def parse_hex(value: Any) -> str:
    """The ``0x...`` text of a varbinary, checked to be hex of whole bytes."""
    if isinstance(value, str) and _HEX.fullmatch(value):
        return value
    raise BadValue("not 0x-prefixed hex")


def json_text(value: Any) -> str:
    """A json column's text: strings as sent, other JSON values serialized compactly."""
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def converter(dtype: DuneType, options: TypeOptions, target: Target) -> Convert:
    """A function from one wire value (never None-checked by callers) to its exact value.

    ``target="arrow"`` gives values ``pyarrow.array`` accepts for the Arrow type of ``dtype``;
    ``target="python"`` gives typed row values (int, Decimal, datetime, date, bytes, dict).
    """
    inner = _build(dtype, options, target)

    def convert(value: Any) -> Any:
        return None if value is None else inner(value)

    return convert


def _small_int(kind: str) -> Convert:
    low, high = _INT_RANGES[kind]

    def convert(value: Any) -> int:
        if type(value) is int and low <= value <= high:
            return value
        return parse_int(value, kind)

    return convert


def _exact_big_int(kind: str) -> Convert:
    """uint256/int256 from decimal text (the wire form) with a fast path for plain digits."""
    low, high = _INT_RANGES[kind]

    def convert(value: Any) -> int:
        if type(value) is str and value.isascii():
            body = value[1:] if value[:1] == "-" else value
            if body.isdigit():
                number = int(value)
                if low <= number <= high:
                    return number
        return parse_int(value, kind)

    return convert


def _decimal(precision: int, scale: int) -> Convert:
    """Decimal text with exactly ``scale`` fraction digits goes straight to ``Decimal``."""

    def convert(value: Any) -> Decimal:
        if type(value) is str and value.isascii() and "e" not in value and "E" not in value:
            dot = value.find(".")
            fraction = len(value) - dot - 1 if dot >= 0 else 0
            digits = len(value) - (dot >= 0) - (value[:1] in ("-", "+"))
            if fraction == scale and digits <= precision:
                try:
                    return Decimal(value)
                except InvalidOperation:
                    pass
        return parse_decimal(value, precision, scale)

    return convert


def _big_int(kind: str, options: TypeOptions, target: Target) -> Convert:
    if target == "python":
        return _exact_big_int(kind)
    mode = options.big_ints
    if mode == "string":
        return lambda v: str(parse_int(v, kind))
    if mode == "float":
        return lambda v: float(parse_int(v, kind))
    limit = 38 if mode == "decimal" else 76

    def as_decimal(value: Any) -> Decimal:
        number = parse_int(value, kind)
        if len(str(abs(number))) > limit:
            raise BadValue(f"has more than {limit} digits (big_ints={mode!r})")
        return Decimal(number)

    return as_decimal


def _build(dtype: DuneType, options: TypeOptions, target: Target) -> Convert:
    kind = dtype.kind
    if kind in ("bigint", "integer", "smallint", "tinyint"):
        return _small_int(kind)
    if kind in ("uint256", "int256"):
        return _big_int(kind, options, target)
    if kind in ("double", "real"):
        return parse_float
    if kind == "boolean":
        return parse_bool
    if kind == "decimal":
        return _decimal(dtype.precision or 38, dtype.scale or 0)
    if kind == "varchar":
        return _string
    if kind in ("json", "other"):
        return json_text
    if kind == "varbinary":
        if options.binary == "hex":
            return lambda v: parse_hex(v).lower()
        return lambda v: bytes.fromhex(parse_hex(v)[2:])
    if kind == "date":
        return parse_date
    if kind == "timestamp":
        return _timestamp(dtype, target)
    if kind == "null":
        return _null
    if kind == "array":
        item = converter(dtype.children[0], options, target)
        return lambda v: [item(x) for x in _sequence(v)]
    if kind == "map":
        return _map(dtype, options, target)
    return _row(dtype, options, target)


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise BadValue("not a string")


def _null(value: Any) -> None:
    raise BadValue("a non-null value in a column of type unknown (null)")


def _timestamp(dtype: DuneType, target: Target) -> Convert:
    unit = timestamp_unit(dtype)
    if target == "arrow":
        return lambda v: parse_timestamp_ticks(v, unit)
    fine = unit == "ns"
    step = {"s": 1_000_000, "ms": 1000, "us": 1}.get(unit, 1)

    def as_datetime(value: Any) -> dt.datetime:
        if type(value) is str:
            # The two usual wire forms, at most microseconds: C-speed fromisoformat.
            text = value[:-4] if value.endswith(" UTC") else value[:-1] if value[-1:] == "Z" else ""
            if len(text) in (19, 23, 26) and text[10:11] in (" ", "T") and not fine:
                try:
                    parsed = dt.datetime.fromisoformat(text)
                except ValueError:
                    parsed = None
                if parsed is not None and parsed.tzinfo is None and not parsed.microsecond % step:
                    return parsed.replace(tzinfo=dt.UTC)
        return _slow_datetime(value)

    def _slow_datetime(value: Any) -> dt.datetime:
        ticks = parse_timestamp_ticks(value, unit)  # more precision than the column: raises
        if fine and ticks % 1000:
            raise BadValue("has nanoseconds, which a Python datetime cannot hold")
        micros = ticks // 1000 if fine else ticks * step
        return _EPOCH + dt.timedelta(microseconds=micros)

    return as_datetime


def _sequence(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise BadValue("not an array")


def _map(dtype: DuneType, options: TypeOptions, target: Target) -> Convert:
    key = converter(dtype.children[0], options, target)
    item = converter(dtype.children[1], options, target)

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            pairs = [(key(k), item(v)) for k, v in value.items()]
        elif isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
            pairs = [(key(k), item(v)) for k, v in value]
        else:
            raise BadValue("not a map")
        if any(k is None for k, _ in pairs):
            raise BadValue("a map key is null")
        return pairs if target == "arrow" else dict(pairs)

    return convert


def _row(dtype: DuneType, options: TypeOptions, target: Target) -> Convert:
    names = dtype.fields
    parts = [converter(child, options, target) for child in dtype.children]

    def convert(value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            extra = set(value) - set(names)
            if extra:
                raise BadValue(f"has fields {sorted(extra)} not in the row type")
            return {n: f(value.get(n)) for n, f in zip(names, parts, strict=True)}
        if isinstance(value, list):
            if len(value) != len(names):
                raise BadValue(f"has {len(value)} fields, the row type {len(names)}")
            return {n: f(v) for n, f, v in zip(names, parts, value, strict=True)}
        raise BadValue("not a row")

    return convert
