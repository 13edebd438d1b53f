"""Listings: what every ``list()`` returns (datasets, queries, uploads, materialized views).

A listing is a lazily paged iterator of typed records: a page is fetched only when the items
before it were consumed, it stops after ``limit`` items, and an item seen on an earlier page
(offset paging over a list that changed in between) is not yielded twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from .._errors import InvalidArgument
from .._flows.context import Flow
from .._options import validate_non_negative_int, validate_positive_int
from .._transport.drivers import AsyncDriver, SyncDriver

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page as an endpoint answered it: its records, the total the API gives (if any) and
    the offset of the next page (None on the last page)."""

    items: list[T]
    total: int | None = None
    next_offset: int | None = None


#: Builds the flow that fetches one page: ``fetch(size, offset)``.
PageFetch = Callable[[int, int], Flow[Page[T]]]


def next_after(offset: int, count: int, size: int, total: int | None) -> int | None:
    """The next page's offset for an API that gives a total and no next offset: the end is the
    total when given, else a short (or empty) page."""
    end = offset + count
    if count == 0 or (total is not None and end >= total) or (total is None and count < size):
        return None
    return end


def validate_listing(
    limit: object, offset: object, page_size: object, max_page: int | None
) -> tuple[int | None, int, int]:
    """``limit`` (None: every item), ``offset`` and ``page_size``, checked."""
    most = None if limit is None else validate_positive_int("limit", limit)
    start = validate_non_negative_int("offset", offset)
    size = validate_positive_int("page_size", page_size)
    if max_page is not None and size > max_page:
        raise InvalidArgument(f"page_size must be at most {max_page}, got {size}")
    return most, start, size


class Pager(Generic[T]):
    """The paging state a sync and an async listing share."""

    def __init__(
        self,
        fetch: PageFetch[T],
        key: Callable[[T], Hashable],
        limit: int | None,
        offset: int,
        page_size: int,
    ) -> None:
        self.fetch, self.key, self.limit, self.page_size = fetch, key, limit, page_size
        self.offset: int | None = offset
        self.total: int | None = None
        self.first: list[T] | None = None
        self.buffer: deque[T] = deque()
        self.seen: set[Hashable] = set()
        self.taken = 0
        self.pages = 0

    def request(self) -> tuple[int, int] | None:
        """(size, offset) of the next page to fetch, or None when the listing is done."""
        if self.offset is None:
            return None
        size = self.page_size
        if self.limit is not None:
            left = self.limit - self.taken - len(self.buffer)
            if left <= 0:
                return None
            size = min(size, left)
        return size, self.offset

    def accept(self, offset: int, page: Page[T]) -> None:
        self.pages += 1
        if page.total is not None:
            self.total = page.total
        if self.first is None:
            self.first = list(page.items)
        for item in page.items:
            k = self.key(item)
            if k in self.seen:
                continue
            self.seen.add(k)
            self.buffer.append(item)
        nxt = page.next_offset
        self.offset = nxt if page.items and nxt is not None and nxt > offset else None

    def take(self) -> T:
        self.taken += 1
        return self.buffer.popleft()

    def describe(self, name: str) -> str:
        total = "" if self.total is None else f" total={self.total}"
        return f"<{name} yielded={self.taken} pages={self.pages}{total}>"


class Listing(Generic[T]):
    """A lazily paged iterator of records (one pass); ``total`` is the API's count of matching
    records where it gives one (fetching the first page if none was fetched yet)."""

    def __init__(self, driver: SyncDriver, pager: Pager[T]) -> None:
        self._driver = driver
        self._pager = pager

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        pager = self._pager
        while not pager.buffer:
            req = pager.request()
            if req is None:
                raise StopIteration
            pager.accept(req[1], self._driver.run(pager.fetch(*req)))
        return pager.take()

    def _load_first(self) -> list[T]:
        pager = self._pager
        if pager.first is None:
            req = pager.request()
            if req is None:
                return []
            pager.accept(req[1], self._driver.run(pager.fetch(*req)))
        return list(pager.first or [])

    @property
    def total(self) -> int | None:
        """How many records match, as the API counts them (None where it gives no count)."""
        self._load_first()
        return self._pager.total

    @property
    def first_page(self) -> list[T]:
        """The records of the first page (fetched now if needed; iteration is unaffected)."""
        return self._load_first()

    def __repr__(self) -> str:
        return self._pager.describe(type(self).__name__)


class AsyncListing(Generic[T]):
    """A lazily paged async iterator of records (one pass). ``await listing`` fetches the first
    page and returns the listing, so ``total`` is known; before that ``total`` is None."""

    def __init__(self, driver: AsyncDriver, pager: Pager[T]) -> None:
        self._driver = driver
        self._pager = pager

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        pager = self._pager
        while not pager.buffer:
            req = pager.request()
            if req is None:
                raise StopAsyncIteration
            pager.accept(req[1], await self._driver.run(pager.fetch(*req)))
        return pager.take()

    async def _load(self) -> Self:
        pager = self._pager
        if pager.first is None:
            req = pager.request()
            if req is not None:
                pager.accept(req[1], await self._driver.run(pager.fetch(*req)))
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        return self._load().__await__()

    @property
    def total(self) -> int | None:
        """How many records match, as the API counts them: None where it gives no count, or
        before the first page arrived (``await`` the listing or start iterating)."""
        return self._pager.total

    @property
    def first_page(self) -> list[T]:
        """The records of the first page; empty before it arrived (``await`` the listing)."""
        return list(self._pager.first or [])

    def __repr__(self) -> str:
        return self._pager.describe(type(self).__name__)
