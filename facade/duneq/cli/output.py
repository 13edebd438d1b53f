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
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from .errors import UsageError

Row = dict[str, Any]  # one result row, by column name

if TYPE_CHECKING:
    from duneq import Result

_ENCODER = msgspec.json.Encoder()
FORMATS = ("table", "csv", "json", "jsonl", "parquet", "dataset")
#: Rows a table on stdout shows unless ``--all`` (as DuckDB's shell); only they are fetched.
TABLE_ROWS = 40
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


def is_dataset_target(out: str | None) -> bool:
    """``--out`` names a dataset: a URI (``s3://``, ``gs://``, ``file://``) or a folder
    (a trailing slash, or an existing directory)."""
    if not out:
        return False
    return "://" in out or out.endswith(("/", os.sep)) or Path(out).expanduser().is_dir()


def resolve_format(
    explicit: str | None, out: str | None, partition_by: list[str] | None = None
) -> str:
    """The output format: ``-o`` if given, else a dataset for a folder or URI ``--out`` (or
    with ``--partition-by``), else from ``--out``'s extension (an unknown one is refused,
    never written as a text table under a misleading name), else table."""
    wants_dataset = bool(partition_by) or is_dataset_target(out)
    if explicit is not None:
        if wants_dataset and explicit != "dataset":
            what = "--partition-by" if partition_by else f"--out {out}"
            raise UsageError(f"{what} writes a dataset: drop -o {explicit} (or use -o dataset)")
        return explicit
    if wants_dataset:
        return "dataset"
    if out is not None:
        suffix = Path(out).suffix.lower()
        if suffix not in _EXTENSIONS:
            known = ", ".join(_EXTENSIONS)
            raise UsageError(
                f"--out {out}: cannot tell the format from {suffix or 'a name without an extension'}"
                f"; use one of {known}, or give -o table|csv|json|jsonl|parquet"
            )
        return _EXTENSIONS[suffix]
    return "table"


def check_output(fmt: str, out: str | None) -> None:
    """Refuse an impossible output before any query runs (and credits are spent)."""
    if fmt == "dataset":
        if not out:
            raise UsageError("a dataset needs a folder or URI: --out s3://bucket/prefix/")
        try:
            import pyarrow
        except ImportError:
            raise UsageError(PARQUET_HINT.replace("parquet output", "a dataset")) from None
        if "://" not in out:
            parent = Path(out).expanduser().resolve().parent
            if not parent.is_dir():
                raise UsageError(f"--out: directory {str(parent)!r} does not exist")
        return
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
        width = table_width(target) if out is None else None
        if rich_table and out is None:
            _rich_table(rows, columns, target, width)
        else:
            target.write(plain_table(rows, columns, width))
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


