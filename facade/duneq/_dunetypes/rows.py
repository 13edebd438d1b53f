"""Exact row dicts from raw JSON ``rows`` bytes, and the opt-in typed row values.

msgspec decodes integers of any width exactly (orjson turns 27670116110564327421 into a float),
so ``exact_rows`` keeps today's values except the corrupted ones. ``RowTyper`` converts rows to
typed values (int, Decimal, datetime, date, bytes, dict) by their column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from .._errors import ResponseValidationError
from .._types import Row
from .tree import DuneType, TypeOptions, parse_column_types
from .values import BadValue, Convert, converter

_ROWS = msgspec.json.Decoder(list[dict[str, Any]])


class RowsFormatError(ValueError):
    """The raw rows are not a JSON array of objects (the caller names the request)."""


def exact_rows(raw: bytes | memoryview | msgspec.Raw | None) -> list[Row]:
    """The rows of a raw ``rows`` array as dicts, every integer exact."""
    if raw is None:
        return []
    data = memoryview(raw) if isinstance(raw, msgspec.Raw) else raw
    try:
        return _ROWS.decode(data)
    except msgspec.DecodeError as exc:
        raise RowsFormatError(f"result.rows is not a list of row objects ({exc})") from None


class RowTyper:
    """Converts row dicts to typed values by column type; bad values raise, naming the cell
    (or, with ``keep_bad``, stay as they came: the CLI's table shows them rather than fail)."""

    def __init__(
        self,
        names: Sequence[str],
        column_types: Sequence[str] | None,
        options: TypeOptions | None = None,
        *,
        execution_id: str | None = None,
        dtypes: Sequence[DuneType] | None = None,
        keep_bad: bool = False,
    ) -> None:
        self.options = options or TypeOptions()
        #: Keep a value that does not fit its type as it came (for display), instead of raising.
        self.keep_bad = keep_bad
        self.names = list(names)
        self.dtypes = (
            list(dtypes)
            if dtypes is not None
            else parse_column_types(self.names, list(column_types or []))
        )
        self.execution_id = execution_id
        self._converters: list[tuple[str, DuneType, Convert]] = [
            (name, dtype, converter(dtype, self.options, "python"))
            for name, dtype in zip(self.names, self.dtypes, strict=True)
        ]

    def convert(self, rows: Sequence[Row], offset: int = 0) -> list[Row]:
        """Typed copies of ``rows`` (the first one is row ``offset`` of the result)."""
        out: list[Row] = []
        for index, row in enumerate(rows):
            typed: Row = {}
            for name, dtype, convert in self._converters:
                value = row.get(name)
                try:
                    typed[name] = convert(value)
                except BadValue as exc:
                    if self.keep_bad:
                        typed[name] = value
                        continue
                    shown = repr(value) if len(repr(value)) <= 200 else repr(value)[:200] + "..."
                    raise ResponseValidationError(
                        f"column {name!r} ({dtype.text or 'no type'}) row {offset + index}: "
                        f"value {shown} {exc}",
                        execution_id=self.execution_id,
                    ) from None
            out.append(typed)
        return out
