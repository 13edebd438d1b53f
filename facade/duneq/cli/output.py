"""Result writers of the duneq command: table, csv, json, jsonl and parquet, page by page.

Streaming formats hold one page in memory at a time. A file given with ``--out`` is written as
``FILE.part`` and renamed when complete, so a failed download never looks like a finished one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from .._types import Row
from .errors import UsageError

if TYPE_CHECKING:
    from .._results import Result

_ENCODER = msgspec.json.Encoder()
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
    """One value as text: empty for null, true/false, JSON for arrays and maps; typed values
    (datetime, date, Decimal, bytes, wide ints) as Dune writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=_typed_text)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.datetime | dt.date | bytes):
        return _typed_text(value)
    return str(value)


def _typed_text(value: Any) -> str:
    """Text of a typed value: UTC times with milliseconds, dates, 0x hex, exact decimals."""
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d} UTC"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)  # Decimal keeps its scale


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
        raise UsageError("parquet output is written from the result: use write_parquet")
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
            target.write(("\n" if count == 0 else ",\n") + _json(row))
            count += 1
    target.write("\n]\n" if count else "]\n")
    return count


def _write_jsonl(pages: Iterable[list[Row]], target: TextIO) -> int:
    count = 0
    for page in pages:
        target.write("".join(_json(row) + "\n" for row in page))
        count += len(page)
    return count


def _json(row: Row) -> str:
    """One row as compact JSON; msgspec writes integers of any width exactly (orjson refuses
    those wider than 64 bits)."""
    return _ENCODER.encode(row).decode()


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


def write_parquet(result: Result, out: str | None) -> int:
    """The result as Parquet with the typed schema (see docs/typed-results.md), streamed page
    by page into ``FILE.part`` and renamed when complete; returns the rows written."""
    if out is None:
        raise UsageError("parquet output is binary: give a file with --out FILE.parquet")
    path = Path(out).expanduser()
    part = path.with_name(path.name + ".part")
    try:
        count = result.to_parquet(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return count
