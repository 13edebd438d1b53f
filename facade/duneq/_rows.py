"""RowSequence: a compact, read-only sequence of rows backed by the raw page bytes.

Holding the JSON bytes costs far less memory than a list of dicts; a page is decoded with
orjson when one of its rows is accessed, and a couple of decoded pages are cached.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import overload

import orjson

from . import _constants as C
from ._types import Row


def decode_rows(content: bytes) -> list[Row]:
    """The ``result.rows`` list of one JSON results page."""
    data = orjson.loads(content)
    result = data.get("result") if isinstance(data, dict) else None
    rows = result.get("rows") if isinstance(result, dict) else None
    return rows if isinstance(rows, list) else []


class RowSequence(Sequence[Row]):
    """All rows of a result; supports len, (negative) indexing, slicing, iteration and ==."""

    __slots__ = ("_cache", "_counts", "_pages", "_starts", "_total")

    def __init__(self, pages: Sequence[tuple[bytes, int]]) -> None:
        self._pages = [content for content, _ in pages]
        self._counts = [count for _, count in pages]
        self._starts: list[int] = []
        total = 0
        for count in self._counts:
            self._starts.append(total)
            total += count
        self._total = total
        self._cache: OrderedDict[int, list[Row]] = OrderedDict()

    def _page(self, index: int) -> list[Row]:
        rows = self._cache.get(index)
        if rows is None:
            rows = decode_rows(self._pages[index])
            self._cache[index] = rows
            while len(self._cache) > C.ROW_PAGE_CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(index)
        return rows

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._total))]
        if not isinstance(index, int):
            raise TypeError(f"row indices must be integers or slices, not {type(index).__name__}")
        if index < 0:
            index += self._total
        if not 0 <= index < self._total:
            raise IndexError("row index out of range")
        page = bisect.bisect_right(self._starts, index) - 1
        return self._page(page)[index - self._starts[page]]

    def __iter__(self) -> Iterator[Row]:
        for index, content in enumerate(self._pages):
            cached = self._cache.get(index)
            yield from cached if cached is not None else decode_rows(content)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowSequence | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<RowSequence rows={self._total} pages={len(self._pages)}>"

    def to_list(self) -> list[Row]:
        """A plain list of dicts (uses the memory a list of dicts needs)."""
        return list(self)
