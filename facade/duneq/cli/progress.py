"""Progress display for long waits: a live rich view on a terminal, plain lines otherwise.

Progress always goes to stderr so that stdout carries only data. rich is imported only when a
live display is actually shown, which keeps ``duneq --help`` fast.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from duneq import FetchProgress, Progress

TextFn = Callable[[], str]


def live_wanted(stdout: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """A live display only when both stdout and stderr are terminals (and TERM is not dumb)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(out.isatty() and err.isatty())
    except (AttributeError, ValueError):
        return False


def plural(count: float, word: str) -> str:
    """``1 row``, ``2 rows``, ``1,234 rows``, ``0.5 credits`` (only exactly one is singular)."""
    text = f"{count:,}" if isinstance(count, int) else f"{count:,.6g}"
    return f"{text} {word}" if count == 1 else f"{text} {word}s"


#: The board showing right now, so that warnings and retry notices print above its live line.
_ACTIVE: list[Board] = []


def say(text: str) -> None:
    """One line for stderr: through the live board when one is showing (so it never lands on
    the progress line), else written directly."""
    if _ACTIVE and _ACTIVE[-1].is_live:
        _ACTIVE[-1].note(text, force=True)
        return
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class Board:
    """Named progress lines: redrawn live on a terminal; on a pipe, one line per change."""

    def __init__(self, stream: TextIO, *, live: bool, enabled: bool = True) -> None:
        self._stream = stream
        self._enabled = enabled
        self._lines: dict[str, TextFn] = {}
        self._signatures: dict[str, object] = {}
        self._live: Any = None
        if enabled and live:
            self._live = _start_live(stream, self._render)
        _ACTIVE.append(self)

    @property
    def is_live(self) -> bool:
        """True while a live display is drawn (text must go above it, not after it)."""
        return self._live is not None

    def _render(self) -> str:
        return "\n".join(fn() for fn in self._lines.values())

    def update(self, key: str, text: TextFn, signature: object) -> None:
        """Set line ``key``; in plain mode it is printed only when ``signature`` changes."""
        if not self._enabled:
            return
        self._lines[key] = text
        if self._live is not None:
            self._live.refresh()
            return
        if self._signatures.get(key, _UNSET) != signature:
            self._signatures[key] = signature
            self._stream.write(text() + "\n")
            self._stream.flush()

    def note(self, text: str, *, force: bool = False) -> None:
        """A one-off line (printed above a live display, or as a plain line); ``force`` prints
        it under ``--quiet`` too."""
        if not (self._enabled or force):
            return
        if self._live is not None:
            self._live.console.print(text, markup=False, highlight=False)
        else:
            self._stream.write(text + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_UNSET = object()


def _start_live(stream: TextIO, render: TextFn) -> Any:
    try:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text
    except ImportError:  # the cli extra is not installed: fall back to plain lines
        return None

    class _View:
        def __rich__(self) -> Text:
            return Text(render())

    live = Live(
        _View(),
        console=Console(file=stream),
        refresh_per_second=8,
        transient=False,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    live.start()
    return live


class ExecutionProgress:
    """An ``on_progress`` callback that shows state, queue position, elapsed time and polls."""

    def __init__(self, board: Board, key: str = "execution", label: str = "") -> None:
        self._board = board
        self._key = key
        self._label = label
        #: The execution and state seen last (what a Ctrl-C message reports on).
        self.execution_id: str | None = None
        self.state: str | None = None

    def __call__(self, progress: Progress) -> None:
        received = time.monotonic()
        state = str(progress.state)
        self.execution_id, self.state = progress.execution_id, state
        queue = progress.queue_position
        prefix = f"{self._label} " if self._label else ""

        def text() -> str:
            elapsed = progress.elapsed
            if state in _RUNNING:
                elapsed += time.monotonic() - received
            where = f" queue={queue}" if queue is not None else ""
            return (
                f"{prefix}{progress.execution_id} {state}{where} "
                f"elapsed={elapsed:.1f}s polls={progress.polls}"
            )

        self._board.update(self._key, text, (state, queue))


_RUNNING = frozenset({"QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING"})


class FetchLine:
    """An ``on_fetch`` callback: rows and bytes downloaded, the total and an ETA, on the live
    line (a pipe gets a line at most every 10 % of the rows)."""

    def __init__(self, board: Board, key: str = "fetch") -> None:
        self._board, self._key = board, key
        self._started: float | None = None
        #: The latest progress told (rows delivered and the execution they are of).
        self.last: FetchProgress | None = None

    def __call__(self, progress: FetchProgress) -> None:
        self.last = progress
        now = time.monotonic()
        if self._started is None or progress.pages == 1:
            self._started = now
        elapsed = now - self._started
        total = progress.total_rows
        fraction = progress.fraction

        def text() -> str:
            of = f" of {total:,}" if total is not None else ""
            size = f", {progress.bytes / 1e6:.1f} MB" if progress.bytes else ""
            pages = (
                f"{progress.pages}/{progress.total_pages}"
                if progress.total_pages
                else str(progress.pages)
            )
            eta = ""
            if fraction and 0 < fraction < 1 and elapsed > 0:
                eta = f", about {elapsed * (1 - fraction) / fraction:.0f} s left"
            return f"fetched {progress.rows:,}{of} rows ({pages} pages{size}){eta}"

        step = None if fraction is None else int(fraction * 10)
        self._board.update(self._key, text, step)


def cost_line(
    *,
    credits: float | None,
    datapoints: int | None,
    rows: int,
    seconds: float,
    note: str = "",
    origin: str | None = None,
    execution_id: str | None = None,
    ended_at: datetime | None = None,
) -> str:
    """``cost: 10 credits, 1,234 datapoints, 123 rows, 2.3s (new run)``: what this command paid
    now and where the data came from. ``origin`` "new" (executed now), "latest" (the server's
    latest run, reused), "read" (an existing execution read) or "cache" (no request): only a
    new run pays execution credits, only a request pays datapoints; unknown values show ?."""
    if origin in ("latest", "read", "cache"):
        credits = 0
    if origin == "cache":
        datapoints = 0
    credit_text = "? credits" if credits is None else plural(credits, "credit")
    point_text = "? datapoints" if datapoints is None else plural(datapoints, "datapoint")
    when = f", ended {ended_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if ended_at else ""
    run = f"execution {execution_id}" if execution_id else "an earlier execution"
    source = {
        None: "",
        "new": "new run",
        "latest": f"no new execution: the latest run{when}, {run}",
        "read": f"no new execution: read {run}",
        "cache": f"no request: the local cache{when}, {run}",
    }.get(origin, str(origin))
    parts = [p for p in (source, note) if p]
    tail = f" ({'; '.join(parts)})" if parts else ""
    return f"cost: {credit_text}, {point_text}, {plural(rows, 'row')}, {seconds:.1f}s{tail}"
