"""Results and sweeps written as partitioned datasets (parquet by default) to a local folder or
an object store, streamed batch by batch into one writer per partition (``PartitionFiles``).

The batches are the typed ones of ``iter_batches``/``to_arrow`` (read with
``_fanout.WRITER_WORKERS``), so columns are typed exactly as ``to_arrow()`` types them. Every
file is atomic: a result's files are written to a hidden sibling folder and moved into place (a
rename; a server-side copy on object stores) only once the whole write succeeded. A sweep
item's file is encoded in memory first and then written in one piece (an object store shows an
upload only once complete; a local file is renamed into place).

Memory of a result's write: the page in hand and one fetched and parsed ahead, rows waiting for
their row group (``BUFFER_BYTES`` over all partitions at most, ``ROWS_PER_GROUP`` rows per
group) and at most ``OPEN_FILES`` files open (each with its stream's buffer: an upload part on
S3/GCS). Measured at 5M rows into 6 partitions: see scripts/bench.py --dataset and the README.
A sweep's write holds one item's rows (the sweep reads an item in full) and releases them once
the item's file is written.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from .._errors import InvalidArgument
from .._optional import require

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs

    from .._types import Row


Existing = Literal["error", "overwrite_or_ignore", "delete_matching"]
SweepExisting = Literal["skip", "error", "overwrite_or_ignore"]
EXISTING = ("error", "overwrite_or_ignore", "delete_matching")
SWEEP_EXISTING = ("skip", "error", "overwrite_or_ignore")
FORMATS = {"parquet": "parquet", "ipc": "arrow", "arrow": "arrow", "feather": "arrow", "csv": "csv"}

ROWS_PER_GROUP = 64 * 1024
OPEN_FILES = 64
#: Rows waiting for their row group, all partitions together (the largest buffer is written
#: first when they exceed it).
BUFFER_BYTES = 8 * 2**20


@dataclass(frozen=True)
class WrittenDataset:
    """What a ``to_dataset`` call wrote: where, how many rows, and the files (paths on the
    filesystem, relative to nothing: as the filesystem names them)."""

    uri: str
    rows: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """A resolved destination: the filesystem, the base path on it, and the URI as given."""

    fs: pafs.FileSystem
    base: str
    uri: str

    @property
    def object_store(self) -> bool:
        """pyarrow's S3 and GCS filesystems: an upload becomes visible only when complete."""
        pafs = require("pyarrow.fs")
        kinds = tuple(
            k
            for k in (getattr(pafs, "S3FileSystem", None), getattr(pafs, "GcsFileSystem", None))
            if k is not None
        )
        return bool(kinds) and isinstance(self.fs, kinds)

    def join(self, *parts: str) -> str:
        return "/".join([self.base.rstrip("/"), *(p.strip("/") for p in parts if p)])


def resolve(uri: str | os.PathLike[str], filesystem: object = None) -> Target:
    """The filesystem and base path of ``uri``: a local path, a ``file://``, ``s3://`` or
    ``gs://`` URI (query options such as ``?endpoint_override=`` are pyarrow's), or a path on
    the given ``pyarrow.fs`` or fsspec filesystem."""
    pafs = require("pyarrow.fs")
    if not isinstance(uri, str | os.PathLike):
        raise InvalidArgument(f"uri must be a path or URI string, got {type(uri).__name__}")
    text = os.fspath(uri)
    if not text:
        raise InvalidArgument("uri must not be empty")
    if filesystem is not None:
        fs = _as_pyarrow_fs(filesystem)
        path = text.split("://", 1)[1] if "://" in text else text
        if isinstance(fs, pafs.LocalFileSystem):
            path = os.path.abspath(path)
        return Target(fs, path.rstrip("/") or "/", text)
    if "://" not in text:
        path = os.path.abspath(text)
        return Target(pafs.LocalFileSystem(), path, path)
    try:
        fs, path = pafs.FileSystem.from_uri(text)
    except Exception as exc:  # pyarrow raises ArrowInvalid / ArrowNotImplementedError / OSError
        scheme = text.split("://", 1)[0]
        raise InvalidArgument(
            f"cannot open {scheme}:// for {text!r}: {exc} (pass filesystem= a pyarrow.fs or "
            "fsspec filesystem, or install pyarrow with that filesystem)"
        ) from None
    return Target(fs, path.rstrip("/") or "/", text)


