"""What ``dune.uploads`` accepts as data, turned into request-sized CSV or NDJSON chunks.

Files are read record by record (never whole); tables are encoded batch by batch. Each chunk
ends on a record boundary, so every insert request carries whole rows only.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from .._errors import InvalidArgument

CSV = "text/csv"
NDJSON = "application/x-ndjson"
_NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".json")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Chunk:
    """One insert request's body: whole records only, with their count."""

    content: bytes
    media_type: str
    rows: int


def is_path(data: object) -> bool:
    """A file to read: a ``PathLike``, or a one-line ``str`` (a ``str`` with a newline is CSV)."""
    return isinstance(data, os.PathLike) or (isinstance(data, str) and "\n" not in data)


def is_table(data: object) -> bool:
    """A pyarrow Table or RecordBatch, or a polars/pandas DataFrame (anything Arrow can read)."""
    return hasattr(data, "__arrow_c_stream__") or hasattr(data, "to_arrow") or _is_pandas(data)


def _is_pandas(data: object) -> bool:
    return type(data).__module__.startswith("pandas") and hasattr(data, "dtypes")


def to_arrow(data: object) -> Any:
    """The data as a ``pyarrow.Table`` (pyarrow is needed for tables and parquet)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is the `arrow` extra
        raise InvalidArgument(
            "tables and parquet files need pyarrow: pip install 'duneq[arrow]'"
        ) from None
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if _is_pandas(data):
        return pa.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "to_arrow"):
        return data.to_arrow()
    return pa.table(data)


# TODO(issue 13): reuse the Dune type <-> Arrow mapping of facade/duneq/_dunetypes/ once the
# `typed` branch lands on main; this is the same table, read in reverse, kept minimal here.
def dune_type_of(arrow_type: Any) -> str:
    """The Dune upload column type for an Arrow type."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_int8(arrow_type) or t.is_int16(arrow_type) or t.is_int32(arrow_type):
        return "integer"
    if t.is_uint8(arrow_type) or t.is_uint16(arrow_type):
        return "integer"
    if t.is_int64(arrow_type) or t.is_uint32(arrow_type):
        return "bigint"
    if t.is_uint64(arrow_type):
        return "uint256"
    if t.is_floating(arrow_type):
        return "double"
    if t.is_decimal(arrow_type):
        if arrow_type.scale == 0 and arrow_type.precision > 18:
            return "int256"
        return "double"
    if t.is_timestamp(arrow_type):
        return "timestamp"
    if t.is_date(arrow_type):
        return "date"
    if (
        t.is_binary(arrow_type)
        or t.is_large_binary(arrow_type)
        or t.is_fixed_size_binary(arrow_type)
    ):
        return "varbinary"
    if arrow_type == pa.null():
        return "varchar"
    return "varchar"


def schema_of(table: Any) -> list[tuple[str, str, bool]]:
    """(name, Dune type, nullable) for every column of an Arrow table."""
    return [(f.name, dune_type_of(f.type), bool(f.nullable)) for f in table.schema]


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return str(value)  # beyond what JSON numbers carry safely: send the digits
    raise TypeError(f"cannot send a {type(value).__name__} value in an upload")


def _ndjson_line(row: Mapping[str, Any]) -> bytes:
    return (
        orjson.dumps(dict(row), default=_json_value, option=orjson.OPT_PASSTHROUGH_DATETIME) + b"\n"
    )


def _pack(
    lines: Iterable[bytes], limit: int, media: str, header: bytes = b"", skip: int = 0
) -> Iterator[Chunk]:
    """Records packed into chunks of at most ``limit`` bytes (header repeated in each), the
    first ``skip`` records left out (a resumed insert)."""
    parts: list[bytes] = []
    size = len(header)
    for line in itertools.islice(lines, skip, None):
        if len(header) + len(line) > limit:
            raise InvalidArgument(
                f"one record is {len(line)} bytes, more than the {limit}-byte request limit"
            )
        if parts and size + len(line) > limit:
            yield Chunk(header + b"".join(parts), media, len(parts))
            parts, size = [], len(header)
        parts.append(line)
        size += len(line)
    if parts:
        yield Chunk(header + b"".join(parts), media, len(parts))


