"""Result and AsyncResult: the first page in hand, further pages fetched lazily and streamed."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator
from typing import Literal

from msgspec import Raw

from ._bound import Bound
from ._cache import Cache, CachedResult, EntryWriter, JsonCodec
from ._flows.context import Flow, FlowContext
from ._flows.csv import CsvDest, write_csv
from ._flows.pages import Opened, Page, after, fetch_page, merge_page
from ._http import AsyncDriver, SyncDriver
from ._models import ExecutionStatus, PageMetadata, ResultMetadata, merge_metadata
from ._options import ResultOptions
from ._rows import RawPage, RowSequence
from ._states import ExecutionState
from ._types import Row

log = logging.getLogger("duneq.cache")
Origin = Literal["new", "latest", "cache"]


def opened_from_cache(hit: CachedResult, options: ResultOptions) -> Opened:
    """A cached entry as an opened result: its first page decoded, the rest kept as stored
    (JSON pages stay raw until used, as after ``rows``); nothing is fetched."""
    footer, status = hit.footer, hit.status
    total = sum(hit.counts)
    if hit.codec.name == JsonCodec.name and hit.chunks:
        first_rows = hit.codec.decode(hit.chunks[:1])
        pages: list[list[Row] | RawPage] = [first_rows]
        offset = options.offset + len(first_rows)
        for chunk, count in zip(hit.chunks[1:], hit.counts[1:], strict=True):
            pages.append(RawPage(Raw(chunk), count, offset))
            offset += count
    else:
        first_rows = hit.rows
        pages = [first_rows]
    meta = PageMetadata(
        column_names=list(footer.get("column_names") or []),
        column_types=list(footer.get("column_types") or []),
        row_count=total,
        total_row_count=total,
        datapoint_count=0,  # nothing was billed for a cache hit
    )
    page = Page(options.offset, first_rows, len(first_rows), meta, status, None)
    return Opened(status, page, hit.is_partial, options, cached=pages)


class _ResultBase:
    """State shared by Result and AsyncResult, and the flows they run (no I/O here but the
    local cache file a complete pass is written to)."""

    def __init__(
        self,
        ctx: FlowContext,
        opened: Opened,
        *,
        reused: bool = False,
        source: Origin | None = None,
        cache: Cache | None = None,
        run: str | None = None,
    ) -> None:
        first = opened.first
        #: Where the result came from: "new" (run now), "latest" (the server's latest run)
        #: or "cache" (the local cache; no request was made).
        self.source: Origin = source or ("latest" if reused else "new")
        self._store = cache if self.source != "cache" else None
        self._run = run
        self._writer: EntryWriter | None = None
        self._writer_next: int | None = None
        self._ctx = ctx
        self._status = opened.status
        self._source = opened.source if opened.source is not None else opened.status.execution_id
        self._options: ResultOptions = opened.options
        # The first page's rows are held until a pass moves beyond it (then re-fetched if the
        # result is iterated again), so streaming holds one page at a time.
        self._first_rows: list[Row] | None = first.rows or []
        self._first_offset = first.offset
        self._after_first = after(first, self._options)
        first.rows = None
        self._is_partial = opened.is_partial
        self.reused = self.source != "new"
        self._page_meta: dict[int, PageMetadata] = {first.offset: first.metadata}
        self._rows: RowSequence | None = None
        if opened.cached is not None:  # a cache hit holds every page already
            self._rows = RowSequence(opened.cached, self.execution_id)

    # -- flows (run by the sync or async driver)

    def _fetch(self, offset: int, *, decode: bool = True) -> Flow[Page]:
        known = self._page_meta.get(self._first_offset)
        return fetch_page(
            self._ctx, self._source, self._options, offset, decode=decode, known=known
        )

    def _page_flow(self, offset: int | None) -> Flow[tuple[list[Row], int | None]]:
        """The rows of the page at ``offset`` (None: the first page, held or re-fetched) and
        where the next page starts."""
        start = offset
        if offset is None:
            rows = self._first_rows
            if self._after_first is not None:
                self._first_rows = None  # released once a pass moves beyond it
            if rows is not None:
                self._cache_page(None, rows, self._after_first)
                return rows, self._after_first
            offset = self._first_offset
        page = yield from self._fetch(offset)
        rows, following = self._taken(page), after(page, self._options)
        self._cache_page(start, rows, following)
        return rows, following

    def _rows_flow(self) -> Flow[RowSequence]:
        """Fetch every page for ``rows``: pages after the first stay raw until used."""
        first = self._first_rows
        if first is None:
            first = self._taken((yield from self._fetch(self._first_offset)))
        pages: list[list[Row] | RawPage] = [first]
        offset = self._after_first
        while offset is not None:
            page = yield from self._fetch(offset, decode=False)
            offset = after(page, self._options)
            pages.append(self._kept(page))
        self._cache_all(pages)
        return RowSequence(pages, self.execution_id)

    # -- the local cache: a complete pass over the pages becomes one entry

    def _cache_page(self, start: int | None, rows: list[Row], following: int | None) -> None:
        """Add a page of a pass to the entry being written (``start`` None: the first page);
        the pass that reaches the last page commits it, a pass out of order drops it."""
        if self._store is None:
            return
        try:
            if start is None:
                self._drop_writer()
                self._writer = self._store.writer(self.execution_id, self._options, self._run)
            elif self._writer is None or start != self._writer_next:
                self._drop_writer()
                return
            self._writer.add(rows, len(rows))
            self._writer_next = following
            if following is None:
                self._commit()
        except OSError as exc:
            self._cache_failed(exc)

    def _cache_all(self, pages: list[list[Row] | RawPage]) -> None:
        """Write every page fetched for ``rows`` (raw pages are copied as they came)."""
        if self._store is None:
            return
        self._drop_writer()
        try:
            self._writer = self._store.writer(self.execution_id, self._options, self._run)
            for page in pages:
                if isinstance(page, RawPage):
                    self._writer.add(bytes(page.raw), page.row_count)
                else:
                    self._writer.add(page, len(page))
            self._commit()
        except OSError as exc:
            self._cache_failed(exc)

    def _commit(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None or self._store is None:
            return
        meta = self.metadata
        footer = self._store.footer(
            self._status,
            self._options,
            is_partial=self._is_partial,
            run=self._run,
            column_names=meta.column_names,
            column_types=meta.column_types,
        )
        writer.commit(footer)

    def _cache_failed(self, exc: OSError) -> None:
        """A cache that cannot be written never breaks a result."""
        log.warning("could not write the cache entry of %s: %s", self.execution_id, exc)
        self._drop_writer()

    def _drop_writer(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def _csv_flow(self, dest: CsvDest) -> Flow[int]:
        return write_csv(self._ctx, self._source, self._options, dest)

    def _kept(self, page: Page) -> list[Row] | RawPage:
        """Record a page fetched for ``rows`` and keep it compact (raw JSON when possible)."""
        if page.raw is None:
            return self._taken(page)
        merge_page(self._page_meta, page)
        return RawPage(page.raw, page.row_count, page.offset)

    def _taken(self, page: Page) -> list[Row]:
        """Record a fetched page's metadata and take its rows out of it."""
        merge_page(self._page_meta, page)
        rows = page.rows or []
        page.rows = None
        return rows

    # -- properties

    @property
    def execution_id(self) -> str:
        return self._status.execution_id

    @property
    def status(self) -> ExecutionStatus:
        """The final status of the execution (cost and timings come from here)."""
        return self._status

    @property
    def state(self) -> ExecutionState | str:
        return self._status.state

    @property
    def metadata(self) -> ResultMetadata:
        """Merged over the pages fetched so far; complete after ``rows`` or a full iteration."""
        return merge_metadata(self._status, self._page_meta)

    @property
    def is_partial(self) -> bool:
        """True when Dune truncated the result (QUERY_STATE_COMPLETED_PARTIAL)."""
        return self._is_partial

    @property
    def datapoints(self) -> int:
        """Datapoints billed for the pages fetched so far (sum of per-page datapoint_count)."""
        return self.metadata.datapoint_count

    @property
    def cost_credits(self) -> float | None:
        """``execution_cost_credits`` from the execution's status, when the API reports it."""
        return self._status.execution_cost_credits

    @property
    def column_names(self) -> list[str]:
        return self.metadata.column_names

    def __repr__(self) -> str:
        meta = self.metadata
        return (
            f"<{type(self).__name__} execution_id={self.execution_id} state={self.state} "
            f"total_row_count={meta.total_row_count} partial={self._is_partial}>"
        )