def _as_pyarrow_fs(filesystem: object) -> pafs.FileSystem:
    pafs = require("pyarrow.fs")
    if isinstance(filesystem, pafs.FileSystem):
        return filesystem
    if callable(getattr(filesystem, "open", None)) and hasattr(filesystem, "protocol"):
        return pafs.PyFileSystem(pafs.FSSpecHandler(filesystem))  # an fsspec filesystem
    raise InvalidArgument(
        f"filesystem must be a pyarrow.fs.FileSystem or an fsspec filesystem, "
        f"got {type(filesystem).__name__}"
    )


def check_options(
    fmt: str, existing: str, partition_by: object, allowed: Sequence[str] = EXISTING
) -> list[str]:
    """Validate the format and ``existing`` names and return ``partition_by`` as a list."""
    if fmt not in FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if existing not in allowed:
        raise InvalidArgument(f"existing must be one of {', '.join(allowed)}, got {existing!r}")
    if partition_by is None:
        return []
    if isinstance(partition_by, str):
        partition_by = [partition_by]
    if not isinstance(partition_by, Sequence) or not all(
        isinstance(c, str) and c for c in partition_by
    ):
        raise InvalidArgument("partition_by must be a list of column names")
    if len(set(partition_by)) != len(partition_by):
        raise InvalidArgument(f"partition_by names a column twice: {list(partition_by)!r}")
    return list(partition_by)


def _check_columns(schema: pa.Schema, partition_by: Sequence[str]) -> None:
    missing = [c for c in partition_by if c not in schema.names]
    if missing:
        raise InvalidArgument(
            f"partition_by names {', '.join(map(repr, missing))}, which the result does not "
            f"have (its columns: {', '.join(schema.names)})"
        )
    if partition_by and len(partition_by) == len(schema.names):
        raise InvalidArgument("partition_by cannot name every column: no column would be left")


def _partitioning(schema: pa.Schema, partition_by: Sequence[str]) -> Any:
    ds = require("pyarrow.dataset")
    pa = require("pyarrow")
    if not partition_by:
        return None
    return ds.partitioning(pa.schema([schema.field(c) for c in partition_by]), flavor="hive")


def _holds_files(target: Target) -> bool:
    pafs = require("pyarrow.fs")
    info = target.fs.get_file_info(target.base)
    if info.type == pafs.FileType.NotFound:
        return False
    if info.type == pafs.FileType.File:
        raise InvalidArgument(f"{target.uri} is a file, not a folder for a dataset")
    selector = pafs.FileSelector(target.base, recursive=True)
    return any(
        f.type == pafs.FileType.File and not _hidden(f.path[len(target.base) :])
        for f in target.fs.get_file_info(selector)
    )


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.strip("/").split("/"))


# -- a result's batches ------------------------------------------------------------------------


