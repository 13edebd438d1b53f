"""The result reader's drivers: a read's pages fetched a few at a time by offset and delivered
in order (sync: worker threads, each parsing the page it fetched; async: tasks, parsing in a
thread). At most ``workers + 1`` pages are fetched or waiting at once, besides the one the
caller holds, so memory stays within ``WORKERS + 2`` pages (each at most 250,000 datapoints by
default). When a page does not end where the plan cut it, the pages planned after it are
dropped and the rest is read by following the server's announced offsets one page at a time
(the next one prefetched)."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Generic, TypeVar

from .._flows.context import Flow, FlowContext
from .._flows.csv import CsvDest, CsvWriter
from .._flows.reader import CsvPage, ReadPlan, csv_page, following, follows
from .._protocol import FetchProgress
from .._transport.drivers import AsyncDriver, SyncDriver

if TYPE_CHECKING:
    import asyncio

P = TypeVar("P")
R = TypeVar("R")

#: Connections a read uses at once (it holds at most one page more than this ahead of the caller).
WORKERS = 3
#: Fetchers a read that feeds a file writer (``to_parquet``, ``to_dataset``) starts with. While
#: the encoder on the caller's thread is the slow side, more fetchers only fill the window with
#: parsed pages waiting, and each keeps its own allocator heap (measured at 5M rows on loopback:
#: RSS growth of ``to_parquet`` about 170 MB with 3, about 120 MB with 1). Once the caller has
#: waited for pages twice as long as it spent using them (the link is the slow side; see
#: ``Growth``), the read grows to ``WORKERS``.
WRITER_WORKERS = 1
#: The pages a writer's read measures before it may grow, and the least wait per page that
#: counts (scheduling noise below it).
GROWTH_PAGES = 8
MIN_WAIT_S = 0.005


class PageSteps(Generic[P, R]):
    """What a read does per page: ``fetch(offset, needed)`` is the page's flow, ``announced``
    its next offset as the server said, ``work`` turns it into what the caller gets (a
    parse; it runs where the page was fetched)."""

    def __init__(
        self,
        plan: ReadPlan,
        fetch: Callable[[int, int], Flow[P]],
        announced: Callable[[P], int | None],
        work: Callable[[P], R],
        *,
        measure: Callable[[P], tuple[int, int]] | None = None,
        ctx: FlowContext | None = None,
        execution_id: str = "",
        workers: int = WORKERS,
        start: int | None = None,
    ) -> None:
        self.plan, self.fetch, self.announced, self.work = plan, fetch, announced, work
        #: Pages fetched at once (at most; ``start`` at first, see ``Growth``); at most
        #: ``workers + 1`` are fetched or waiting.
        self.workers = max(workers, 1)
        self.start = self.workers if start is None else min(max(start, 1), self.workers)
        self._measure, self._on_fetch, self._eid = (
            measure,
            ctx.on_fetch if ctx else None,
            execution_id,
        )
        self._pages = self._rows = self._bytes = 0

    def delivered(self, size: tuple[int, int]) -> None:
        """Tell ``on_fetch`` that one more page (``size``: rows, bytes) reached the caller."""
        if self._on_fetch is None:
            return
        self._pages += 1
        self._rows += size[0]
        self._bytes += size[1]
        plan = self.plan
        pages = None if plan.rows is None else max(-(-plan.rows // plan.size), 1)
        self._on_fetch(
            FetchProgress(self._eid, self._pages, self._rows, self._bytes, plan.rows, pages)
        )

    def size(self, page: P) -> tuple[int, int]:
        return self._measure(page) if self._measure is not None else (0, 0)

    def needed(self, offset: int) -> int:
        """Requests this read still has to send from ``offset`` (for the rate limiter)."""
        end = self.plan.end
        if end is None:
            return 1
        return max((end - offset + self.plan.size - 1) // self.plan.size, 1)


class Growth:
    """When a read that started with fewer fetchers grows to all of them: once the caller has,
    over ``GROWTH_PAGES`` pages or more, waited for pages twice as long as it spent using them
    (the link is the slow side, not the caller; measured on loopback it waits about a tenth)."""

    def __init__(self, start: int, most: int) -> None:
        self.active, self.most = start, most
        self._pages = 0
        self._waited = self._busy = 0.0
        self._handed: float | None = None

    def handing(self) -> None:
        """The caller is about to get a page."""
        self._handed = time.monotonic()

    def back(self) -> None:
        """The caller asks for the next page."""
        if self._handed is not None:
            self._busy += time.monotonic() - self._handed
            self._pages += 1

    def waited(self, seconds: float) -> bool:
        """Note a wait for a page; True when the read should now grow to ``most``."""
        if self.active >= self.most or self._handed is None:
            return False
        self._waited += seconds
        floor = max(2 * self._busy, MIN_WAIT_S * self._pages)
        if self._pages < GROWTH_PAGES or self._waited <= floor:
            return False
        self.active = self.most
        return True


def read_pages(driver: SyncDriver, steps: PageSteps[P, R]) -> Iterator[R]:
    """Every page's ``work`` in order: the first page alone (it tells whether the server
    keeps the plan's page size), then the planned offsets on ``steps.start`` threads, grown to
    ``steps.workers`` when the link is the slow side (``Growth``)."""
    plan = steps.plan
    growth = Growth(steps.start, steps.workers)

    def job(offset: int) -> tuple[R, int | None, tuple[int, int]]:
        page = driver.run(steps.fetch(offset, steps.needed(offset)))
        return steps.work(page), steps.announced(page), steps.size(page)

    result, announced, size = job(plan.start)
    if not follows(plan, plan.start, announced):
        yield result
        steps.delivered(size)
        yield from _follow(driver, steps, following(plan, plan.start, announced))
        return
    todo = iter(plan.offsets(plan.start + plan.size))
    pools = [ThreadPoolExecutor(growth.active, thread_name_prefix="duneq-read")]
    pending: deque[tuple[int, Future[tuple[R, int | None, tuple[int, int]]]]] = deque()

    def top_up() -> None:
        while len(pending) < growth.active + 1:
            more = next(todo, None)
            if more is None:
                return
            pending.append((more, pools[-1].submit(job, more)))

    try:
        top_up()  # the next pages are on their way while the caller takes the first one
        growth.handing()
        yield result
        growth.back()
        del result
        steps.delivered(size)
        while pending:
            offset, future = pending.popleft()
            started = time.monotonic()
            result, announced, size = future.result()
            if growth.waited(time.monotonic() - started):
                pools[0].shutdown(wait=False)  # its queued pages still run
                pools.append(ThreadPoolExecutor(growth.active, thread_name_prefix="duneq-read"))
            top_up()
            growth.handing()
            yield result
            growth.back()
            del result
            steps.delivered(size)
            if not follows(plan, offset, announced):
                for _, dropped in pending:
                    dropped.cancel()
                pending.clear()
                yield from _follow(driver, steps, following(plan, offset, announced))
                return
    finally:
        for _, left in pending:
            left.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _follow(driver: SyncDriver, steps: PageSteps[P, R], offset: int | None) -> Iterator[R]:
    """The pages from ``offset`` by the server's announcements, the next one prefetched."""
    if offset is None:
        return
    plan = steps.plan

    def job(at: int) -> tuple[R, int | None, tuple[int, int]]:
        page = driver.run(steps.fetch(at, steps.needed(at)))
        return steps.work(page), following(plan, at, steps.announced(page)), steps.size(page)

    with ThreadPoolExecutor(1, thread_name_prefix="duneq-read") as pool:
        pending: Future[tuple[R, int | None, tuple[int, int]]] | None = pool.submit(job, offset)
        try:
            while pending is not None:
                result, nxt, size = pending.result()
                pending = pool.submit(job, nxt) if nxt is not None else None
                yield result
                del result
                steps.delivered(size)
        finally:
            if pending is not None:
                pending.cancel()


