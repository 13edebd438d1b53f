"""RowSequence: all rows of a result as a read-only sequence over its pages.

Pages after the first are kept as their raw JSON ``rows`` bytes (far smaller than dicts) and
decoded (exactly, with msgspec) when first used; a couple of decoded pages are cached. Each
page's rows are counted against its metadata when it was fetched (see ``Result._count_raw``)
or else when it is decoded: a page short of them is fetched again (``refetch``), or an error.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, overload

from .. import _constants as C
from .._errors import DuneError, ResponseValidationError
from .._types import Row
from .._wire.adapter import PageFormatError, count_rows, decode_rows

if TYPE_CHECKING:
    from msgspec import Raw


@dataclass(frozen=True)
class RawPage:
    """A page's undecoded rows, the row count its metadata announced, and where it starts."""

    raw: Raw
    row_count: int
    offset: int


@dataclass(frozen=True)
class LazyPage:
    """A page whose rows are built on first use by ``load`` (an Arrow cache entry's batch)."""

    load: Callable[[], list[Row]]
    row_count: int
    offset: int


class RowSequence(Sequence[Row]):
    """All rows of a result; supports len, (negative) indexing, slicing, iteration and ==."""

    __slots__ = ("_cache", "_execution_id", "_pages", "_refetch", "_starts", "_total")

    def __init__(
        self,
        pages: Sequence[list[Row] | RawPage | LazyPage],
        execution_id: str = "",
        *,
        refetch: Callable[[int, int], list[Row]] | None = None,
    ) -> None:
        self._pages = list(pages)
        self._execution_id = execution_id
        #: Fetches the page at an offset again, verified to hold the given number of rows
        #: (the client's, while it is open), for raw pages not counted when fetched; None:
        #: the pages were counted (or come from a verified cache entry), a failure is an error.
        self._refetch = refetch
        self._starts: list[int] = []
        total = 0
        for page in self._pages:
            self._starts.append(total)
            total += page.row_count if isinstance(page, RawPage | LazyPage) else len(page)
        self._total = total
        self._cache: OrderedDict[int, list[Row]] = OrderedDict()

    def _decode(self, index: int, page: RawPage | LazyPage) -> list[Row]:
        """Decode a raw page. One that does not hold the rows it announced is fetched again
        when it can be (and kept decoded), else it is an error."""
        if isinstance(page, LazyPage):
            return page.load()
        try:
            rows = decode_rows(page.raw)
        except PageFormatError as exc:
            problem = str(exc)
        else:
            if len(rows) == page.row_count:
                return rows
            problem = f"announced {page.row_count} rows but holds {len(rows)}"
        if self._refetch is None:
            raise self._invalid(page, problem)
        try:
            rows = self._refetch(page.offset, page.row_count)
        except DuneError as exc:
            raise self._invalid(page, f"{problem}, and fetching it again failed: {exc}") from exc
        self._pages[index] = rows  # fetched once: kept as it came
        return rows

    def _invalid(self, page: RawPage | LazyPage, problem: str) -> ResponseValidationError:
        return ResponseValidationError(
            f"results page at offset {page.offset}: {problem}",
            execution_id=self._execution_id or None,
        )

    def _page(self, index: int) -> list[Row]:
        """The rows of the ``index``-th page, decoded and counted (a short one fetched again
        when the sequence can, else an error), the last few decoded kept."""
        page = self._pages[index]
        if not isinstance(page, RawPage | LazyPage):
            return page
        rows = self._cache.get(index)
        if rows is None:
            rows = self._decode(index, page)
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
        # chained at C level: a generator yielding each row costs a third of a second per
        # million rows; pages are still decoded only as they are reached
        return chain.from_iterable(map(self._rows_of, range(len(self._pages))))

    def _rows_of(self, index: int) -> list[Row]:
        """A page's rows for one pass: cached ones as they are, raw ones decoded (not cached,
        so iterating holds one decoded page at a time)."""
        page = self._pages[index]
        if not isinstance(page, RawPage | LazyPage):
            return page
        cached = self._cache.get(index)
        return cached if cached is not None else self._decode(index, page)

    def iter_pages(self) -> Iterator[list[Row]]:
        """Each page's rows in order (raw pages decoded as they are reached)."""
        for index in range(len(self._pages)):
            yield self._page(index)

    def parts(self) -> Iterator[tuple[list[Row] | RawPage | LazyPage, int]]:
        """Each kept page as it is held (decoded rows or raw JSON) and its first row's offset
        within this sequence; typed results build batches from them without re-fetching. A
        raw page not counted when fetched (``refetch`` given) is counted first: one short of
        its rows comes decoded, fetched again, or raises."""
        for index, start in enumerate(self._starts):
            page = self._pages[index]
            if isinstance(page, RawPage) and self._refetch is not None:
                try:
                    short = count_rows(page.raw) != page.row_count
                except PageFormatError:
                    short = True
                if short:
                    page = self._page(index)
            yield page, start

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowSequence | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<RowSequence rows={self._total} pages={len(self._pages)}>"

    def to_list(self) -> list[Row]:
        """A plain list of the rows (decodes every page)."""
        return list(self)
