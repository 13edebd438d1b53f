"""Bounded prefetch over flows: while the caller works on item k, item k+1 is being fetched
(sync: in one worker thread; async: in one task). Never more than one fetch ahead, so a
streamed read holds at most two pages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .._flows.context import Flow
from .._transport.drivers import AsyncDriver, SyncDriver

T = TypeVar("T")
NextFlow = Callable[[T], "Flow[T] | None"]


def prefetched(driver: SyncDriver, first: Flow[T], following: NextFlow[T]) -> Iterator[T]:
    """Run ``first``, then each ``following(item)`` flow, one ahead of the caller."""
    item = driver.run(first)
    with ThreadPoolExecutor(1, thread_name_prefix="duneq-prefetch") as pool:
        pending: Future[T] | None = None
        try:
            while True:
                flow = following(item)
                pending = pool.submit(driver.run, flow) if flow is not None else None
                yield item
                del item
                if pending is None:
                    return
                item = pending.result()
                pending = None
        finally:
            if pending is not None:
                pending.cancel()


async def aprefetched(
    driver: AsyncDriver, first: Flow[T], following: NextFlow[T]
) -> AsyncGenerator[T, None]:
    """The async twin of ``prefetched``: the next fetch runs as a task meanwhile."""
    import asyncio

    item = await driver.run(first)
    task: asyncio.Future[T] | None = None
    try:
        while True:
            flow = following(item)
            task = asyncio.ensure_future(driver.run(flow)) if flow is not None else None
            yield item
            del item
            if task is None:
                return
            item = await task
            task = None
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