async def aread_pages(
    driver: AsyncDriver,
    steps: PageSteps[P, R],
    work: Callable[[P], Awaitable[R]],
) -> AsyncIterator[R]:
    """The async twin of ``read_pages``: pages fetched by up to ``steps.start`` tasks at once
    (grown to ``steps.workers`` as ``read_pages`` does), each page's ``work`` awaited (a parse
    in a thread), delivered in order."""
    import asyncio

    plan = steps.plan
    growth = Growth(steps.start, steps.workers)

    async def job(offset: int) -> tuple[R, int | None, tuple[int, int]]:
        page = await driver.run(steps.fetch(offset, steps.needed(offset)))
        return await work(page), steps.announced(page), steps.size(page)

    result, announced, size = await job(plan.start)
    if not follows(plan, plan.start, announced):
        yield result
        steps.delivered(size)
        async for item in _afollow(driver, steps, work, following(plan, plan.start, announced)):
            yield item
        return
    todo = iter(plan.offsets(plan.start + plan.size))
    pending: deque[tuple[int, asyncio.Task[tuple[R, int | None, tuple[int, int]]]]] = deque()
    limit = asyncio.Semaphore(growth.active)

    async def limited(offset: int) -> tuple[R, int | None, tuple[int, int]]:
        async with limit:
            return await job(offset)

    def top_up() -> None:
        while len(pending) < growth.active + 1:
            more = next(todo, None)
            if more is None:
                return
            pending.append((more, asyncio.ensure_future(limited(more))))

    try:
        top_up()
        growth.handing()
        yield result
        growth.back()
        del result
        steps.delivered(size)
        while pending:
            offset, task = pending.popleft()
            started = time.monotonic()
            result, announced, size = await task
            before = growth.active
            if growth.waited(time.monotonic() - started):
                for _ in range(growth.active - before):
                    limit.release()
            top_up()
            growth.handing()
            yield result
            growth.back()
            del result
            steps.delivered(size)
            if not follows(plan, offset, announced):
                await _cancel(pending)
                nxt = following(plan, offset, announced)
                async for item in _afollow(driver, steps, work, nxt):
                    yield item
                return
    finally:
        await _cancel(pending)


