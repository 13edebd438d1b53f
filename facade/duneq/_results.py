"""Result and AsyncResult: the first page in hand, further pages fetched lazily and streamed."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator

from ._bound import Bound
from ._flows.context import Flow, FlowContext
from ._flows.csv import CsvDest, write_csv
from ._flows.pages import Opened, Page, after, fetch_page, merge_page
from ._http import AsyncDriver, SyncDriver
from ._models import ExecutionStatus, PageMetadata, ResultMetadata, merge_metadata
from ._options import ResultOptions
from ._rows import RawPage, RowSequence
from ._states import ExecutionState
from ._types import Row


class _ResultBase:
    """State shared by Result and AsyncResult, and the flows they run (no I/O here)."""

    def __init__(self, ctx: FlowContext, opened: Opened, *, reused: bool = False) -> None:
        first = opened.first
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
        self.reused = reused
        self._page_meta: dict[int, PageMetadata] = {first.offset: first.metadata}
        self._rows: RowSequence | None = None

    # -- flows (run by the sync or async driver)

    def _fetch(self, offset: int, *, decode: bool = True) -> Flow[Page]:
        return fetch_page(self._ctx, self._source, self._options, offset, decode=decode)

    def _page_flow(self, offset: int | None) -> Flow[tuple[list[Row], int | None]]:
        """The rows of the page at ``offset`` (None: the first page, held or re-fetched) and
        where the next page starts."""
        if offset is None:
            rows = self._first_rows
            if self._after_first is not None:
                self._first_rows = None  # released once a pass moves beyond it
            if rows is not None:
                return rows, self._after_first
            offset = self._first_offset
        page = yield from self._fetch(offset)
        return self._taken(page), after(page, self._options)

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
        return RowSequence(pages, self.execution_id)

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

    def __init__(self, bound: Bound[SyncDriver], opened: Opened, *, reused: bool = False) -> None:
        super().__init__(bound.ctx, opened, reused=reused)
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

    def __init__(self, bound: Bound[AsyncDriver], opened: Opened, *, reused: bool = False) -> None:
        super().__init__(bound.ctx, opened, reused=reused)
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
