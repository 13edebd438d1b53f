"""``duneq sweep`` (a query over a parameter grid, with a live done/running/queued/failed line)
and ``duneq cache ls|clear|path``."""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from duneq import DuneWarning, SweepWarning

from .errors import EXIT_ERROR, Interrupted, UsageError
from .output import write_rows
from .progress import Board, cost_line, live_wanted

if TYPE_CHECKING:
    from duneq import Client, SweepProgress

_MAX_GRID = 100_000


def _expand(name: str, value: str) -> list[str]:
    """``A..B``: every day (ISO dates) or every integer from A to B, both included."""
    low, sep, high = value.partition("..")
    if not sep:
        return [value]
    try:
        first, last = date.fromisoformat(low.strip()), date.fromisoformat(high.strip())
    except ValueError:
        return _int_range(name, value, low, high)
    if last < first:
        raise UsageError(f"--param {name}={value}: the range ends before it starts")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _int_range(name: str, value: str, low: str, high: str) -> list[str]:
    try:
        start, stop = int(low), int(high)
    except ValueError:
        raise UsageError(
            f"--param {name}={value}: a range is A..B with two dates (YYYY-MM-DD) or two "
            "whole numbers"
        ) from None
    if stop < start:
        raise UsageError(f"--param {name}={value}: the range ends before it starts")
    return [str(n) for n in range(start, stop + 1)]


def parse_grid(items: Sequence[str] | None) -> list[dict[str, Any]]:
    """The parameter sets of a sweep: each name's values (ranges expanded, a repeated name adds
    values), combined as a grid in the order the names were first given."""
    values: dict[str, list[str]] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE or NAME=A..B")
        values.setdefault(name.strip(), []).extend(_expand(name.strip(), value))
    if not values:
        raise UsageError("a sweep needs at least one --param NAME=A..B (or repeated NAME=VALUE)")
    size = 1
    for options in values.values():
        size *= len(options)
    if size > _MAX_GRID:
        raise UsageError(f"the grid has {size:,} parameter sets; at most {_MAX_GRID:,} are allowed")
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def run_sweep_command(args: argparse.Namespace, client: Client, board: Board, fmt: str) -> int:
    started = time.monotonic()
    grid = parse_grid(args.param)

    def show(progress: SweepProgress) -> None:
        def text() -> str:
            again = f", {progress.reruns} run again" if progress.reruns else ""
            return (
                f"sweep: {progress.done} done, {progress.running} running, "
                f"{progress.queued} queued, {progress.failed} failed{again}, "
                f"{progress.credits:,.6g} credits"
            )

        board.update("sweep", text, (progress.done, progress.running, progress.failed))

    dataset: dict[str, Any] = {}
    if fmt == "dataset":
        from .output import partition_columns

        if args.existing not in (None, "skip"):
            raise UsageError("a sweep's dataset fills in missing items: --existing skip only")
        out = args.out if "://" in args.out else os.path.expanduser(args.out)
        dataset = {"out": out, "partition_by": partition_columns(args.partition_by)}
    try:
        with board, warnings.catch_warnings():
            warnings.simplefilter("ignore", DuneWarning)  # every failure is printed below
            warnings.simplefilter("always", SweepWarning)  # an item that may be billed twice
            runs = client.sweep(
                args.query_id,
                grid,
                max_concurrent=args.max_concurrent,
                state=args.state,
                on_progress=show,
                performance=args.performance,
                timeout=args.timeout,
                cancel_on_timeout=not args.no_cancel,
                keep_going=args.keep_going,
                **dataset,
            )
    except KeyboardInterrupt:
        if args.state:
            hint = (
                f"run the same command again (with --state {args.state}) to resume: it waits "
                "on the runs started and never runs a finished item again"
            )
        elif dataset:
            hint = (
                f"run the same command again to resume: the items already in {args.out} are "
                "not run again (give --state FILE too to wait on the runs started)"
            )
        else:
            hint = (
                "the runs already started go on; give --state FILE next time to make a sweep "
                "resumable"
            )
        raise Interrupted(f"interrupted; {hint}") from None
    if runs.items and len(runs.failed) == len(runs.items):
        for failure in runs.failed:
            where = ", ".join(f"{k}={v}" for k, v in failure.params.items())
            print(f"error: sweep item {where}: {failure.error}", file=sys.stderr)
        print(f"error: every sweep item failed ({len(runs)}); nothing written", file=sys.stderr)
        return EXIT_ERROR
    if fmt == "dataset":
        rows = runs.output.rows if runs.output is not None else 0
    elif fmt == "parquet":
        rows = write_sweep_parquet(runs, args.out)
    else:
        rows = write_rows(
            [runs.rows],
            runs.column_names,
            runs.column_types,
            fmt=fmt,
            out=args.out,
            stdout=sys.stdout,
            rich_table=live_wanted(),
        )
    for failure in runs.failed:
        where = ", ".join(f"{k}={v}" for k, v in failure.params.items())
        print(f"error: sweep item {where}: {failure.error}", file=sys.stderr)
    if not args.quiet:
        if args.out:
            print(f"wrote {rows:,} rows to {args.out}", file=sys.stderr)
        spent = client.spent
        note = f"{len(runs) - len(runs.failed)} of {len(runs)} runs completed"
        line = cost_line(
            credits=spent.credits,
            datapoints=spent.datapoints,
            rows=rows,
            seconds=time.monotonic() - started,
            note=note,
        )
        print(line, file=sys.stderr)
    return EXIT_ERROR if runs.failed else 0


def run_cache_command(args: argparse.Namespace) -> int:
    from duneq import Cache

    cache = Cache() if args.cache is None or args.cache is True else Cache(args.cache)
    if args.action == "path":
        print(cache.path)
    elif args.action == "clear":
        print(f"removed {cache.clear()} cache entries from {cache.path}")
    else:
        infos = cache.ls()
        for info in infos:
            expires = info.expires_at.isoformat() if info.expires_at else "-"
            print(
                f"{info.execution_id}  {_entry_of(info)}"
                f"  {info.row_count:>10,} rows  {info.size:>12,} bytes  expires {expires}"
            )
        total = sum(info.size for info in infos)
        print(f"{len(infos)} entries, {total:,} bytes in {cache.path}", file=sys.stderr)
    return 0


def _entry_of(info: Any) -> str:
    """What an entry is of: ``query N``, or the SQL text of a raw-SQL run on one line."""
    if info.sql is not None:
        text = " ".join(info.sql.split())
        shown = text if len(text) <= 60 else text[:59] + "…"
        return f'sql "{shown}"'
    return f"query {info.query_id if info.query_id else '-'}"


def write_sweep_parquet(runs: Any, out: str | None) -> int:
    """Write every sweep row, parameter columns included, to a typed parquet file."""
    if not out:
        raise UsageError("parquet output is binary: give a file with --out FILE.parquet")
    table = runs.to_arrow()  # names the missing extra when pyarrow is not installed
    import pyarrow.parquet as pq

    pq.write_table(table, out)
    return int(table.num_rows)
