"""The result reader's drivers: a read's pages fetched a few at a time by offset and delivered
in order (sync: worker threads, each parsing the page it fetched; async: tasks, parsing in a
thread). At most ``window`` pages are fetched or waiting at once, so memory stays within
``window`` pages (each at most 250,000 datapoints by default). When a page does not end where
the plan cut it, the pages planned after it are dropped and the rest is read by following the
server's announced offsets one page at a time (the next one prefetched)."""

from __future__ import annotations

import contextlib
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

#: Connections a read uses at once, and pages it may hold ahead of the caller.
WORKERS = 3
WINDOW = WORKERS + 1


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
    ) -> None:
        self.plan, self.fetch, self.announced, self.work = plan, fetch, announced, work
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


def read_pages(driver: SyncDriver, steps: PageSteps[P, R]) -> Iterator[R]:
    """Every page's ``work`` in order: the first page alone (it tells whether the server
    keeps the plan's page size), then the planned offsets on ``WORKERS`` threads."""
    plan = steps.plan

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
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="duneq-read")
    pending: deque[tuple[int, Future[tuple[R, int | None, tuple[int, int]]]]] = deque()
    try:
        # the next pages are on their way while the caller takes the first one
        for offset in todo:
            pending.append((offset, pool.submit(job, offset)))
            if len(pending) >= WINDOW:
                break
        yield result
        del result
        steps.delivered(size)
        while pending:
            offset, future = pending.popleft()
            result, announced, size = future.result()
            for more in todo:
                pending.append((more, pool.submit(job, more)))
                break
            yield result
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
    """The async twin of ``read_pages``: pages fetched by up to ``WORKERS`` tasks, each
    page's ``work`` awaited (a parse in a thread), delivered in order."""
    import asyncio

    plan = steps.plan

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
    limit = asyncio.Semaphore(WORKERS)

    async def limited(offset: int) -> tuple[R, int | None, tuple[int, int]]:
        async with limit:
            return await job(offset)

    try:
        for offset in todo:
            pending.append((offset, asyncio.ensure_future(limited(offset))))
            if len(pending) >= WINDOW:
                break
        yield result
        del result
        steps.delivered(size)
        while pending:
            offset, task = pending.popleft()
            result, announced, size = await task
            for more in todo:
                pending.append((more, asyncio.ensure_future(limited(more))))
                break
            yield result
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
