"""The one set of client helpers of the sync/async tests against the emulator: each scenario is
written once as a coroutine and runs with ``Client`` (``aw`` returns plain values) and
``AsyncClient`` (``aw`` awaits them)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import duneq
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

MODES = ["sync", "async"]
FAST_POLL = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)


async def aw(value: Any) -> Any:
    """Await ``value`` if it is awaitable (async client), else return it (sync client)."""
    return await value if inspect.isawaitable(value) else value


async def collect(iterable: Any) -> list[Any]:
    """The items of a sync or async iterable."""
    if hasattr(iterable, "__aiter__"):
        return [item async for item in iterable]
    return list(iterable)


def make(
    mode: str,
    emu: EmulatorHandle,
    sleeps: list[float] | None = None,
    *,
    real_time: bool = False,
    **kw: Any,
) -> Any:
    """A client of the given mode that polls often and, unless ``real_time`` (a test about the
    wall clock), waits on the emulator's clock; with ``sleeps``, every sleep's length is kept."""
    emu_time = EmulatorTime(emu)
    if sleeps is not None:

        def recorded(seconds: float) -> None:
            sleeps.append(seconds)
            emu_time.sleep(seconds)

        kw["sleep"] = recorded
    if not real_time:
        for name, value in emu_time.client_kwargs(asynchronous=mode == "async").items():
            kw.setdefault(name, value)
    cls = duneq.Client if mode == "sync" else duneq.AsyncClient
    kw.setdefault("poll", FAST_POLL)
    return cls(api_key=emu.api_key, base_url=emu.base_url, **kw)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run one scenario coroutine to its end."""
    asyncio.run(scenario())


def count(emu: EmulatorHandle, route: str) -> int:
    """How many requests the emulator has answered on ``route`` (e.g. ``"GET /api/v1/..."``)."""
    value: Any = emu.control.counters()["requests"].get(route, 0)
    return int(value)
