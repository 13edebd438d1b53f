"""Result and AsyncResult: the first page in hand, further pages fetched lazily and streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator

from ._csv import CsvDest
from ._flows import Core, Page, fetch_page, merge_page, next_offset, write_csv
from ._http import AsyncDriver, SyncDriver
from ._models import ExecutionStatus, PageMetadata, ResultMetadata, merge_metadata
from ._options import ResultOptions
from ._rows import RowSequence
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
        self._first = first
        self._first_rows: list[Row] = list(first.rows or [])
        first.rows = None
        self._options = options
        self._is_partial = is_partial
        self.reused = reused
        self._page_meta: dict[int, PageMetadata] = {first.offset: first.metadata}
        self._rows: RowSequence | None = None

    def _record(self, page: Page) -> None:
        merge_page(self._page_meta, page)

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

    def _iter_page_objects(self) -> Iterator[tuple[Page, list[Row]]]:
        yield self._first, self._first_rows
        offset = next_offset(self._first, self._options)
        while offset is not None:
            page = self._driver.run(
                fetch_page(self._core, self.execution_id, self._options, offset)
            )
            self._record(page)
            rows = page.rows or []
            page.rows = None
            yield page, rows
            offset = next_offset(page, self._options)

    def iter_pages(self) -> Iterator[list[Row]]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        for _, rows in self._iter_page_objects():
            yield rows

    def iter_rows(self) -> Iterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        for rows in self.iter_pages():
            yield from rows

    @property
    def rows(self) -> RowSequence:
        """All rows, fetched once and kept as compact page bytes (a read-only Sequence)."""
        if self._rows is None:
            self._rows = RowSequence(
                [(page.content, page.row_count) for page, _ in self._iter_page_objects()]
            )
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

    async def _iter_page_objects(self) -> AsyncIterator[tuple[Page, list[Row]]]:
        yield self._first, self._first_rows
        offset = next_offset(self._first, self._options)
        while offset is not None:
            page = await self._driver.run(
                fetch_page(self._core, self.execution_id, self._options, offset)
            )
            self._record(page)
            rows = page.rows or []
            page.rows = None
            yield page, rows
            offset = next_offset(page, self._options)

    async def iter_pages(self) -> AsyncIterator[list[Row]]:
        """Each page's rows in order; only one page is held at a time (re-iterable)."""
        async for _, rows in self._iter_page_objects():
            yield rows

    async def iter_rows(self) -> AsyncIterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page)."""
        async for rows in self.iter_pages():
            for row in rows:
                yield row

    async def _materialize(self) -> RowSequence:
        if self._rows is None:
            pages = [(page.content, page.row_count) async for page, _ in self._iter_page_objects()]
            self._rows = RowSequence(pages)
        return self._rows

    @property
    def rows(self) -> Awaitable[RowSequence]:
        """``await result.rows``: all rows as a compact read-only Sequence (fetched once)."""
        return self._materialize()

    async def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        return await self._driver.run(write_csv(self._core, self.execution_id, self._options, dest))