def write_batches(
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema,
    target: Target,
    partition_by: Sequence[str],
    fmt: str,
    existing: str,
    basename_template: str | None = None,
    *,
    open_files: int = OPEN_FILES,
    buffer_bytes: int = BUFFER_BYTES,
) -> WrittenDataset:
    """Stream ``batches`` into ``target`` (one pass, bounded memory); every file atomic."""
    _check_columns(schema, partition_by)
    template = basename_template or f"part-{{i}}.{FORMATS[fmt]}"
    if "{i}" not in template or "/" in template:
        raise InvalidArgument(
            f"basename_template must hold '{{i}}' (the file's number) and no '/', got {template!r}"
        )
    if existing == "error" and _holds_files(target):
        raise InvalidArgument(
            f"{target.uri} already holds files; pass existing='overwrite_or_ignore' (replace "
            "files of the same name) or existing='delete_matching' (replace the partitions "
            "written)"
        )
    where = _staging(target)
    files = PartitionFiles(
        target.fs, where, schema, partition_by, fmt, template, open_files, buffer_bytes
    )
    rows = 0
    try:
        for batch in batches:
            rows += batch.num_rows
            files.add(batch)
            del batch
        written = files.close()
        return WrittenDataset(target.uri, rows, tuple(_publish(target, where, written, existing)))
    except BaseException:
        files.abort()
        _remove_dir(target.fs, where)  # nothing of a failed write becomes visible
        raise


class _OpenFile:
    """One file being written in the staging folder, and the rows waiting for its next row
    group."""

    def __init__(self, path: str, stream: Any, writer: Any) -> None:
        self.path, self.stream, self.writer = path, stream, writer
        self.pending: list[pa.RecordBatch] = []
        self.rows = 0
        self.bytes = 0