def _csv_records(stream: IO[bytes]) -> Iterator[bytes]:
    """CSV records from a binary stream, a quoted field's newlines kept inside its record."""
    pending = b""
    for line in stream:
        pending += line
        if pending.count(b'"') % 2 == 0:
            if not pending.endswith(b"\n"):
                pending += b"\n"
            if pending.strip():
                yield pending
            pending = b""
    if pending.strip():
        yield pending if pending.endswith(b"\n") else pending + b"\n"


def _csv_chunks(stream: IO[bytes], limit: int, skip: int = 0) -> Iterator[Chunk]:
    records = _csv_records(stream)
    header = next(records, None)
    if header is None:
        raise InvalidArgument("the CSV data is empty: expected a header row")
    yield from _pack(records, limit, CSV, header.removeprefix(b"\xef\xbb\xbf"), skip)


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    for line in stream:
        if line.strip():
            yield line if line.endswith(b"\n") else line + b"\n"


def _arrow_lines(batches: Iterable[Any]) -> Iterator[bytes]:
    for batch in batches:
        for row in batch.to_pylist():
            yield _ndjson_line(row)


def _dict_lines(rows: Iterable[Any]) -> Iterator[bytes]:
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidArgument(f"row {index} is a {type(row).__name__}, expected a dict")
        try:
            yield _ndjson_line(row)
        except TypeError as exc:
            raise InvalidArgument(f"row {index}: {exc}") from None


def _file_chunks(path: Path, limit: int, skip: int) -> Iterator[Chunk]:
    suffix = path.suffix.lower()
    if suffix in _PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(path).iter_batches(batch_size=10_000)
        yield from _pack(_arrow_lines(batches), limit, NDJSON, skip=skip)
        return
    with path.open("rb") as stream:
        if suffix in _NDJSON_SUFFIXES:
            yield from _pack(_lines(stream), limit, NDJSON, skip=skip)
        else:
            yield from _csv_chunks(stream, limit, skip)


def chunks(data: object, limit: int, skip: int = 0) -> Iterator[Chunk]:
    """Insert chunks for any accepted data (see ``Uploads.insert``), its first ``skip`` rows
    left out."""
    if isinstance(data, bytes | bytearray | memoryview):
        import io

        return _csv_chunks(io.BytesIO(bytes(data)), limit, skip)
    if is_path(data):
        path = Path(data)  # type: ignore[arg-type]
        if not path.is_file():
            raise InvalidArgument(f"no such file: {str(path)!r}")
        return _file_chunks(path, limit, skip)
    if isinstance(data, str):
        import io

        return _csv_chunks(io.BytesIO(data.encode()), limit, skip)
    if is_table(data):
        table = to_arrow(data)
        lines = _arrow_lines(table.to_batches(max_chunksize=10_000))
        return _pack(lines, limit, NDJSON, skip=skip)
    if isinstance(data, Iterable) and not isinstance(data, Mapping):
        return _pack(_dict_lines(data), limit, NDJSON, skip=skip)
    raise InvalidArgument(
        "data must be CSV bytes or text, a file path (.csv, .ndjson/.jsonl, .parquet), an "
        f"iterable of dicts, or a pyarrow/polars/pandas table; got {type(data).__name__}"
    )


def csv_text(data: object) -> str:
    """The whole CSV text for ``upload_csv`` (that endpoint takes one JSON string)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8-sig")
    if is_path(data):
        path = Path(data)  # type: ignore[arg-type]
        if not path.is_file():
            raise InvalidArgument(f"no such file: {str(path)!r}")
        if path.suffix.lower() in _PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            return _arrow_csv(pq.read_table(path))
        return path.read_text(encoding="utf-8-sig")
    if isinstance(data, str):
        return data
    if is_table(data):
        return _arrow_csv(to_arrow(data))
    raise InvalidArgument(
        "data must be CSV bytes or text, a file path or a pyarrow/polars/pandas table; "
        f"got {type(data).__name__}"
    )


def _arrow_csv(table: Any) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for batch in table.to_batches(max_chunksize=10_000):
        for row in batch.to_pylist():
            writer.writerow("" if v is None else _text(v) for v in row.values())
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview | dt.date | decimal.Decimal):
        return str(_json_value(value))
    return str(value)