def table_width(target: TextIO) -> int | None:
    """The width a table on a terminal must fit: ``COLUMNS`` when set, else the terminal's;
    None (never cut) when writing to a pipe or file, whatever ``COLUMNS`` says."""
    try:
        if not target.isatty():
            return None
    except (AttributeError, ValueError, OSError):
        return None
    raw = os.environ.get("COLUMNS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return shutil.get_terminal_size().columns


def _ellipsis(target: TextIO | None = None) -> str:
    encoding = getattr(target or sys.stdout, "encoding", None) or "utf-8"
    try:
        "\u2026".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "~"
    return "\u2026"


@dataclass
class Fitted:
    """A table cut to a width: the columns kept, their widths, cells elided to fit, and how
    many trailing columns were dropped."""

    names: list[str]
    widths: list[int]
    grid: list[list[str]]
    dropped: int
    elided: bool

    def note(self) -> str:
        """What was left out and how to see it, or "" when nothing was."""
        if self.dropped:
            what = f"+{self.dropped} column{'' if self.dropped == 1 else 's'} not shown"
        elif self.elided:
            what = "long values shortened"
        else:
            return ""
        return f"({what}; use -o csv or -o json, or --columns to choose)"


#: The narrowest an elided text column gets (room for ``0x1234…cdef``).
_MIN_WIDTH = 11


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def elide(text: str, width: int, mark: str = "\u2026") -> str:
    """``text`` in at most ``width`` characters: a hex hash keeps both ends (``0x1234…cdef``),
    other text its start."""
    if len(text) <= width:
        return text
    if width <= len(mark):
        return text[:width]
    if text.startswith("0x") and width >= 7:
        tail = (width - len(mark)) // 2
        return text[: width - len(mark) - tail] + mark + text[-tail:]
    return text[: width - len(mark)] + mark


def fit_table(
    rows: list[Row],
    names: list[str],
    width: int | None,
    *,
    gap: int = 2,
    edge: int = 0,
    mark: str = "\u2026",
) -> Fitted:
    """Fit ``rows`` in ``width`` characters (``gap`` between columns, ``edge`` around them):
    numbers are never cut, text columns shrink evenly down to a minimum, and the columns that
    still do not fit are dropped from the right."""
    grid = [[cell(row.get(name)) for name in names] for row in rows]
    natural = [max([len(name)] + [len(line[i]) for line in grid]) for i, name in enumerate(names)]
    if width is None or sum(natural) + gap * max(len(names) - 1, 0) + edge <= width:
        return Fitted(list(names), natural, grid, 0, False)
    numeric = [
        bool(rows) and all(_is_number(r.get(n)) or r.get(n) is None for r in rows) for n in names
    ]
    least = [w if num else min(w, _MIN_WIDTH) for w, num in zip(natural, numeric, strict=True)]
    kept, used = 0, edge
    for i, w in enumerate(least):
        need = w + (gap if i else 0)
        if kept and used + need > width:
            break
        used += need
        kept += 1
    room = width - edge - gap * (kept - 1)
    widths = _share(natural[:kept], least[:kept], room)
    cut = [[elide(v, w, mark) for v, w in zip(line[:kept], widths, strict=True)] for line in grid]
    heads = [elide(n, w, mark) for n, w in zip(names[:kept], widths, strict=True)]
    elided = any(w < n for w, n in zip(widths, natural, strict=False))
    return Fitted(heads, widths, cut, len(names) - kept, elided)


def _share(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within ``room``: every column its natural width up to a common cap, the
    cap as high as fits (never below a column's least width)."""
    if sum(natural) <= room:
        return list(natural)
    low, high = 0, max(natural)
    while low < high:  # the largest cap that fits
        cap = (low + high + 1) // 2
        if sum(max(lo, min(n, cap)) for n, lo in zip(natural, least, strict=True)) <= room:
            low = cap
        else:
            high = cap - 1
    return [max(lo, min(n, low)) for n, lo in zip(natural, least, strict=True)]


def plain_table(rows: list[Row], columns: list[str], width: int | None = None) -> str:
    """An aligned text table with a header rule; no colour or box characters. With a
    ``width``, it is cut to fit (see ``fit_table``) and a last line says what was left out."""
    names = list(columns) or (list(rows[0]) if rows else [])
    fitted = fit_table(rows, names, width, mark=_ellipsis())
    widths = fitted.widths
    lines = [
        "  ".join(name.ljust(w) for name, w in zip(fitted.names, widths, strict=True)).rstrip()
    ]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(value.ljust(w) for value, w in zip(line, widths, strict=True)).rstrip()
        for line in fitted.grid
    )
    if not rows:
        lines.append("(no rows)")
    if fitted.note():
        lines.append(fitted.note())
    return "\n".join(lines) + "\n"


def _rich_table(rows: list[Row], columns: list[str], target: TextIO, width: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    names = list(columns) or (list(rows[0]) if rows else [])
    # rich's box: one edge character each side, one padding space each side of every cell and
    # one rule between cells, so n columns cost 3n + 1 characters besides their text
    fitted = fit_table(rows, names, width, gap=3, edge=4, mark=_ellipsis(target))
    table = Table(show_lines=False, header_style="bold")
    for name, w in zip(fitted.names, fitted.widths, strict=True):
        table.add_column(name, no_wrap=True, overflow="ellipsis", min_width=w)
    for line in fitted.grid:
        table.add_row(*line)
    console = Console(file=target, width=width) if width else Console(file=target)
    console.print(table)
    if fitted.note():
        console.print(fitted.note(), markup=False, highlight=False, soft_wrap=True)


def partition_columns(given: list[str] | None) -> list[str] | None:
    """``--partition-by`` values: repeated and/or comma-separated column names."""
    if not given:
        return None
    names = [name.strip() for value in given for name in value.split(",")]
    if any(not name for name in names):
        raise UsageError(f"--partition-by: empty column name in {','.join(given)!r}")
    return names


def write_dataset(result: Result, args: Any) -> int:
    """The result streamed into a (partitioned) parquet dataset at ``--out``; returns rows."""
    existing = args.existing or "error"
    if existing == "skip":
        raise UsageError(
            "--existing skip is for sweeps; a result takes error, "
            "overwrite_or_ignore or delete_matching"
        )
    written = result.to_dataset(
        os.path.expanduser(args.out) if "://" not in args.out else args.out,
        partition_by=partition_columns(args.partition_by),
        existing=existing,
    )
    return written.rows


def write_parquet(result: Result, out: str | None) -> int:
    """The result as Parquet with the typed schema (see the README's typed-results section), streamed page
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