class PartitionFiles:
    """A write's files, one open per partition (hive folders as pyarrow names them), fed page
    by page. Memory stays bounded: rows wait in a partition's buffer until it holds a row group
    (``ROWS_PER_GROUP`` rows) or all buffers together exceed ``buffer_bytes``, when the largest
    is written; at most ``open_files`` files are open, and opening one more first closes the
    least recently written one, so a partition seen again gets its next file (``part-1``...)."""

    def __init__(
        self,
        fs: pafs.FileSystem,
        staging: str,
        schema: pa.Schema,
        partition_by: Sequence[str],
        fmt: str,
        template: str,
        open_files: int = OPEN_FILES,
        buffer_bytes: int = BUFFER_BYTES,
    ) -> None:
        if open_files < 1:
            raise InvalidArgument(f"open_files must be at least 1, got {open_files}")
        self.fs, self.staging, self.fmt, self.template = fs, staging, fmt, template
        self.columns = list(partition_by)
        self.keep = [i for i, name in enumerate(schema.names) if name not in self.columns]
        self.schema = pa_schema_without(schema, self.columns)
        self.partitioning = _partitioning(schema, partition_by)
        self.open_files, self.buffer_bytes = open_files, buffer_bytes
        self.open: OrderedDict[str, _OpenFile] = OrderedDict()  # least recently written first
        self.numbers: dict[str, int] = {}
        self.written: list[str] = []
        self.buffered = 0
        #: The most files open at once during this write (reported by tests).
        self.most_open = 0
        self._numbers: pa.Array | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        """Route ``batch``'s rows to their partitions' files."""
        if batch.num_rows == 0:
            return
        for folder, part in self._split(batch):
            self._buffer(folder, part)
        while self.buffered > self.buffer_bytes:
            largest = max(self.open.values(), key=lambda f: f.bytes)
            self._flush(largest)

    def _split(self, batch: pa.RecordBatch) -> Iterator[tuple[str, pa.RecordBatch]]:
        data = batch.select(self.keep)
        if not self.columns:
            yield "", data
            return
        arrow = require("pyarrow")
        ds = require("pyarrow.dataset")
        keys = arrow.table(
            [*(batch.column(c) for c in self.columns), self._row_numbers(batch.num_rows)],
            names=[*self.columns, "__row"],
        )
        groups = keys.group_by(self.columns, use_threads=False).aggregate([("__row", "list")])
        rows = groups.column("__row_list")
        for k in range(groups.num_rows):
            expr = None
            for c in self.columns:
                value = groups.column(c)[k]
                term = ds.field(c).is_null() if not value.is_valid else ds.field(c) == value
                expr = term if expr is None else expr & term
            folder, _ = self.partitioning.format(expr)
            yield folder, data if groups.num_rows == 1 else data.take(rows[k].values)

    def _row_numbers(self, count: int) -> pa.Array:
        """0 .. count - 1 as int32, built in Arrow (no Python objects) and kept for the next
        page."""
        if self._numbers is None or len(self._numbers) < count:
            arrow = require("pyarrow")
            pc = require("pyarrow.compute")
            ones = arrow.nulls(count, arrow.int32()).fill_null(1)
            self._numbers = pc.subtract(pc.cumulative_sum(ones), 1)
        return self._numbers.slice(0, count)

    def _buffer(self, folder: str, part: pa.RecordBatch) -> None:
        file = self.open.get(folder)
        if file is None:
            file = self._open(folder)
        else:
            self.open.move_to_end(folder)
        file.pending.append(part)
        file.rows += part.num_rows
        size = part.nbytes
        file.bytes += size
        self.buffered += size
        if file.rows >= ROWS_PER_GROUP:
            self._flush(file, whole_groups=True)

    def _open(self, folder: str) -> _OpenFile:
        while len(self.open) >= self.open_files:
            _, oldest = self.open.popitem(last=False)
            self._finish(oldest)
        number = self.numbers.get(folder, 0)
        self.numbers[folder] = number + 1
        name = self.template.replace("{i}", str(number))
        path = "/".join(p for p in (self.staging, folder.strip("/"), name) if p)
        self.fs.create_dir(path.rpartition("/")[0], recursive=True)
        stream = self.fs.open_output_stream(path)
        try:
            writer = _format_writer(self.fmt, stream, self.schema)
        except BaseException:
            stream.close()
            raise
        file = _OpenFile(path, stream, writer)
        self.open[folder] = file
        self.most_open = max(self.most_open, len(self.open))
        return file

    def _flush(self, file: _OpenFile, whole_groups: bool = False) -> None:
        """Write ``file``'s waiting rows (parquet row groups of up to ROWS_PER_GROUP rows); with
        ``whole_groups``, only full groups, the rest waiting for more rows."""
        if not file.pending:
            return
        arrow = require("pyarrow")
        table = arrow.Table.from_batches(file.pending, self.schema)
        self.buffered -= file.bytes
        file.pending, file.rows, file.bytes = [], 0, 0
        if whole_groups:
            cut = table.num_rows - table.num_rows % ROWS_PER_GROUP
            rest = table.slice(cut)
            table = table.slice(0, cut)
            for part in rest.to_batches():
                file.pending.append(part)
                file.rows += part.num_rows
                file.bytes += part.nbytes
            self.buffered += file.bytes
        if self.fmt == "parquet":
            file.writer.write_table(table, row_group_size=ROWS_PER_GROUP)
        else:
            file.writer.write_table(table)

    def _finish(self, file: _OpenFile) -> None:
        self._flush(file)
        file.writer.close()
        file.stream.close()
        self.written.append(file.path)

    def close(self) -> list[str]:
        """Finish every open file; the files written, in the staging folder."""
        while self.open:
            _, file = self.open.popitem(last=False)
            self._finish(file)
        return self.written

    def abort(self) -> None:
        """Close what is open without caring whether it completes (its folder is removed)."""
        for file in self.open.values():
            with contextlib.suppress(Exception):
                file.writer.close()
            with contextlib.suppress(Exception):
                file.stream.close()
        self.open.clear()
        self.buffered = 0


def pa_schema_without(schema: pa.Schema, columns: Sequence[str]) -> pa.Schema:
    """``schema`` without the partition columns (their values live in the folder names)."""
    for name in columns:
        schema = schema.remove(schema.get_field_index(name))
    return schema


def _format_writer(fmt: str, stream: Any, schema: pa.Schema) -> Any:
    """A writer of ``fmt`` on an open output stream; ``write_table`` and ``close``."""
    if fmt == "parquet":
        return require("pyarrow.parquet").ParquetWriter(stream, schema)
    if fmt == "csv":
        return require("pyarrow.csv").CSVWriter(stream, schema)
    return require("pyarrow").ipc.new_file(stream, schema)


