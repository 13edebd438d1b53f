"""CSV downloads: the read's plan (every argument checked before any request), and the writer
that puts verified pages (see ``reader``) to a path or writable with exactly one header row.
The drivers (``_fanout.download_csv``) fetch the pages."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable
from typing import IO, Any

from .._errors import InvalidArgument
from .._options import ResultOptions
from .._protocol import ChunkSink
from .._wire.models import PageMetadata
from .context import Flow, FlowContext
from .pages import (
    Source,
    page_request,
)
from .reader import CsvPage, ReadPlan, plan_read, probe
from .wait import get_status

CsvDest = str | os.PathLike[str] | IO[bytes] | IO[str]


class CsvSink:
    """Writes CSV bytes to the destination (a path is opened in binary mode)."""

    def __init__(self, dest: CsvDest) -> None:
        self._close: Callable[[], None] | None = None
        self.written = 0
        # Chunks may split a multi-byte character; decode incrementally for text writables.
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self._handle: Any = None
        if isinstance(dest, str | os.PathLike):
            path = os.fspath(dest)
            try:
                handle: Any = open(path, "wb")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise InvalidArgument(
                    f"cannot write CSV to {path!r}: {exc.strerror or exc}"
                ) from None
            self._handle = handle
            self._close = handle.close
            self._write = handle.write
            self._text = False
        elif hasattr(dest, "write"):
            self._handle = dest
            self._write = dest.write
            self._text = isinstance(dest, io.TextIOBase)
        else:
            raise InvalidArgument(
                f"CSV destination must be a path or a writable file object, got {type(dest).__name__}"
            )

    def write(self, chunk: bytes | memoryview) -> None:
        if not chunk:
            return
        if self._text:
            self._write(self._decode(chunk))
        else:
            self._write(chunk)
        self.written += len(chunk)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None


def writable(dest: CsvDest) -> None:
    """Refuse a destination path whose folder does not exist, before anything is fetched."""
    if isinstance(dest, str | os.PathLike):
        path = os.fspath(dest)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise InvalidArgument(f"cannot write CSV to {path!r}: folder {folder!r} does not exist")


def csv_plan(
    ctx: FlowContext,
    source: Source,
    options: ResultOptions,
    dest: CsvDest,
    known: PageMetadata | None = None,
) -> Flow[ReadPlan]:
    """The plan of a CSV download, every argument checked before any request: its size from
    ``known`` (the status), the free status call, or a one-row JSON probe when filters change
    the row count."""
    page_request(source, options, options.offset, sink=ChunkSink())  # refuse before any request
    writable(dest)
    unknown = known is None or known.total_row_count is None
    if unknown and not options.filters and isinstance(source, str):
        known = (yield from get_status(ctx, source)).result_metadata  # free; tells the size
    if known is None or known.total_row_count is None or options.filters:
        known = (yield from probe(ctx, source, options)).metadata
    plan = plan_read(source, options, known)
    if plan is None:
        raise InvalidArgument(f"the result of {source} does not tell its columns; cannot read it")
    return plan


class CsvWriter:
    """Writes verified CSV pages in order with exactly one header row; the destination is
    opened when the first page arrives (a read that fails first leaves no file)."""

    def __init__(self, dest: CsvDest) -> None:
        self._dest = dest
        self._sink: CsvSink | None = None

    def add(self, page: CsvPage) -> None:
        if self._sink is None:
            self._sink = CsvSink(self._dest)
            self._sink.write(page.data)
        else:
            self._sink.write(memoryview(page.data)[page.body_start :])  # no copy of the page

    def close(self) -> int:
        """Close the destination; returns the bytes written."""
        if self._sink is None:
            return 0
        self._sink.close()
        return self._sink.written