async def _cancel(
    pending: deque[tuple[int, asyncio.Task[tuple[R, int | None, tuple[int, int]]]]],
) -> None:
    for _, task in pending:
        task.cancel()
    for _, task in pending:
        with contextlib.suppress(BaseException):
            await task
    pending.clear()


async def _afollow(
    driver: AsyncDriver,
    steps: PageSteps[P, R],
    work: Callable[[P], Awaitable[R]],
    offset: int | None,
) -> AsyncIterator[R]:
    plan = steps.plan
    while offset is not None:
        page = await driver.run(steps.fetch(offset, steps.needed(offset)))
        nxt, size = following(plan, offset, steps.announced(page)), steps.size(page)
        yield await work(page)
        steps.delivered(size)
        offset = nxt


def csv_steps(ctx: FlowContext, plan: ReadPlan) -> PageSteps[CsvPage, CsvPage]:
    """A CSV download's pages: verified, handed over as they are."""

    def fetch(offset: int, needed: int) -> Flow[CsvPage]:
        return csv_page(ctx, plan, offset, needed)

    return PageSteps(
        plan,
        fetch,
        lambda page: page.announced,
        lambda page: page,
        measure=csv_size,
        ctx=ctx,
        execution_id=str(plan.source),
    )


def csv_size(page: CsvPage) -> tuple[int, int]:
    """A CSV page's rows and body bytes, for progress."""
    return page.rows, len(page.data)


def download_csv(driver: SyncDriver, ctx: FlowContext, plan: ReadPlan, dest: CsvDest) -> int:
    """Every verified CSV page of ``plan`` written to ``dest`` in order, fetched a few at once;
    returns bytes written."""
    writer = CsvWriter(dest)
    try:
        for page in read_pages(driver, csv_steps(ctx, plan)):
            writer.add(page)
    finally:
        written = writer.close()
    return written


async def adownload_csv(
    driver: AsyncDriver, ctx: FlowContext, plan: ReadPlan, dest: CsvDest
) -> int:
    """The async twin of ``download_csv`` (the writes run in a thread)."""
    import asyncio

    writer = CsvWriter(dest)

    async def keep(page: CsvPage) -> CsvPage:
        return page

    pages = aread_pages(driver, csv_steps(ctx, plan), keep)
    try:
        async for page in pages:
            await asyncio.to_thread(writer.add, page)
    finally:
        await pages.aclose()  # type: ignore[attr-defined]
        written = await asyncio.to_thread(writer.close)
    return written