def _staging(target: Target) -> str:
    """A hidden sibling of the base folder on the same filesystem (so a rename moves it, and
    a glob of the dataset's files never sees it); inside the base when it has no parent."""
    parent, _, name = target.base.rstrip("/").rpartition("/")
    tag = uuid.uuid4().hex[:12]
    if not parent or not name:
        return f"{target.base.rstrip('/')}/.duneq-{tag}"
    return f"{parent}/.{name}.duneq-{tag}"


def _publish(target: Target, staging: str, written: list[str], existing: str) -> list[str]:
    """Move the staged files into place (each rename atomic), clearing the partitions written
    first under ``delete_matching``; then remove the staging folder."""
    pafs = require("pyarrow.fs")
    fs = target.fs
    moves = [(path, target.join(path[len(staging) :])) for path in written]
    if existing == "delete_matching":
        for folder in sorted({dst.rpartition("/")[0] for _, dst in moves}):
            if fs.get_file_info(folder).type == pafs.FileType.Directory:
                fs.delete_dir_contents(folder)
    made: set[str] = set()
    final: list[str] = []
    for src, dst in moves:
        folder = dst.rpartition("/")[0]
        if folder not in made:
            fs.create_dir(folder, recursive=True)
            made.add(folder)
        fs.move(src, dst)
        final.append(dst)
    if not written:
        fs.create_dir(target.base, recursive=True)
    _remove_dir(fs, staging)
    return final


def _remove_dir(fs: pafs.FileSystem, path: str) -> None:
    with contextlib.suppress(OSError):
        fs.delete_dir(path)


