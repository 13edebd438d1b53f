"""Typed results over the shared flows: the plan of a read, page fetches (CSV or JSON), the
JSON settling of ambiguous CSV cells, and the sync and async batch pipelines with a bounded
prefetch (page k+1 is in flight while page k is parsed; at most one page ahead)."""

from __future__ import annotations

import html
import os
from collections.abc import AsyncGenerator, Generator, Iterator
from typing import TYPE_CHECKING, Any

from .._flows.context import Flow, FlowContext
from .._flows.pages import after, merge_page
from .._flows.typed import fetch_csv_page, fetch_json_columns
from .._optional import require
from .._transport.drivers import AsyncDriver, SyncDriver
from .prefetch import NextFlow, aprefetched, prefetched

if TYPE_CHECKING:
    import pyarrow as pa

    from .._flows.reader import CsvPage, CsvParse, ReadPlan
    from .fanout import PageSteps
    from .plan import ParsedPage, TypedPage, TypedPlan
    from .source import TypedSource

ParquetDest = str | os.PathLike[str]
HTML_ROWS = 10


def plan_for(base: TypedSource, big_ints: str, binary: str, wire: str) -> TypedPlan:
    """The plan of one typed read; its schema comes from the first page's column types."""
    require("pyarrow")
    from .plan import TypedPlan

    meta = base._page_meta.get(base._first_offset)
    names = meta.column_names if meta is not None else []
    types = meta.column_types if meta is not None else []
    if not names and base.status.result_metadata is not None:
        names = base.status.result_metadata.column_names
        types = base.status.result_metadata.column_types
    return TypedPlan(
        names, types, big_ints=big_ints, binary=binary, wire=wire, execution_id=base.execution_id
    )


def take_first(base: TypedSource) -> TypedPage | None:
    """The held first page, released when more pages follow (as ``iter_pages`` does)."""
    from .plan import TypedPage

    rows = base._first_rows
    if rows is None:
        return None
    if base._after_first is not None:
        base._first_rows = None
    return TypedPage(base._first_offset, base._after_first, rows=rows)


def typed_fetch(
    base: TypedSource, ctx: FlowContext, plan: TypedPlan, offset: int
) -> Flow[TypedPage]:
    """Fetch the page at ``offset`` on the plan's wire path."""
    from .plan import TypedPage

    if plan.wire == "csv":
        csv = yield from fetch_csv_page(ctx, base.execution_id, base._options, offset)
        return TypedPage(offset, csv.next_offset, csv=csv.data)
    # counted when fetched: a short page is fetched again like a broken body
    page = yield from base._fetch(ctx, offset, decode=False, count=True)
    merge_page(base._page_meta, page)
    return TypedPage(offset, after(page, base._options), raw=page.raw, rows=page.rows)


def settle(
    base: TypedSource, ctx: FlowContext, plan: TypedPlan, parsed: ParsedPage
) -> Flow[pa.RecordBatch]:
    """The page's batch; text columns with empty CSV fields are re-read as JSON (only those
    columns of that page), because CSV cannot tell an empty string from NULL."""
    if not parsed.ambiguous:
        return parsed.batch
    rows = yield from fetch_json_columns(
        ctx,
        base.execution_id,
        base._options,
        parsed.offset,
        list(parsed.ambiguous),
        parsed.batch.num_rows,
    )
    return plan.settle(parsed, rows)


def _first_flow(base: TypedSource, ctx: FlowContext, plan: TypedPlan) -> Flow[TypedPage]:
    """The held first page (no request), or a fetch of it when a pass already released it."""
    held = take_first(base)
    if held is not None:
        return held
    return (yield from typed_fetch(base, ctx, plan, base._first_offset))


def _following(base: TypedSource, ctx: FlowContext, plan: TypedPlan) -> NextFlow[TypedPage]:
    def following(page: TypedPage) -> Flow[TypedPage] | None:
        if page.next_offset is None:
            return None
        return typed_fetch(base, ctx, plan, page.next_offset)

    return following


# -- the local cache: a complete typed pass becomes an Arrow IPC entry, which later reads serve


def cached_batches(base: TypedSource, plan: TypedPlan) -> list[pa.RecordBatch] | None:
    """The batches of this read from an Arrow cache entry of the same schema (memory-mapped,
    no request, no parse), or None; an entry that does not read back is discarded."""
    cache = base._arrow_store
    if cache is None:
        return None
    from .._cache.arrow import read_batches, type_key

    types = type_key(plan.options)
    hit = base._hit
    if hit is None or not hit.is_arrow or hit.footer.get("type_options") != types:
        hit = cache.get_arrow(base.execution_id, base._options, types)
    if hit is None or hit.payload is None:
        return None
    try:
        return read_batches(hit.payload, plan.schema)
    except (ValueError, OSError, pa_errors()) as exc:
        cache.discard_entry(base.execution_id, base._options, types, str(exc))
        return None


