"""Result and AsyncResult: the first page in hand, further pages fetched lazily and streamed."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Literal

from .._bound import Bound
from .._cache.store import Cache, CachedResult, EntryWriter, JsonCodec
from .._errors import APIError, ExecutionTimeout
from .._flows.context import Flow, FlowContext, ReadWindow
from .._flows.csv import CsvDest, csv_plan
from .._flows.pages import Opened, Page, after, fetch_page, holding, merge_page
from .._flows.send import DeadlineReached
from .._flows.wait import is_transient
from .._optional import require
from .._options import ResultOptions
from .._protocol import FetchProgress
from .._states import ExecutionState
from .._transport.drivers import AsyncDriver, SyncDriver
from .._types import Row
from .._wire.models import ExecutionStatus, PageMetadata, ResultMetadata, merge_metadata
from .prefetch import aprefetched, prefetched
from .rows import LazyPage, RawPage, RowSequence

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from .._dunetypes.rows import RowTyper
    from .._flows.reader import ReadPlan
    from .._sweeps.datasets import WrittenDataset
    from .fanout import PageSteps
    from .plan import TypedPlan

log = logging.getLogger("duneq.cache")
Origin = Literal["new", "latest", "cache"]


def _arrow_pages(hit: CachedResult, options: ResultOptions) -> list[list[Row] | LazyPage]:
    """An Arrow entry's batches as lazy pages of wire rows (built when first used)."""
    from .._cache.arrow import open_payload, wire_rows

    assert hit.payload is not None
    reader = open_payload(hit.payload)
    types = list(hit.footer.get("column_types") or [])
    pages: list[list[Row] | LazyPage] = []
    offset = options.offset

    def load(index: int) -> list[Row]:
        return wire_rows(reader.get_batch(index), types)

    for index, count in enumerate(hit.counts):
        pages.append(LazyPage(functools.partial(load, index), count, offset))
        offset += count
    return pages


def opened_from_cache(hit: CachedResult, options: ResultOptions) -> Opened:
    """A cached entry as an opened result: its first page decoded, the rest kept as stored
    (JSON pages stay raw until used, as after ``rows``; Arrow batches become rows only when
    used); nothing is fetched."""
    footer, status = hit.footer, hit.status
    total = sum(hit.counts)
    pages: list[list[Row] | RawPage | LazyPage]
    if hit.is_arrow:
        first_rows: list[Row] = []
        pages = list(_arrow_pages(hit, options))
    elif hit.codec.name == JsonCodec.name and hit.chunks:
        from msgspec import Raw

        first_rows = hit.codec.decode(hit.chunks[:1])
        pages = [first_rows]
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
    return Opened(status, page, hit.is_partial, options, cached=pages, hit=hit)