class Result(_ResultBase):
    """A query result: stream with ``iter_rows()``/``iter_pages()``, or materialize ``rows``."""

    def __init__(
        self,
        bound: Bound[SyncDriver],
        opened: Opened,
        *,
        reused: bool = False,
        source: Origin | None = None,
        run: str | None = None,
    ) -> None:
        super().__init__(
            bound.ctx, opened, reused=reused, source=source, cache=bound.cache, run=run
        )
        self._driver = bound.driver

    def iter_pages(self) -> Iterator[list[Row]]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            yield from self._rows.iter_pages()
            return
        rows, offset = self._driver.run(self._page_flow(None))
        yield rows
        while offset is not None:
            del rows  # let the previous page go before the next one arrives
            rows, offset = self._driver.run(self._page_flow(offset))
            yield rows

    def iter_rows(self) -> Iterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        for rows in self.iter_pages():
            yield from rows

    @property
    def rows(self) -> RowSequence:
        """All rows, fetched once and kept as compact raw pages (a read-only Sequence)."""
        if self._rows is None:
            self._rows = self._driver.run(self._rows_flow())
        return self._rows

    def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        return self._driver.run(self._csv_flow(dest))


class AsyncResult(_ResultBase):
    """The async twin of Result: ``async for`` over ``iter_rows()``; ``await result.rows``."""

    def __init__(
        self,
        bound: Bound[AsyncDriver],
        opened: Opened,
        *,
        reused: bool = False,
        source: Origin | None = None,
        run: str | None = None,
    ) -> None:
        super().__init__(
            bound.ctx, opened, reused=reused, source=source, cache=bound.cache, run=run
        )
        self._driver = bound.driver

    async def iter_pages(self) -> AsyncGenerator[list[Row], None]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            for kept in self._rows.iter_pages():
                yield kept
            return
        rows, offset = await self._driver.run(self._page_flow(None))
        yield rows
        while offset is not None:
            del rows  # let the previous page go before the next one arrives
            rows, offset = await self._driver.run(self._page_flow(offset))
            yield rows

    async def iter_rows(self) -> AsyncIterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        pages = self.iter_pages()
        try:
            async for rows in pages:
                for row in rows:
                    yield row
        finally:
            await pages.aclose()

    async def _materialize(self) -> RowSequence:
        if self._rows is None:
            self._rows = await self._driver.run(self._rows_flow())
        return self._rows

    @property
    def rows(self) -> Awaitable[RowSequence]:
        """``await result.rows``: all rows as a compact read-only Sequence (fetched once)."""
        return self._materialize()

    async def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        return await self._driver.run(self._csv_flow(dest))


__all__ = ["AsyncResult", "Result"]