def first_and_rest(
    batches: Iterator[pa.RecordBatch], empty: Callable[[], pa.Table]
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The schema of a batch stream (from its first batch, or from ``empty()`` when there is
    none) and the stream with that batch put back."""
    first = next(batches, None)
    if first is None:
        return empty().schema, iter(())

    held = [first]  # handed over once, then not kept: the write holds no page longer than needed

    def chained() -> Iterator[pa.RecordBatch]:
        yield held.pop()
        yield from batches

    return first.schema, chained()


def write_result(
    plan: Any,
    batches: Iterator[pa.RecordBatch],
    uri: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] | str | None,
    format: str,
    filesystem: object,
    existing: str,
    basename_template: str | None,
) -> WrittenDataset:
    """``Result.to_dataset``: the result's typed ``batches`` (a generator that fetches only
    when iterated, so bad options are refused first) streamed into a dataset."""
    columns = check_options(format, existing, partition_by)
    target = resolve(uri, filesystem)
    with contextlib.closing(batches):  # type: ignore[type-var]  # a refused write stops the read (and its fetchers)
        schema, rest = first_and_rest(batches, lambda: plan.table([]))
        return write_batches(rest, schema, target, columns, format, existing, basename_template)


async def awrite_result(
    plan: Any,
    agen: AsyncIterator[pa.RecordBatch],
    uri: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] | str | None,
    format: str,
    filesystem: object,
    existing: str,
    basename_template: str | None,
) -> WrittenDataset:
    """``AsyncResult.to_dataset``: the writer runs in a worker thread and pulls each batch
    from the event loop, so only one batch is in hand between them."""
    import asyncio

    columns = check_options(format, existing, partition_by)
    target = resolve(uri, filesystem)
    first = await anext(agen, None)
    schema = first.schema if first is not None else plan.table([]).schema
    loop = asyncio.get_running_loop()

    held = [first] if first is not None else []  # handed over once, then not kept
    del first

    def pulled() -> Iterator[pa.RecordBatch]:
        if held:
            yield held.pop()
        while True:
            batch = asyncio.run_coroutine_threadsafe(anext(agen, None), loop).result()
            if batch is None:
                return
            yield batch

    try:
        return await asyncio.to_thread(
            write_batches, pulled(), schema, target, columns, format, existing, basename_template
        )
    finally:
        aclose = getattr(agen, "aclose", None)
        if aclose is not None:
            await aclose()


# -- a sweep's items: one file per item, in its parameters' partition ------------------------


class SweepItem(Protocol):
    """A sweep item as the dataset writer sees it (``state.SweepItem`` is one); a protocol, so
    that this module and the sweep state, which imports it, form no circle."""

    rows: list[Row] | None
    stored: bool

    @property
    def index(self) -> int: ...

    @property
    def params(self) -> Mapping[str, Any]: ...

    @property
    def key(self) -> str: ...

    @property
    def outcome(self) -> str: ...

    @property
    def columns(self) -> list[str]: ...

    @property
    def encoded(self) -> dict[str, Any]: ...


Item = TypeVar("Item", bound=SweepItem)
Item_co = TypeVar("Item_co", bound=SweepItem, covariant=True)


class SweepRuns(Protocol[Item_co]):
    """A finished sweep as ``write_sweep`` sees it (``state.SweepRuns`` is one)."""

    @property
    def items(self) -> Sequence[Item_co]: ...

    @property
    def output(self) -> WrittenDataset | None: ...


class SweepSink(Generic[Item]):
    """Writes each finished sweep item as one file ``part-<item key>.<ext>`` in the partition
    of its parameter values, so that a resumed sweep sees which items are already stored."""

    def __init__(
        self,
        uri: str | os.PathLike[str],
        *,
        partition_by: Sequence[str] | str | None,
        format: str = "parquet",
        filesystem: object = None,
        existing: str = "skip",
        table_of: Callable[[Item], pa.Table] | None = None,
    ) -> None:
        self.columns = check_options(format, existing, partition_by, SWEEP_EXISTING)
        self.target = resolve(uri, filesystem)
        self.format = format
        self.existing = existing
        #: The item's typed table (``SweepRuns.item_table``); the client sets it once it has
        #: the sweep's items and declared parameter types.
        self.table_of = table_of
        self.rows = 0
        self.files: list[str] = []

    def check_items(self, items: Sequence[Item]) -> None:
        """Every partition column must be a parameter of every item (a file per item)."""
        for item in items:
            missing = [c for c in self.columns if c not in item.params]
            listed = [c for c in self.columns if isinstance(item.encoded.get(c), list)]
            if listed:
                raise InvalidArgument(
                    f"params[{item.index}] gives {', '.join(map(repr, listed))} a list of "
                    "values; a partition needs one value per item"
                )
            if missing:
                raise InvalidArgument(
                    f"a sweep's partition_by must name its parameters; params[{item.index}] "
                    f"has no {', '.join(map(repr, missing))} (its parameters: "
                    f"{', '.join(item.params) or 'none'})"
                )

    def path(self, item: Item) -> str:
        """Where ``item``'s file goes: its partition folder (from the typed parameter values,
        hive style) and a name from the item's key."""
        ds = require("pyarrow.dataset")
        pa = require("pyarrow")
        folder = ""
        if self.columns:
            values = {c: _param_text(item, c) for c in self.columns}
            schema = pa.schema([(c, pa.string()) for c in self.columns])
            expr = None
            for c in self.columns:
                term = ds.field(c) == pa.scalar(values[c], pa.string())
                expr = term if expr is None else expr & term
            folder, _ = ds.partitioning(schema, flavor="hive").format(expr)
        digest, _, nth = item.key.partition("#")
        return self.target.join(folder, f"part-{digest}-{nth or 0}.{FORMATS[self.format]}")

    def stored(self, items: Sequence[Item]) -> set[str]:
        """The keys of the items whose file is already there (one listing request)."""
        pafs = require("pyarrow.fs")
        self.check_items(items)
        paths = {self.path(item): item.key for item in items}
        found = {
            info.path
            for info in self.target.fs.get_file_info(list(paths))
            if info.type == pafs.FileType.File
        }
        if found and self.existing == "error":
            raise InvalidArgument(
                f"{self.target.uri} already holds {len(found)} of this sweep's items; pass "
                "existing='skip' to fill in only the missing ones"
            )
        if self.existing == "overwrite_or_ignore":
            return set()
        return {paths[p] for p in found}

    def write(self, table: pa.Table, item: Item) -> str:
        """Write ``item``'s rows (its typed table, parameter columns included) as one file."""
        pafs = require("pyarrow.fs")
        clash = [c for c in self.columns if c in item.columns]
        if clash:
            raise InvalidArgument(
                f"partition_by {', '.join(map(repr, clash))} is both a parameter and a result "
                "column of the query; partition by another parameter"
            )
        dest = self.path(item)
        data = table.drop_columns(self.columns) if self.columns else table
        payload = self._encode(data)
        fs = self.target.fs
        folder = dest.rpartition("/")[0]
        fs.create_dir(folder, recursive=True)
        if self.target.object_store:  # one upload, shown only once complete
            with fs.open_output_stream(dest) as out:
                out.write(payload)
        else:
            tmp = f"{folder}/.{uuid.uuid4().hex}.tmp"
            try:
                with fs.open_output_stream(tmp) as out:
                    out.write(payload)
                fs.move(tmp, dest)
            except BaseException:
                if fs.get_file_info(tmp).type == pafs.FileType.File:
                    fs.delete_file(tmp)
                raise
        self.rows += table.num_rows
        self.files.append(dest)
        return dest

    def _encode(self, data: pa.Table) -> Any:
        """The file's bytes, built in memory (so that nothing fails half-way through a write)."""
        arrow = require("pyarrow")
        sink = arrow.BufferOutputStream()
        if self.format == "parquet":
            require("pyarrow.parquet").write_table(
                data, sink, compression="zstd", row_group_size=ROWS_PER_GROUP
            )
        elif self.format == "csv":
            require("pyarrow.csv").write_csv(data, sink)
        else:
            with arrow.ipc.new_file(sink, data.schema) as writer:
                writer.write_table(data)
        return sink.getvalue()

    def take(self, item: Item) -> None:
        """The sweep's ``on_done``: write the item now, then release its rows."""
        if self.table_of is None:
            raise RuntimeError("SweepSink.table_of is not set")
        self.write(self.table_of(item), item)
        item.rows, item.stored = None, True

    def written(self) -> WrittenDataset:
        return WrittenDataset(self.target.uri, self.rows, tuple(self.files))


def write_sweep(
    runs: SweepRuns[Item],
    uri: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] | str | None,
    format: str,
    filesystem: object,
    existing: str,
    table_of: Callable[[Item], pa.Table],
) -> WrittenDataset:
    """``SweepRuns.to_dataset``: every completed item not yet stored, one file each."""
    sink: SweepSink[Item] = SweepSink(
        uri,
        partition_by=partition_by,
        format=format,
        filesystem=filesystem,
        existing=existing,
        table_of=table_of,
    )
    done = [i for i in runs.items if i.outcome == "done"]
    stored = sink.stored(done)
    for item in done:
        if item.key in stored:
            continue
        if item.rows is None:
            raise InvalidArgument(
                f"params[{item.index}]'s rows are not held (written to "
                f"{runs.output.uri if runs.output else 'another dataset'}); read them from there"
            )
        sink.write(table_of(item), item)
    return sink.written()


def _param_text(item: SweepItem, column: str) -> str:
    """A parameter's partition value: its text as sent to Dune (what ``to_arrow`` holds)."""
    return str(item.encoded[column])


__all__ = [
    "SweepSink",
    "WrittenDataset",
    "awrite_result",
    "resolve",
    "write_result",
    "write_sweep",
]
