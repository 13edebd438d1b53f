"""CSV results streamed to a path or writable as the bytes arrive: one header row for all
pages, nothing held but the network chunk in hand, a retried page written only once, and every
page checked against the client's datapoint budget and counted in its ledger."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable, Mapping
from typing import IO, Any

from .._errors import InvalidArgument
from .._models import PageMetadata
from .._options import ResultOptions
from .._protocol import ChunkSink
from .context import Flow, FlowContext
from .pages import (
    Source,
    next_start,
    offset_from_uri,
    page_request,
)
from .reader import QUOTED_FIELD, CsvPage, ReadPlan, csv_page, follows, plan_read, probe
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

    def tell(self) -> int | None:
        """The position to come back to if a page must be written again, when seekable."""
        try:
            return int(self._handle.tell()) if self._handle.seekable() else None
        except (AttributeError, OSError, ValueError):
            return None

    def rewind(self, position: int | None, written: int) -> bool:
        """Take back what a broken attempt wrote; False when the destination cannot seek."""
        if position is None:
            return written == self.written
        self._handle.seek(position)
        self._handle.truncate()
        self.written = written
        return True

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None


class _Records:
    """Counts one CSV body's records and its header's fields as chunks pass, quotes honoured
    (a quoted newline or comma is data), so a page's datapoints are known without parsing it."""

    def __init__(self) -> None:
        self.newlines = 0
        self.fields = 1
        self.rows: int | None = None  # set when the headers told the page's size: no scan
        self._quoted = False
        self._in_header = True
        self._last = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk or (self.rows is not None and not self._in_header):
            return
        self._last = chunk[-1:]
        if self._quoted:  # a field opened in an earlier chunk: skip to its closing quote
            end = chunk.find(b'"')
            if end < 0:
                return
            chunk, self._quoted = chunk[end + 1 :], False
        plain = QUOTED_FIELD.sub(b"", chunk)  # whole quoted runs ("" inside one included)
        opened = plain.find(b'"')
        if opened >= 0:  # a field left open at the chunk's end
            plain, self._quoted = plain[:opened], True
        if self._in_header:
            cut = plain.find(b"\n")
            self.fields += plain.count(b",", 0, cut if cut >= 0 else len(plain))
            self._in_header = cut < 0
        self.newlines += plain.count(b"\n")

    def datapoints(self) -> int:
        """Data rows (records after the header, or as the headers told) times the fields."""
        if self.rows is not None:
            return self.rows * self.fields
        records = self.newlines + (1 if self._last not in (b"", b"\n") else 0)
        return max(records - 1, 0) * self.fields


class _PageBody(ChunkSink):
    """One CSV page's body on its way to the sink: the header is kept only for the first page,
    and an attempt that broke off mid-body is taken back before the retry."""

    def __init__(self, sink: CsvSink, offset: int, *, keep_header: bool) -> None:
        self._sink = sink
        self._offset = offset
        self._keep_header = keep_header
        self._position = sink.tell()
        self._written = sink.written
        self._started = False
        self._in_header = not keep_header
        self.records = _Records()

    def begin(self) -> None:
        if self._started and not self._sink.rewind(self._position, self._written):
            raise InvalidArgument(
                "a CSV page broke off mid-body and the destination cannot seek back; "
                "write to a file path (or a seekable file) so that the page can be retried"
            )
        self._started = True
        self._in_header = not self._keep_header
        self.records = _Records()

    def headers(self, headers: Mapping[str, str]) -> None:
        announced = _announced(headers)
        if announced is not None and announced > self._offset:  # not the last page
            self.records.rows = announced - self._offset

    def write(self, chunk: bytes) -> None:
        self.records.feed(chunk)
        if self._in_header:
            cut = chunk.find(b"\n")
            if cut < 0:
                return
            self._in_header = False
            chunk = chunk[cut + 1 :]
        self._sink.write(chunk)


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


def write_csv(
    ctx: FlowContext,
    source: Source,
    options: ResultOptions,
    dest: CsvDest,
    known: PageMetadata | None = None,
) -> Flow[int]:
    """Write every CSV page to ``dest``, one at a time (the drivers' ``download_csv`` fetches
    several at once through ``_fanout``); returns bytes written.

    Each page is held until it is verified (the header is the result's columns, the record
    count what its offsets imply) and only then written, so a short or broken page is retried
    and never reaches the file; each page is checked against the client's datapoint budget
    before it is sent."""
    plan = yield from csv_plan(ctx, source, options, dest, known)
    writer = CsvWriter(dest)
    try:
        offset: int | None = plan.start
        pages = max(((plan.rows or 0) + plan.size - 1) // plan.size, 1)
        while offset is not None:
            page = yield from csv_page(ctx, plan, offset, needed=pages)
            pages = max(pages - 1, 1)
            writer.add(page)
            if follows(plan, offset, page.announced):
                nxt = offset + plan.size
                offset = nxt if plan.end is not None and nxt < plan.end else None
            else:
                offset = next_start(options, offset, page.announced)
    finally:
        written = writer.close()
    return written


def _announced(headers: Mapping[str, str]) -> int | None:
    """The next page's offset from ``x-dune-next-offset`` or ``x-dune-next-uri``."""
    raw = headers.get("x-dune-next-offset")
    if raw is not None and raw.strip().isdigit():
        return int(raw)
    return offset_from_uri(headers.get("x-dune-next-uri"))
