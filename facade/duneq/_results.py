"""Result and AsyncResult: the first page in hand, further pages fetched lazily and streamed."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator

from ._csv import CsvDest
from ._flows import Core, Flow, Page, fetch_page, merge_page, next_offset, write_csv
from ._http import AsyncDriver, SyncDriver
from ._models import ExecutionStatus, PageMetadata, ResultMetadata, merge_metadata
from ._options import ResultOptions
from ._rows import RawPage, RowSequence
from ._states import ExecutionState
from ._types import Row


class _ResultBase:
    """State shared by Result and AsyncResult (no I/O here)."""

    def __init__(
        self,
        *,
        core: Core,
        status: ExecutionStatus,
        first: Page,
        options: ResultOptions,
        is_partial: bool,
        reused: bool = False,
    ) -> None:
        self._core = core
        self._status = status
        # The first page's rows are held until a pass moves beyond it (then re-fetched if the
        # result is iterated again), so streaming holds one page at a time.
        self._first_rows: list[Row] | None = first.rows or []
        self._first_offset = first.offset
        self._after_first = next_offset(first, options)
        first.rows = None
        self._options = options
        self._is_partial = is_partial
        self.reused = reused
        self._page_meta: dict[int, PageMetadata] = {first.offset: first.metadata}
        self._rows: RowSequence | None = None

    def _record(self, page: Page) -> None:
        merge_page(self._page_meta, page)

    def _take_first_rows(self) -> list[Row] | None:
        """The first page's rows if still held; released when more pages follow."""
        rows = self._first_rows
        if self._after_first is not None:
            self._first_rows = None
        return rows

    def _fetch(self, offset: int, *, decode: bool = True) -> Flow[Page]:
        """The flow fetching the page at ``offset`` (run by the sync or async driver)."""
        return fetch_page(self._core, self.execution_id, self._options, offset, decode=decode)

    def _rows_flow(self) -> Flow[RowSequence]:
        """Fetch every page for ``rows``: pages after the first stay raw until used."""
        first = self._first_rows
        if first is None:
            first = self._taken((yield from self._fetch(self._first_offset)))
        pages: list[list[Row] | RawPage] = [first]
        offset = self._after_first
        while offset is not None:
            page = yield from self._fetch(offset, decode=False)
            offset = next_offset(page, self._options)
            pages.append(self._kept(page))
        return RowSequence(pages, self.execution_id)

    def _kept(self, page: Page) -> list[Row] | RawPage:
        """Record a page fetched for ``rows`` and keep it compact (raw JSON when possible)."""
        if page.raw is None:
            return self._taken(page)
        self._record(page)
        return RawPage(page.raw, page.row_count, page.offset)

    def _taken(self, page: Page) -> list[Row]:
        """Record a fetched page's metadata and take its rows out of it."""
        self._record(page)
        rows = page.rows or []
        page.rows = None
        return rows

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

    def __init__(self, *, driver: SyncDriver, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._driver = driver

    def iter_pages(self) -> Iterator[list[Row]]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            yield from self._rows.iter_pages()
            return
        rows = self._take_first_rows()
        if rows is None:
            rows = self._taken(self._driver.run(self._fetch(self._first_offset)))
        yield rows
        offset = self._after_first
        while offset is not None:
            del rows  # let the previous page go before the next one arrives
            page = self._driver.run(self._fetch(offset))
            offset = next_offset(page, self._options)
            rows = self._taken(page)
            del page
            yield rows

    def iter_rows(self) -> Iterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        pages = self.iter_pages()
        while (rows := next(pages, None)) is not None:
            yield from rows
            del rows

    @property
    def rows(self) -> RowSequence:
        """All rows, fetched once and kept as compact raw pages (a read-only Sequence)."""
        if self._rows is None:
            self._rows = self._driver.run(self._rows_flow())
        return self._rows

    def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        return self._driver.run(write_csv(self._core, self.execution_id, self._options, dest))


class AsyncResult(_ResultBase):
    """The async twin of Result: ``async for`` over ``iter_rows()``; ``await result.rows``."""

    def __init__(self, *, driver: AsyncDriver, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._driver = driver

    async def iter_pages(self) -> AsyncGenerator[list[Row], None]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            for kept in self._rows.iter_pages():
                yield kept
            return
        rows = self._take_first_rows()
        if rows is None:
            rows = self._taken(await self._driver.run(self._fetch(self._first_offset)))
        yield rows
        offset = self._after_first
        while offset is not None:
            del rows  # let the previous page go before the next one arrives
            page = await self._driver.run(self._fetch(offset))
            offset = next_offset(page, self._options)
            rows = self._taken(page)
            del page
            yield rows

    async def iter_rows(self) -> AsyncIterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        pages = self.iter_pages()
        try:
            while (rows := await anext(pages, None)) is not None:
                for row in rows:
                    yield row
                del rows
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
        return await self._driver.run(write_csv(self._core, self.execution_id, self._options, dest))