def pa_errors() -> type[Exception]:
    """pyarrow's exception base (pyarrow is imported only once a typed read runs)."""
    import pyarrow as pa

    error: type[Exception] = pa.ArrowException
    return error


class _Tee:
    """Writes the batches of one typed pass to an Arrow entry; only a complete pass commits."""

    def __init__(self, base: TypedSource, plan: TypedPlan) -> None:
        self._base, self._plan = base, plan
        self._writer: Any = None
        cache = base._arrow_store
        if cache is None:
            return
        from .._cache.arrow import type_key

        try:
            self._writer = cache.arrow_writer(
                base.execution_id, base._options, base._run, type_key(plan.options), plan.schema
            )
        except OSError as exc:
            base._cache_failed(exc)

    def add(self, batch: pa.RecordBatch) -> None:
        if self._writer is None:
            return
        try:
            self._writer.add(batch)
        except (OSError, pa_errors()) as exc:
            self.abort()
            self._base._cache_failed(OSError(str(exc)))

    def commit(self) -> None:
        writer, self._writer = self._writer, None
        cache, base = self._base._arrow_store, self._base
        if writer is None or cache is None:
            return
        from .._cache.arrow import rows_exact, type_key

        dtypes = self._plan.parser.dtypes
        footer = cache.footer(
            base._status,
            base._options,
            is_partial=base._is_partial,
            run=base._run,
            column_names=self._plan.parser.names,
            column_types=[d.text for d in dtypes],
        )
        footer["type_options"] = type_key(self._plan.options)
        footer["rows_exact"] = rows_exact(dtypes, self._plan.options)
        try:
            writer.commit(footer)
        except (OSError, pa_errors()) as exc:
            writer.abort()
            base._cache_failed(OSError(str(exc)))

    def abort(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.abort()


def sync_batches(
    base: TypedSource, driver: SyncDriver, plan: TypedPlan, what: str, workers: int | None = None
) -> Generator[pa.RecordBatch, None, None]:
    """One batch per page (from an Arrow cache entry when there is one); a complete pass is
    written to the cache as an Arrow entry. Every request is kept within the read's deadline
    (``what`` names the read in its ExecutionTimeout); ``workers``: the fetchers the read
    starts with (all ``_fanout.WORKERS`` by default; ``WRITER_WORKERS`` for file writers)."""
    hit = cached_batches(base, plan)
    if hit is not None:
        yield from hit
        return
    tee = _Tee(base, plan)
    read = base._reading(what)
    try:
        with read.bounded():
            for batch in _sync_batches(base, driver, plan, read.ctx, workers):
                tee.add(batch)
                yield batch
        tee.commit()
    finally:
        tee.abort()


async def async_batches(
    base: TypedSource, driver: AsyncDriver, plan: TypedPlan, what: str, workers: int | None = None
) -> AsyncGenerator[pa.RecordBatch, None]:
    """The async twin of ``sync_batches``."""
    import asyncio

    hit = await asyncio.to_thread(cached_batches, base, plan)
    if hit is not None:
        for batch in hit:
            yield batch
        return
    tee = _Tee(base, plan)
    read = base._reading(what)
    batches = _async_batches(base, driver, plan, read.ctx, workers)
    try:
        with read.bounded():
            async for batch in batches:
                tee.add(batch)
                yield batch
        await asyncio.to_thread(tee.commit)
    finally:
        tee.abort()
        await batches.aclose()


def _csv_steps(
    base: TypedSource,
    ctx: FlowContext,
    reader: ReadPlan,
    work: Any,
    workers: int | None = None,
    parse: CsvParse | None = None,
) -> PageSteps[CsvPage, Any]:
    from .._flows.reader import csv_page
    from .fanout import WORKERS, PageSteps, csv_size

    def fetch(offset: int, needed: int) -> Flow[CsvPage]:
        return csv_page(ctx, reader, offset, needed, parse)

    return PageSteps(
        reader,
        fetch,
        lambda page: page.announced,
        work,
        measure=csv_size,
        ctx=base._ctx,
        execution_id=base.execution_id,
        workers=WORKERS,
        start=workers,
    )


def parse_verified(base: TypedSource, plan: TypedPlan, page: CsvPage) -> ParsedPage:
    """A verified CSV page as a batch; its parsed row count must be its verified count."""
    from .._errors import ResponseValidationError
    from .plan import ParsedPage, TypedPage

    if isinstance(page.parsed, ParsedPage):
        return page.parsed  # parsed while it was verified: its rows are the verified count
    parsed = plan.parse(TypedPage(page.offset, page.announced, csv=page.data))
    if parsed.batch.num_rows != page.rows:
        raise ResponseValidationError(
            f"CSV page at offset {page.offset} of execution {base.execution_id}: "
            f"{page.rows} records parsed as {parsed.batch.num_rows} rows",
            execution_id=base.execution_id,
        )
    return parsed


def _sync_batches(
    base: TypedSource,
    driver: SyncDriver,
    plan: TypedPlan,
    ctx: FlowContext,
    workers: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """One batch per page: CSV pages fetched a few at a time by offset, each verified and
    parsed in the thread that fetched it, delivered in order (see ``_results.fanout``)."""
    if base._rows is not None:  # already downloaded: never fetch (and pay for) it again
        for part, offset in base._rows.parts():  # counted: no short batch
            yield plan.part(part, offset)
        return
    reader = driver.run(base._plan_flow(ctx)) if plan.wire == "csv" else None
    if reader is None:
        pages = prefetched(driver, _first_flow(base, ctx, plan), _following(base, ctx, plan))
        for page in pages:
            yield driver.run(settle(base, ctx, plan, plan.parse(page)))
        return
    from .fanout import read_pages
    from .plan import TypedPage

    def parse(data: bytes, offset: int) -> tuple[ParsedPage, int]:
        parsed = plan.parse(TypedPage(offset, None, csv=data))
        return parsed, parsed.batch.num_rows

    def work(page: CsvPage) -> pa.RecordBatch:
        return driver.run(settle(base, ctx, plan, parse_verified(base, plan, page)))

    # the page is parsed where it is verified (in the thread that fetched it): the parse is
    # its record count, and a page that does not parse is fetched again like a short one
    yield from read_pages(driver, _csv_steps(base, ctx, reader, work, workers, parse))


async def _async_batches(
    base: TypedSource,
    driver: AsyncDriver,
    plan: TypedPlan,
    ctx: FlowContext,
    workers: int | None = None,
) -> AsyncGenerator[pa.RecordBatch, None]:
    """One batch per page; the next page is fetched by a task while a thread parses this one."""
    import asyncio

    if base._rows is not None:
        for part, offset in base._rows.parts():
            yield plan.part(part, offset)
        return
    reader = await driver.run(base._plan_flow(ctx)) if plan.wire == "csv" else None
    if reader is None:
        pages = aprefetched(driver, _first_flow(base, ctx, plan), _following(base, ctx, plan))
        try:
            async for page in pages:
                parsed = await asyncio.to_thread(plan.parse, page)
                yield await driver.run(settle(base, ctx, plan, parsed))
        finally:
            await pages.aclose()
        return
    from .fanout import aread_pages

    async def work(page: CsvPage) -> pa.RecordBatch:
        parsed = await asyncio.to_thread(parse_verified, base, plan, page)
        return await driver.run(settle(base, ctx, plan, parsed))

    steps = _csv_steps(base, ctx, reader, None, workers)
    batches = aread_pages(driver, steps, work)
    try:
        async for batch in batches:
            yield batch
    finally:
        await batches.aclose()  # type: ignore[attr-defined]


def parquet_writer(dest: ParquetDest, plan: TypedPlan, compression: str) -> Any:
    """A ``pyarrow.parquet.ParquetWriter`` for the plan's schema."""
    pq = require("pyarrow.parquet")
    return pq.ParquetWriter(os.fspath(dest), plan.schema, compression=compression)


def repr_html(base: TypedSource) -> str:
    """A small HTML summary for notebooks from what is already in hand (no request)."""
    meta = base.metadata
    rows = base._first_rows
    if not rows and base._rows is not None:
        rows = base._rows[:HTML_ROWS]
    shown = (rows or [])[:HTML_ROWS]
    names = meta.column_names or (list(shown[0]) if shown else [])
    types = dict(zip(meta.column_names, meta.column_types, strict=False))
    esc = html.escape
    head = "".join(f"<th>{esc(n)}<br><small>{esc(types.get(n, ''))}</small></th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(_cell(r.get(n)))}</td>" for n in names) + "</tr>" for r in shown
    )
    cost = base.cost_credits
    total = meta.total_row_count
    facts = [
        f"<b>{esc(type(base).__name__)}</b> {esc(base.execution_id)}",
        f"state {esc(str(base.state))}" + (" (partial)" if base.is_partial else ""),
        f"{total if total is not None else '?'} rows, {len(names)} columns",
        f"cost {cost:g} credits" if cost is not None else "cost not reported",
    ]
    if not shown and total:
        more = "<p>no rows fetched yet (<code>.rows</code>, <code>to_arrow()</code>)</p>"
    elif total is None or total <= len(shown):
        more = ""
    else:
        more = f"<p>first {len(shown)} rows</p>"
    return (
        f"<div><p>{' · '.join(facts)}</p><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{more}</div>"
    )


def _cell(value: Any) -> str:
    return "NULL" if value is None else str(value)
