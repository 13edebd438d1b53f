"""Arrow IPC cache entries: typed batches written as one Arrow IPC file inside the cache's
framing (magic, payload, JSON footer with the payload's SHA-256), read back memory-mapped.

Imports pyarrow, so ``_cache.store`` and the results modules import this only when the cache actually
handles Arrow. Also turns a stored batch back into the row dicts the API sends, for the column
types where that inverse is exact (``rows_exact``); other entries serve typed reads only.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.ipc as ipc

from .._dunetypes.tree import TYPES, DuneType, TypeOptions, parse_column_types
from .._types import Row
from .framing import ARROW_CODEC, BlockCheck, discard_temp, open_entry


class _Store(Protocol):
    """What an entry writer needs of its ``_cache.Cache``."""

    @property
    def entries(self) -> Path: ...

    def seal(self, handle: IO[bytes], tmp: Path, final: Path, footer: dict[str, Any]) -> Path: ...

    def failed(self, what: str, exc: BaseException, entry: str | None = None) -> None: ...


#: Kinds whose wire value can be rebuilt exactly from their Arrow value (see ``wire_rows``).
_EXACT_KINDS = frozenset(kind for kind, row in TYPES.items() if row.rebuilt)


def type_key(options: TypeOptions) -> dict[str, str]:
    """The read options that change an entry's schema; part of its name and checked on read."""
    return {"big_ints": options.big_ints, "binary": options.binary}


def rows_exact(dtypes: Sequence[DuneType], options: TypeOptions) -> bool:
    """Whether ``wire_rows`` gives back exactly the dicts the API sent for these columns."""
    if options.big_ints != "string":
        return False
    for dtype in dtypes:
        if dtype.kind not in _EXACT_KINDS:
            return False
        if dtype.kind == "timestamp" and dtype.precision not in (None, 3):
            return False  # the wire's fraction is always milliseconds
    return True


class _CheckingSink:
    """A file-like sink that checks what Arrow writes through it (wrapped by pa.PythonFile)."""

    def __init__(self, handle: IO[bytes], check: BlockCheck) -> None:
        self._handle = handle
        self._check = check
        self._pos = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._handle.write(view)
        self._check.update(view)
        self._pos += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        self._handle.flush()

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True  # the entry writer closes the real file after the footer


class ArrowEntryWriter:
    """Streams typed batches into a temp entry beside its final name; ``commit`` adds the footer
    and renames it into place, ``abort`` drops it (readers never see a torn entry)."""

    def __init__(self, cache: _Store, name: str, schema: pa.Schema) -> None:
        self._cache = cache
        self._final = cache.entries / name
        self._ipc: ipc.RecordBatchFileWriter | None = None
        self._handle: IO[bytes] | None = None
        try:
            self._tmp, handle = open_entry(cache.entries)
        except OSError as exc:
            cache.failed("start the entry", exc, name)
            raise
        self._handle = handle
        self._check = BlockCheck()
        self._sink = pa.PythonFile(_CheckingSink(handle, self._check), mode="w")
        try:
            self._ipc = ipc.new_file(self._sink, schema)
        except (OSError, pa.ArrowException) as exc:
            self._fail("write", exc)
            raise
        self.counts: list[int] = []

    def add(self, batch: pa.RecordBatch) -> None:
        if self._ipc is None:
            raise RuntimeError("the entry is already closed")
        try:
            self._ipc.write_batch(batch)
        except (OSError, pa.ArrowException) as exc:
            self._fail("write", exc)
            raise
        self.counts.append(batch.num_rows)

    def commit(self, footer: Mapping[str, Any]) -> Path:
        if self._ipc is None or self._handle is None:
            raise RuntimeError("the entry is already closed")
        try:
            self._ipc.close()
        except (OSError, pa.ArrowException) as exc:
            self._fail("write", exc)
            raise
        self._ipc = None
        handle, self._handle = self._handle, None
        written = {"codec": ARROW_CODEC, "chunks": 1, "row_count": sum(self.counts)}
        written |= {"counts": self.counts, **self._check.footer()}
        return self._cache.seal(handle, self._tmp, self._final, {**footer, **written})

    def abort(self) -> None:
        """Drop the entry being written; never raises (a full disk may refuse the close)."""
        if self._ipc is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self._ipc.close()
            self._ipc = None
        handle, self._handle = self._handle, None
        if handle is not None:
            discard_temp(handle, self._tmp)

    def _fail(self, what: str, exc: BaseException) -> None:
        """One warning, the temp file gone; the writer is closed."""
        self._ipc = None  # its sink failed: closing it again could only fail again
        self.abort()
        self._cache.failed(f"{what} the entry", exc, self._final.name)


def open_payload(payload: memoryview) -> ipc.RecordBatchFileReader:
    """An IPC file reader over a (memory-mapped) payload; no copy of the column buffers."""
    return ipc.open_file(pa.BufferReader(pa.py_buffer(payload)))


def read_batches(payload: memoryview, schema: pa.Schema | None = None) -> list[pa.RecordBatch]:
    """Every batch of an entry; ``schema`` (the reader's plan) must match the stored one."""
    reader = open_payload(payload)
    if schema is not None and not reader.schema.equals(schema, check_metadata=True):
        raise ValueError("the stored Arrow schema differs from the requested one")
    return [reader.get_batch(i) for i in range(reader.num_record_batches)]


# -- rows back in the API's wire form ----------------------------------------------------------


def _double(value: float | None) -> float | str | None:
    if value is None or math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _hex(value: bytes | None) -> str | None:
    return None if value is None else "0x" + value.hex()


def _date(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"


def _timestamp(tz: bool) -> Callable[[datetime | None], str | None]:
    suffix = " UTC" if tz else ""

    def fmt(value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}{suffix}"

    return fmt


def _formatter(dtype: DuneType, arrow: pa.DataType) -> Callable[[Any], Any] | None:
    """How one column's Python value becomes its wire value (None: unchanged)."""
    kind = dtype.kind
    if kind == "double":
        return _double
    if kind == "decimal":
        return _decimal
    if kind == "varbinary" and pa.types.is_binary(arrow):
        return _hex
    if kind == "date":
        return _date
    if kind == "timestamp":
        return _timestamp(dtype.tz)
    return None


def wire_rows(batch: pa.RecordBatch, column_types: Sequence[str]) -> list[Row]:
    """A stored batch as the row dicts the API sent (only for entries with ``rows_exact``)."""
    dtypes = parse_column_types(list(batch.schema.names), list(column_types), warn=False)
    columns: list[list[Any]] = []
    for column, dtype, field in zip(batch.columns, dtypes, batch.schema, strict=True):
        values = column.to_pylist()
        fmt = _formatter(dtype, field.type)
        columns.append(values if fmt is None else [fmt(v) for v in values])
    names = batch.schema.names
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def iter_wire_pages(payload: memoryview, column_types: Sequence[str]) -> Iterator[list[Row]]:
    """Each stored batch as wire rows, in order."""
    for batch in read_batches(payload):
        yield wire_rows(batch, column_types)