class Reading:
    """One read of a result (or a CSV download): the client's context with every request kept
    within the read's deadline, and running out of time reported as ExecutionTimeout."""

    def __init__(self, ctx: FlowContext, window: ReadWindow, execution_id: str, what: str) -> None:
        now = ctx.clock()
        self.deadline = window.deadline(now)
        self.timeout = window.timeout
        self.ctx = ctx.bounded(self.deadline)
        self.execution_id, self.what = execution_id, what

    @contextlib.contextmanager
    def bounded(self) -> Iterator[None]:
        """Around the read: the deadline reached (or a transient error once it has passed)
        leaves as ExecutionTimeout naming the read and the last error seen."""
        try:
            yield
        except DeadlineReached as exc:
            raise self.expired(exc.last) from None
        except APIError as exc:
            if self.deadline is None or self.ctx.clock() < self.deadline or not is_transient(exc):
                raise
            raise self.expired(exc) from exc

    def expired(self, last: APIError | None) -> ExecutionTimeout:
        timeout = float(self.timeout or 0.0)
        assert self.deadline is not None
        seen = f"; last error {type(last).__name__}: {last}" if last is not None else ""
        return ExecutionTimeout(
            self.execution_id,
            state="QUERY_STATE_COMPLETED",
            elapsed=self.ctx.clock() - (self.deadline - timeout),
            timeout=timeout,
            cancelled=False,
            reading=f"{self.what}{seen}",
        )


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
        window: ReadWindow | None = None,
    ) -> None:
        first = opened.first
        #: How long reads may take (the call's timeout; see ``ReadWindow``).
        self._window = window if window is not None else ReadWindow(None)
        #: Where the result came from: "new" (run now), "latest" (the server's latest run)
        #: or "cache" (the local cache; no request was made).
        self.source: Origin = source or ("latest" if reused else "new")
        self._store = cache if self.source != "cache" else None
        #: The cache typed reads look in and write Arrow entries to (hits included).
        self._arrow_store = cache
        #: The entry a cache hit was opened from (an Arrow one serves typed reads directly).
        self._hit: CachedResult | None = opened.hit
        self._run = run
        self._writer: EntryWriter | None = None
        self._writer_next: int | None = None
        self._ctx = ctx
        self._status = opened.status
        self._source = opened.source if opened.source is not None else opened.status.execution_id
        self._options: ResultOptions = opened.options
        # The first page's rows (when opening fetched it) are held until a pass moves beyond it
        # (then re-fetched if the result is iterated again), so streaming holds one page at a
        # time; a result opened from its status alone holds none.
        self._first_rows: list[Row] | None = None
        self._first_offset = self._options.offset
        self._after_first: int | None = None
        self._page_meta: dict[int, PageMetadata] = {}
        if first is not None:
            self._first_rows = first.rows or []
            self._first_offset = first.offset
            self._after_first = after(first, self._options)
            self._page_meta[first.offset] = first.metadata
            first.rows = None
        self._is_partial = opened.is_partial
        self.reused = self.source != "new"
        self._rows: RowSequence | None = None
        if opened.cached is not None:  # a cache hit holds every page already
            self._rows = RowSequence(opened.cached, self.execution_id)

    # -- flows (run by the sync or async driver)

    def _frame_binary(self, binary: str) -> tuple[str, str]:
        """How a frame read takes varbinary: (as ``to_arrow`` reads it, then the frame's
        conversion). Hex frames read the wire's hex text as it comes (checked, lower-cased)
        unless a cache is kept, whose Arrow entry holds bytes for every typed read to share."""
        if binary == "hex" and self._arrow_store is None:
            return "hex", "bytes"
        return "bytes", binary

    def _reading(self, what: str) -> Reading:
        """A read of this result, bounded by its window."""
        return Reading(self._ctx, self._window, self.execution_id, what)

    def _fetch(
        self, ctx: FlowContext, offset: int, *, decode: bool = True, count: bool = False
    ) -> Flow[Page]:
        known = self._page_meta.get(self._first_offset) or self._status.result_metadata
        return fetch_page(
            ctx, self._source, self._options, offset, decode=decode, count=count, known=known
        )

    @property
    def _count_raw(self) -> bool:
        """Whether raw ``rows`` pages are counted when fetched (in the retry loop), not when
        first decoded: with a cache, which seals them, and whenever the RowSequence cannot
        fetch a page again (AsyncResult; see ``_refetch``)."""
        return self._store is not None or self._refetch() is None

    def _refetch_flow(self, offset: int, rows: int) -> Flow[list[Row]]:
        """A raw page found not to hold its ``rows`` when decoded, fetched again and decoded
        now, verified to hold them inside the retry loop."""
        held = holding(rows, f"its first fetch announced at offset {offset}")
        page = yield from fetch_page(
            self._ctx, self._source, self._options, offset, size=rows, check=held
        )
        return page.rows or []

    def _page_flow(
        self, ctx: FlowContext, offset: int | None
    ) -> Flow[tuple[list[Row], int | None]]:
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
        page = yield from self._fetch(ctx, offset)
        rows, following = self._taken(page), after(page, self._options)
        self._cache_page(start, rows, following)
        return rows, following

    def _next_page(
        self, ctx: FlowContext, page: tuple[list[Row], int | None]
    ) -> Flow[tuple[list[Row], int | None]] | None:
        """The flow of the page after ``page`` (None at the end), for the prefetching loop."""
        return None if page[1] is None else self._page_flow(ctx, page[1])

    def _rows_flow(self, ctx: FlowContext) -> Flow[RowSequence]:
        """Fetch every page for ``rows``: pages after the first stay raw until used."""
        first = self._first_rows
        offset = self._after_first
        if first is None:
            page = yield from self._fetch(ctx, self._first_offset)
            first, offset = self._taken(page), after(page, self._options)
        pages: list[list[Row] | RawPage] = [first]
        while offset is not None:
            page = yield from self._fetch(ctx, offset, decode=False, count=self._count_raw)
            offset = after(page, self._options)
            pages.append(self._kept(page))
        return self._finish_rows(pages)

    def _plan_flow(self, ctx: FlowContext) -> Flow[ReadPlan | None]:
        """The page plan of a full read (None: read page by page as the first page says):
        from the status, or a one-row probe when filters change the row count."""
        from .._flows.pages import EndpointSource
        from .._flows.reader import plan_read, probe

        if isinstance(self._source, EndpointSource) or self._first_rows is not None:
            return None
        meta = self._status.result_metadata
        if self._options.filters:
            meta = (yield from probe(ctx, self._source, self._options)).metadata
        return plan_read(self._source, self._options, meta)

    def _progress(self) -> Callable[[int], None]:
        """For a page-by-page pass: tells ``on_fetch`` of each page delivered (rows only)."""
        hook = self._ctx.on_fetch
        if hook is None:
            return lambda rows: None
        meta = self._status.result_metadata
        total = meta.total_row_count if meta is not None else None
        if total is not None:
            total = max(total - self._options.offset, 0)
            if self._options.limit is not None:
                total = min(total, self._options.limit)
        pages = None if total is None else max(-(-total // self._options.page_size), 1)
        done = [0, 0]

        def told(rows: int) -> None:
            done[0] += 1
            done[1] += rows
            hook(FetchProgress(self.execution_id, done[0], done[1], 0, total, pages))

        return told

    def _json_steps(self, ctx: FlowContext, plan: ReadPlan) -> PageSteps[Page, list[Row] | RawPage]:
        """A ``rows`` read's pages: verified JSON pages, kept raw until used."""
        from .._flows.reader import json_page
        from .fanout import PageSteps

        known = self._status.result_metadata

        def fetch(offset: int, needed: int) -> Flow[Page]:
            return json_page(
                ctx, plan, offset, decode=False, count=self._count_raw, known=known, needed=needed
            )

        return PageSteps(
            plan,
            fetch,
            lambda page: page.next_offset,
            self._kept,
            measure=lambda page: (page.row_count, 0),
            ctx=self._ctx,
            execution_id=self.execution_id,
        )

    def _finish_rows(self, pages: list[list[Row] | RawPage]) -> RowSequence:
        self._cache_all(pages)
        return RowSequence(pages, self.execution_id, refetch=self._refetch())

    def _refetch(self) -> Callable[[int, int], list[Row]] | None:
        """How the RowSequence fetches a raw page again (None: it cannot, the pages were
        counted when fetched)."""
        return None

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

    def _csv_plan(self, ctx: FlowContext, dest: CsvDest) -> Flow[ReadPlan]:
        return csv_plan(ctx, self._source, self._options, dest, self._status.result_metadata)

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

    def _plan(self, big_ints: str, binary: str, wire: str) -> TypedPlan:
        from .typed import plan_for

        return plan_for(self, big_ints, binary, wire)

    def _typer(self, big_ints: str, binary: str, *, keep_bad: bool = False) -> RowTyper:
        from .._dunetypes.rows import RowTyper
        from .._dunetypes.tree import TypeOptions

        meta = self._page_meta.get(self._first_offset) or self.metadata
        options = TypeOptions(big_ints=big_ints, binary=binary)  # type: ignore[arg-type]
        return RowTyper(
            meta.column_names,
            meta.column_types,
            options,
            execution_id=self.execution_id,
            keep_bad=keep_bad,
        )

    def _repr_html_(self) -> str:
        """State, cost, row count and the first rows, for notebooks (never fetches)."""
        from .typed import repr_html

        return repr_html(self)

    def __repr__(self) -> str:
        meta = self.metadata
        return (
            f"<{type(self).__name__} execution_id={self.execution_id} state={self.state} "
            f"total_row_count={meta.total_row_count} partial={self._is_partial}>"
        )


class Result(_ResultBase):
    """A query result: stream with ``iter_rows()``/``iter_pages()``, or materialize ``rows``."""

    def _refetch(self) -> Callable[[int, int], list[Row]] | None:
        return lambda offset, rows: self._driver.run(self._refetch_flow(offset, rows))

    def __init__(
        self,
        bound: Bound[SyncDriver],
        opened: Opened,
        *,
        reused: bool = False,
        source: Origin | None = None,
        run: str | None = None,
        window: ReadWindow | None = None,
    ) -> None:
        if window is None:  # each read gets the client's wait timeout
            window = ReadWindow(bound.defaults.wait_timeout)
        super().__init__(
            bound.ctx,
            opened,
            reused=reused,
            source=source,
            cache=bound.cache,
            run=run,
            window=window,
        )
        self._driver = bound.driver

    def iter_pages(self, *, typed: bool = False, lenient: bool = False) -> Iterator[list[Row]]:
        """Each page's rows in order; only one page is held at a time (re-iterable).
        ``typed`` as for ``iter_rows``; ``lenient`` keeps a value that does not fit its
        declared type as it came instead of raising (for display)."""
        if not typed:
            yield from self._pages()
            return
        typer = self._typer("string", "bytes", keep_bad=lenient)
        offset = 0
        for rows in self._pages():
            yield typer.convert(rows, offset)
            offset += len(rows)

    def _pages(self) -> Iterator[list[Row]]:
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            yield from self._rows.iter_pages()
            return
        # The next page is fetched (in a worker thread) while the caller works on this one.
        read = self._reading("iter_rows")
        following = functools.partial(self._next_page, read.ctx)
        told = self._progress()
        with read.bounded():
            for rows, _ in prefetched(self._driver, self._page_flow(read.ctx, None), following):
                yield rows
                told(len(rows))

    def iter_rows(self, *, typed: bool = False) -> Iterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page). ``typed=True``
        gives typed values: int (uint256 too), Decimal, UTC datetime, date, bytes."""
        typer = self._typer("string", "bytes") if typed else None
        offset = 0
        for rows in self.iter_pages():
            yield from rows if typer is None else typer.convert(rows, offset)
            offset += len(rows)

    def iter_batches(
        self, *, big_ints: str = "string", binary: str = "bytes", wire: str = "csv"
    ) -> Iterator[pa.RecordBatch]:
        """One ``pyarrow.RecordBatch`` per page with the typed schema; O(page) memory, the next
        page prefetched while this one is parsed. See the README's typed-results section for the options."""
        from .typed import sync_batches

        return sync_batches(self, self._driver, self._plan(big_ints, binary, wire), "iter_batches")

    def to_arrow(
        self, *, big_ints: str = "string", binary: str = "bytes", wire: str = "csv"
    ) -> pa.Table:
        """The whole result as a typed ``pyarrow.Table``."""
        plan = self._plan(big_ints, binary, wire)
        from .typed import sync_batches

        return plan.table(list(sync_batches(self, self._driver, plan, "to_arrow")))

    def to_polars(
        self, *, big_ints: str = "string", binary: str = "hex", wire: str = "csv"
    ) -> pl.DataFrame:
        """The whole result as a typed ``polars.DataFrame``; varbinary as ``0x`` lower-case hex
        text (``binary="hex"``) or bytes (``binary="bytes"``)."""
        from .frames import check_binary, to_polars

        check_binary(binary)
        require("polars")
        read, convert = self._frame_binary(binary)
        return to_polars(self.to_arrow(big_ints=big_ints, binary=read, wire=wire), convert)

    def to_pandas(
        self,
        *,
        dtype_backend: str = "pyarrow",
        big_ints: str = "string",
        binary: str = "hex",
        wire: str = "csv",
    ) -> pd.DataFrame:
        """The whole result as a ``pandas.DataFrame`` (Arrow-backed dtypes by default);
        varbinary as ``0x`` lower-case hex text or, with ``binary="bytes"``, bytes."""
        from .frames import check_backend, check_binary, to_pandas

        check_backend(dtype_backend)
        check_binary(binary)
        require("pandas")
        read, convert = self._frame_binary(binary)
        table = self.to_arrow(big_ints=big_ints, binary=read, wire=wire)
        return to_pandas(table, dtype_backend, convert)

    def to_parquet(
        self,
        path: str | os.PathLike[str],
        *,
        compression: str = "zstd",
        big_ints: str = "string",
        binary: str = "bytes",
        wire: str = "csv",
    ) -> int:
        """Stream the result to a Parquet file batch by batch (O(page) memory); returns rows."""
        from .fanout import WRITER_WORKERS
        from .typed import parquet_writer, sync_batches

        plan = self._plan(big_ints, binary, wire)
        written = 0
        with parquet_writer(path, plan, compression) as writer:
            for batch in sync_batches(self, self._driver, plan, "to_parquet", WRITER_WORKERS):
                writer.write_batch(batch)
                written += batch.num_rows
                del batch  # not held while the next page is awaited
        return written

    def to_dataset(
        self,
        uri: str | os.PathLike[str],
        *,
        partition_by: Sequence[str] | str | None = None,
        format: str = "parquet",
        filesystem: object = None,
        existing: str = "error",
        basename_template: str | None = None,
        big_ints: str = "string",
        binary: str = "bytes",
        wire: str = "csv",
    ) -> WrittenDataset:
        """Stream the typed batches into a (hive-partitioned) dataset at a path or URI
        (``s3://``, ``gs://``, ``file://``) or on ``filesystem``; each file atomic, bounded memory."""
        from .._sweeps.datasets import write_result
        from .fanout import WRITER_WORKERS
        from .typed import sync_batches

        plan = self._plan(big_ints, binary, wire)
        return write_result(
            plan,
            sync_batches(self, self._driver, plan, "to_dataset", WRITER_WORKERS),
            uri,
            partition_by=partition_by,
            format=format,
            filesystem=filesystem,
            existing=existing,
            basename_template=basename_template,
        )

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The Arrow PyCapsule stream of the typed batches: ``pl.from_arrow(result)``,
        ``pa.table(result)``, DuckDB and others read the result without a copy in duneq."""
        require("pyarrow")
        import pyarrow as pa

        plan = self._plan("string", "bytes", "csv")
        from .typed import sync_batches

        reader = pa.RecordBatchReader.from_batches(
            plan.schema, sync_batches(self, self._driver, plan, "the Arrow stream")
        )
        return reader.__arrow_c_stream__(requested_schema)

    @property
    def rows(self) -> RowSequence:
        """All rows, fetched once and kept as compact raw pages (a read-only Sequence)."""
        if self._rows is None:
            read = self._reading("rows")
            with read.bounded():
                plan = self._driver.run(self._plan_flow(read.ctx))
                if plan is None:
                    self._rows = self._driver.run(self._rows_flow(read.ctx))
                else:
                    from .fanout import read_pages

                    pages = list(read_pages(self._driver, self._json_steps(read.ctx, plan)))
                    self._rows = self._finish_rows(pages)
        return self._rows

    def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        read = self._reading("to_csv")
        with read.bounded():
            from .fanout import download_csv

            plan = self._driver.run(self._csv_plan(read.ctx, dest))
            return download_csv(self._driver, read.ctx, plan, dest)


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
        window: ReadWindow | None = None,
    ) -> None:
        if window is None:  # each read gets the client's wait timeout
            window = ReadWindow(bound.defaults.wait_timeout)
        super().__init__(
            bound.ctx,
            opened,
            reused=reused,
            source=source,
            cache=bound.cache,
            run=run,
            window=window,
        )
        self._driver = bound.driver

    async def iter_pages(
        self, *, typed: bool = False, lenient: bool = False
    ) -> AsyncGenerator[list[Row], None]:
        """Each page's rows in order; only one page is held at a time (re-iterable).
        ``typed`` as for ``iter_rows``; ``lenient`` keeps a value that does not fit its
        declared type as it came instead of raising (for display)."""
        typer = self._typer("string", "bytes", keep_bad=lenient) if typed else None
        offset = 0
        pages = self._pages()
        try:
            async for rows in pages:
                yield rows if typer is None else typer.convert(rows, offset)
                offset += len(rows)
        finally:
            await pages.aclose()

    async def _pages(self) -> AsyncGenerator[list[Row], None]:
        if self._rows is not None:  # already downloaded: never fetch (and pay for) it again
            for kept in self._rows.iter_pages():
                yield kept
            return
        # The next page is fetched (by a task) while the caller works on this one.
        read = self._reading("iter_rows")
        following = functools.partial(self._next_page, read.ctx)
        pages = aprefetched(self._driver, self._page_flow(read.ctx, None), following)
        told = self._progress()
        try:
            with read.bounded():
                async for rows, _ in pages:
                    yield rows
                    told(len(rows))
        finally:
            await pages.aclose()

    async def iter_rows(self, *, typed: bool = False) -> AsyncIterator[Row]:
        """Every row in order, fetched page by page (memory stays at one page). ``typed=True``
        gives typed values: int (uint256 too), Decimal, UTC datetime, date, bytes."""
        typer = self._typer("string", "bytes") if typed else None
        offset = 0
        pages = self.iter_pages()
        try:
            async for rows in pages:
                for row in rows if typer is None else typer.convert(rows, offset):
                    yield row
                offset += len(rows)
        finally:
            await pages.aclose()

    async def iter_batches(
        self, *, big_ints: str = "string", binary: str = "bytes", wire: str = "csv"
    ) -> AsyncIterator[pa.RecordBatch]:
        """``async for`` one typed ``pyarrow.RecordBatch`` per page (next page prefetched)."""
        from .typed import async_batches

        batches = async_batches(
            self, self._driver, self._plan(big_ints, binary, wire), "iter_batches"
        )
        try:
            async for batch in batches:
                yield batch
        finally:
            await batches.aclose()

    async def to_arrow(
        self, *, big_ints: str = "string", binary: str = "bytes", wire: str = "csv"
    ) -> pa.Table:
        """``await result.to_arrow()``: the whole result as a typed ``pyarrow.Table``."""
        from .typed import async_batches

        plan = self._plan(big_ints, binary, wire)
        return plan.table([b async for b in async_batches(self, self._driver, plan, "to_arrow")])

    async def to_polars(
        self, *, big_ints: str = "string", binary: str = "hex", wire: str = "csv"
    ) -> pl.DataFrame:
        """``await result.to_polars()``: a typed ``polars.DataFrame`` (varbinary as hex text)."""
        from .frames import check_binary, to_polars

        check_binary(binary)
        require("polars")
        read, convert = self._frame_binary(binary)
        table = await self.to_arrow(big_ints=big_ints, binary=read, wire=wire)
        return to_polars(table, convert)

    async def to_pandas(
        self,
        *,
        dtype_backend: str = "pyarrow",
        big_ints: str = "string",
        binary: str = "hex",
        wire: str = "csv",
    ) -> pd.DataFrame:
        """``await result.to_pandas()``: Arrow-backed dtypes by default, varbinary as hex text."""
        from .frames import check_backend, check_binary, to_pandas

        check_backend(dtype_backend)
        check_binary(binary)
        require("pandas")
        read, convert = self._frame_binary(binary)
        table = await self.to_arrow(big_ints=big_ints, binary=read, wire=wire)
        return to_pandas(table, dtype_backend, convert)

    async def to_parquet(
        self,
        path: str | os.PathLike[str],
        *,
        compression: str = "zstd",
        big_ints: str = "string",
        binary: str = "bytes",
        wire: str = "csv",
    ) -> int:
        """Stream the result to a Parquet file batch by batch (O(page) memory); returns rows."""
        import asyncio

        from .fanout import WRITER_WORKERS
        from .typed import async_batches, parquet_writer

        plan = self._plan(big_ints, binary, wire)
        written = 0
        with parquet_writer(path, plan, compression) as writer:
            async for batch in async_batches(
                self, self._driver, plan, "to_parquet", WRITER_WORKERS
            ):
                await asyncio.to_thread(writer.write_batch, batch)
                written += batch.num_rows
        return written

    async def to_dataset(
        self,
        uri: str | os.PathLike[str],
        *,
        partition_by: Sequence[str] | str | None = None,
        format: str = "parquet",
        filesystem: object = None,
        existing: str = "error",
        basename_template: str | None = None,
        big_ints: str = "string",
        binary: str = "bytes",
        wire: str = "csv",
    ) -> WrittenDataset:
        """``await result.to_dataset(uri, ...)``: as ``Result.to_dataset`` (written from a
        worker thread, one batch in hand at a time)."""
        from .._sweeps.datasets import awrite_result
        from .fanout import WRITER_WORKERS
        from .typed import async_batches

        plan = self._plan(big_ints, binary, wire)
        return await awrite_result(
            plan,
            async_batches(self, self._driver, plan, "to_dataset", WRITER_WORKERS),
            uri,
            partition_by=partition_by,
            format=format,
            filesystem=filesystem,
            existing=existing,
            basename_template=basename_template,
        )

    async def _materialize(self) -> RowSequence:
        if self._rows is None:
            read = self._reading("rows")
            with read.bounded():
                plan = await self._driver.run(self._plan_flow(read.ctx))
                if plan is None:
                    self._rows = await self._driver.run(self._rows_flow(read.ctx))
                else:
                    from .fanout import aread_pages

                    async def keep(page: Page) -> list[Row] | RawPage:
                        return self._kept(page)

                    steps = self._json_steps(read.ctx, plan)
                    pages = [p async for p in aread_pages(self._driver, steps, keep)]
                    self._rows = self._finish_rows(pages)
        return self._rows

    @property
    def rows(self) -> Awaitable[RowSequence]:
        """``await result.rows``: all rows as a compact read-only Sequence (fetched once)."""
        return self._materialize()

    async def to_csv(self, dest: CsvDest) -> int:
        """Stream this result as CSV to a path or writable, page by page, with one header row.
        Returns the number of bytes written."""
        read = self._reading("to_csv")
        with read.bounded():
            from .fanout import adownload_csv

            plan = await self._driver.run(self._csv_plan(read.ctx, dest))
            return await adownload_csv(self._driver, read.ctx, plan, dest)


__all__ = ["AsyncResult", "Result"]
