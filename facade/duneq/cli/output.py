"""Result writers of the duneq command: table, csv, json, jsonl and parquet, page by page.

Streaming formats hold one page in memory at a time. A file given with ``--out`` is written as
``FILE.part`` and renamed when complete, so a failed download never looks like a finished one.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import orjson

from .._types import Row
from .errors import UsageError

FORMATS = ("table", "csv", "json", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
PARQUET_HINT = (
    "parquet output needs pyarrow: install the arrow extra "
    "(pip install 'duneq[arrow]', or uv sync --extra arrow)"
)


def resolve_format(explicit: str | None, out: str | None) -> str:
    """The output format: ``-o`` if given, else guessed from ``--out``'s extension, else table."""
    if explicit is not None:
        return explicit
    if out is not None:
        return _EXTENSIONS.get(Path(out).suffix.lower(), "table")
    return "table"


def check_output(fmt: str, out: str | None) -> None:
    """Refuse an impossible output before any query runs (and credits are spent)."""
    if fmt == "parquet":
        if out is None:
            raise UsageError("parquet output is binary: give a file with --out FILE.parquet")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError(PARQUET_HINT) from None
    if out is not None:
        parent = Path(out).expanduser().resolve().parent
        if not parent.is_dir():
            raise UsageError(f"--out: directory {str(parent)!r} does not exist")


def cell(value: Any) -> str:
    """One value as text: empty for null, true/false, JSON for arrays and maps."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


@contextmanager
def _text_target(out: str | None, stdout: TextIO) -> Iterator[TextIO]:
    if out is None:
        yield stdout
        stdout.flush()
        return
    path = Path(out).expanduser()
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def write_rows(
    pages: Iterable[list[Row]],
    columns: list[str],
    column_types: list[str],
    *,
    fmt: str,
    out: str | None,
    stdout: TextIO,
    rich_table: bool,
) -> int:
    """Write every page in ``fmt`` to ``out`` (or stdout); returns the number of rows written."""
    if fmt == "parquet":
        assert out is not None
        return _write_parquet(pages, columns, column_types, Path(out).expanduser())
    with _text_target(out, stdout) as target:
        if fmt == "csv":
            return _write_csv(pages, columns, target)
        if fmt == "json":
            return _write_json(pages, target)
        if fmt == "jsonl":
            return _write_jsonl(pages, target)
        rows = [row for page in pages for row in page]
        if rich_table and out is None:
            _rich_table(rows, columns, target)
        else:
            target.write(plain_table(rows, columns))
        return len(rows)


def _write_csv(pages: Iterable[list[Row]], columns: list[str], target: TextIO) -> int:
    writer = csv.writer(target, lineterminator="\n")
    header = list(columns)
    count = 0
    for page in pages:
        if not header and page:
            header = list(page[0])
        if count == 0:
            writer.writerow(header)
        writer.writerows([cell(row.get(name)) for name in header] for row in page)
        count += len(page)
    if count == 0:
        writer.writerow(header)
    return count


def _write_json(pages: Iterable[list[Row]], target: TextIO) -> int:
    count = 0
    target.write("[")
    for page in pages:
        for row in page:
            target.write(("\n" if count == 0 else ",\n") + orjson.dumps(row).decode())
            count += 1
    target.write("\n]\n" if count else "]\n")
    return count


def _write_jsonl(pages: Iterable[list[Row]], target: TextIO) -> int:
    count = 0
    for page in pages:
        target.write("".join(orjson.dumps(row).decode() + "\n" for row in page))
        count += len(page)
    return count


def plain_table(rows: list[Row], columns: list[str]) -> str:
    """An aligned text table with a header rule; no colour or box characters."""
    names = list(columns) or (list(rows[0]) if rows else [])
    grid = [[cell(row.get(name)) for name in names] for row in rows]
    widths = [max([len(name)] + [len(line[i]) for line in grid]) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(value.ljust(w) for value, w in zip(line, widths, strict=True)).rstrip()
        for line in grid
    )
    if not rows:
        lines.append("(no rows)")
    return "\n".join(lines) + "\n"


def _rich_table(rows: list[Row], columns: list[str], target: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    names = list(columns) or (list(rows[0]) if rows else [])
    table = Table(show_lines=False, header_style="bold")
    for name in names:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(name)) for name in names))
    Console(file=target).print(table)


_INT_TYPES = ("tinyint", "smallint", "integer", "int", "bigint")
_FLOAT_TYPES = ("double", "real", "float")


def _arrow_type(pa: Any, dune_type: str) -> Any:
    base = dune_type.lower().split("(")[0].strip()
    if base in _INT_TYPES:
        return pa.int64()
    if base in _FLOAT_TYPES:
        return pa.float64()
    if base == "boolean":
        return pa.bool_()
    return pa.string()


def _write_parquet(
    pages: Iterable[list[Row]], columns: list[str], column_types: list[str], path: Path
) -> int:
    """Integers, doubles and booleans keep their type; everything else is stored as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = list(column_types) + ["varchar"] * (len(columns) - len(column_types))
    schema = pa.schema(
        [pa.field(name, _arrow_type(pa, t)) for name, t in zip(columns, types, strict=False)]
    )
    text_columns = [f.name for f in schema if f.type == pa.string()]
    part = path.with_name(path.name + ".part")
    count = 0
    try:
        with pq.ParquetWriter(str(part), schema) as writer:
            for page in pages:
                data: dict[str, list[Any]] = {name: [] for name in columns}
                for row in page:
                    for name in columns:
                        data[name].append(row.get(name))
                for name in text_columns:
                    data[name] = [None if v is None else cell(v) for v in data[name]]
                writer.write_table(pa.table(data, schema=schema))
                count += len(page)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return count
