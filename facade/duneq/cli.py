"""The ``duneq`` command: run Dune queries and SQL from a terminal, script or CI job.

argparse keeps start-up fast; rich, pyarrow and the emulator are imported only when needed.
Data goes to stdout (or ``--out``); progress, warnings, errors and the cost line go to stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from ._cli_errors import (
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    UsageError,
    error_line,
    exit_code_for,
)
from ._cli_output import FORMATS, check_output, resolve_format, write_rows
from ._cli_progress import Board, ExecutionProgress, cost_line, live_wanted
from ._errors import PartialResultWarning, UnknownStateWarning
from ._version import __version__

if TYPE_CHECKING:
    from ._client import Client
    from ._results import Result

Handler = Callable[[argparse.Namespace], int]

_DESCRIPTION = """\
Run Dune Analytics queries from the command line.

The API key comes from DUNE_API_KEY (or --api-key); the API from DUNE_API_BASE_URL
(or --base-url, default https://api.dune.com). Try `duneq demo` first: it needs no key
and no network."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, not printed with the usage)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# --------------------------------------------------------------------------- argument types


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``6h``, ``2d`` or ``1h30m``."""
    raw = text.strip().lower()
    try:
        value = float(raw)
    except ValueError:
        pos, total = 0, 0.0
        for match in _DURATION.finditer(raw):
            if match.start() != pos:
                break
            total += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(raw) or not raw:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a duration (use seconds or e.g. 90s, 15m, 6h, 2d, 1h30m)"
            ) from None
        return total
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration cannot be negative")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive whole number")
    return value


def _query_id(text: str) -> int:
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a query id (a positive whole number)"
        ) from None


def parse_params(items: Sequence[str] | None) -> dict[str, Any] | None:
    """``k=v`` pairs; a key given twice becomes a list (a multi-select parameter)."""
    if not items:
        return None
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        key = key.strip()
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


# --------------------------------------------------------------------------- parser


def _add_globals(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Connection and verbosity flags, accepted before or after the command name."""

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("connection and output control")
    group.add_argument(
        "--api-key",
        default=default(None),
        metavar="KEY",
        help="Dune API key (default: $DUNE_API_KEY); never printed",
    )
    group.add_argument(
        "--base-url",
        default=default(None),
        metavar="URL",
        help="API base URL (default: $DUNE_API_BASE_URL or https://api.dune.com)",
    )
    group.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks on errors"
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no progress display and no cost line",
    )


def _add_execution_flags(parser: argparse.ArgumentParser, *, params: bool = True) -> None:
    group = parser.add_argument_group("execution")
    if params:
        group.add_argument(
            "--param",
            action="append",
            metavar="NAME=VALUE",
            help="query parameter (repeatable; repeat a name for a multi-select list)",
        )
    group.add_argument(
        "--performance", choices=("medium", "large"), help="engine size (default: plan default)"
    )
    _add_wait_flags(group)


def _add_wait_flags(group: Any) -> None:
    group.add_argument(
        "--timeout",
        type=parse_duration,
        default=600.0,
        metavar="S",
        help="give up waiting after S seconds or a duration like 10m (default 600)",
    )
    group.add_argument(
        "--no-cancel",
        action="store_true",
        help="leave the execution running on timeout or Ctrl-C (default: cancel it)",
    )


def _add_result_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("result")
    group.add_argument(
        "--limit", type=_positive_int, metavar="N", help="fetch only the first N rows"
    )
    group.add_argument("--columns", metavar="A,B", help="fetch only these columns")
    group.add_argument(
        "--filters", metavar="EXPR", help='server-side row filter, e.g. "amount_usd > 100"'
    )
    group.add_argument(
        "--sort-by", metavar="EXPR", help='server-side order, e.g. "amount_usd desc"'
    )
    group.add_argument(
        "--sample", type=_positive_int, metavar="N", help="fetch a random sample of about N rows"
    )
    group.add_argument(
        "--partial",
        choices=("error", "warn", "allow"),
        default="warn",
        help="what to do with a truncated result (default: warn)",
    )
    group.add_argument(
        "--ignore-datapoint-limit",
        action="store_true",
        help="lift Dune's per-request datapoint and credit limit",
    )
    group.add_argument(
        "--max-datapoints",
        type=_positive_int,
        metavar="N",
        help="refuse to download a result larger than N datapoints (rows x columns)",
    )
    group.add_argument(
        "--page-size", type=_positive_int, metavar="N", help="rows per request (default 32000)"
    )


def _add_output_flags(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "-o",
        "--output",
        choices=formats,
        default=None,
        help="output format (default: from --out's extension, else table)",
    )
    group.add_argument(
        "--out", metavar="FILE", help="write to FILE instead of stdout, streaming page by page"
    )


def build_parser() -> argparse.ArgumentParser:
    """The full ``duneq`` argument parser."""
    parser = _Parser(
        prog="duneq",
        description=_DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"duneq {__version__}")
    _add_globals(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        _add_globals(sub, top=False)
        return sub

    run = command("run", _cmd_run, "Execute a saved query, wait, and print its result.")
    run.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    _add_execution_flags(run)
    _add_result_flags(run)
    _add_output_flags(run)

    sql = command("sql", _cmd_sql, "Execute raw SQL, wait, and print its result.")
    sql.add_argument("sql", nargs="?", metavar="SQL", help='the SQL text, or "-" for stdin')
    sql.add_argument("-f", "--file", metavar="FILE", help="read the SQL from FILE")
    _add_execution_flags(sql)
    _add_result_flags(sql)
    _add_output_flags(sql)

    status = command("status", _cmd_status, "Show the status of an execution.")
    status.add_argument("execution_id", metavar="EXECUTION_ID")
    _add_output_flags(status, formats=("table", "json"))

    results = command(
        "results", _cmd_results, "Print the result of an execution (waits if it is running)."
    )
    results.add_argument("execution_id", metavar="EXECUTION_ID")
    _add_wait_flags(results.add_argument_group("execution"))
    _add_result_flags(results)
    _add_output_flags(results)

    cancel = command("cancel", _cmd_cancel, "Cancel a pending or running execution.")
    cancel.add_argument("execution_id", metavar="EXECUTION_ID")

    latest = command(
        "latest",
        _cmd_latest,
        "Print a query's latest result; run it again if that is older than --max-age.",
    )
    latest.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    latest.add_argument(
        "--max-age",
        type=parse_duration,
        metavar="AGE",
        help="reuse the latest result only if it is at most this old (e.g. 30m, 6h, 2d)",
    )
    _add_execution_flags(latest)
    _add_result_flags(latest)
    _add_output_flags(latest)

    pipeline = command(
        "pipeline",
        _cmd_pipeline,
        "Run a query's pipeline (its materialized views first), node by node.",
    )
    pipeline.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    pipeline.add_argument("--plan", action="store_true", help="show the lineage; run nothing")
    _add_execution_flags(pipeline)

    emulator = command(
        "emulator", _cmd_emulator, "Start the local Dune-compatible emulator (Ctrl-C stops it)."
    )
    emulator.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    emulator.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    emulator.add_argument("--data-dir", metavar="DIR", help="keep queries, tables and results here")

    command("demo", _cmd_demo, "Tour duneq against an embedded emulator (no key, no network).")
    return parser


# --------------------------------------------------------------------------- helpers


def _client(args: argparse.Namespace, **kwargs: Any) -> Client:
    from ._client import Client
    from ._types import NOT_GIVEN

    return Client(
        args.api_key if args.api_key else NOT_GIVEN,
        base_url=args.base_url if args.base_url else NOT_GIVEN,
        **kwargs,
    )


def _board(args: argparse.Namespace) -> Board:
    return Board(sys.stderr, live=live_wanted(), enabled=not args.quiet)


def _result_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "limit": args.limit,
        "columns": args.columns,
        "filters": args.filters,
        "sort_by": args.sort_by,
        "sample_count": args.sample,
        "partial": args.partial,
        "ignore_datapoint_limit": args.ignore_datapoint_limit,
        "max_datapoints": args.max_datapoints,
    }
    if args.page_size is not None:
        options["page_size"] = args.page_size
    # with --limit the client asks for min(limit, page size) rows and stops after `limit`
    return options


def _wait_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"timeout": args.timeout, "cancel_on_timeout": not args.no_cancel}


def _output(args: argparse.Namespace) -> str:
    fmt = resolve_format(args.output, args.out)
    check_output(fmt, args.out)
    return fmt


def _emit(args: argparse.Namespace, board: Board, result: Result, fmt: str, started: float) -> int:
    """Write the result, then the cost line; returns the exit code."""
    board.close()  # the live display must stop before data is printed
    rows = write_rows(
        result.iter_pages(),
        result.column_names,
        result.metadata.column_types,
        fmt=fmt,
        out=args.out,
        stdout=sys.stdout,
        rich_table=live_wanted(),
    )
    if not args.quiet:
        if args.out:
            print(f"wrote {rows:,} rows to {args.out}", file=sys.stderr)
        note = f"reused the latest result, execution {result.execution_id}" if result.reused else ""
        print(
            cost_line(
                credits=result.cost_credits,
                datapoints=result.metadata.datapoint_count,
                rows=rows,
                seconds=time.monotonic() - started,
                note=note,
            ),
            file=sys.stderr,
        )
    return 0


# --------------------------------------------------------------------------- commands


def _cmd_run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    params = parse_params(args.param)
    with _client(args) as client, _board(args) as board:
        result = client.run_query(
            args.query_id,
            params,
            performance=args.performance,
            on_progress=ExecutionProgress(board),
            **_wait_options(args),
            **_result_options(args),
        )
        return _emit(args, board, result, fmt, started)


def _read_sql(args: argparse.Namespace) -> str:
    if args.file is not None and args.sql is not None:
        raise UsageError("give the SQL either as an argument or with -f FILE, not both")
    if args.file is not None:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-f {args.file}: {exc.strerror or exc}") from None
    elif args.sql is not None and args.sql != "-":
        text = args.sql
    elif args.sql == "-" or not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise UsageError('no SQL given: pass it as an argument, with -f FILE, or on stdin ("-")')
    if not text.strip():
        raise UsageError("the SQL is empty")
    return text


def _cmd_sql(args: argparse.Namespace) -> int:
    started = time.monotonic()
    sql = _read_sql(args)
    fmt = _output(args)
    params = parse_params(args.param)
    with _client(args) as client, _board(args) as board:
        result = client.run_sql(
            sql,
            params,
            performance=args.performance,
            on_progress=ExecutionProgress(board),
            **_wait_options(args),
            **_result_options(args),
        )
        return _emit(args, board, result, fmt, started)


def _cmd_results(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    with _client(args) as client, _board(args) as board:
        result = client.get_result(
            args.execution_id,
            on_progress=ExecutionProgress(board),
            **_wait_options(args),
            **_result_options(args),
        )
        return _emit(args, board, result, fmt, started)


def _cmd_latest(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    params = parse_params(args.param)
    max_age = timedelta(seconds=args.max_age) if args.max_age is not None else None
    with _client(args) as client, _board(args) as board:
        result = client.latest_result(
            args.query_id,
            max_age=max_age,
            params=params,
            performance=args.performance,
            on_progress=ExecutionProgress(board),
            **_wait_options(args),
            **_result_options(args),
        )
        return _emit(args, board, result, fmt, started)


def _cmd_status(args: argparse.Namespace) -> int:
    import orjson

    fmt = args.output or "table"
    with _client(args) as client:
        status = client.get_status(args.execution_id)
    meta = status.result_metadata
    fields: dict[str, Any] = {
        "execution_id": status.execution_id,
        "query_id": status.query_id,
        "state": str(status.state),
        "queue_position": status.queue_position,
        "submitted_at": status.submitted_at,
        "execution_started_at": status.execution_started_at,
        "execution_ended_at": status.execution_ended_at,
        "expires_at": status.expires_at,
        "cancelled_at": status.cancelled_at,
        "execution_cost_credits": status.execution_cost_credits,
        "total_row_count": meta.total_row_count if meta else None,
        "datapoint_count": meta.datapoint_count if meta else None,
    }
    if status.error is not None:
        fields["error"] = status.error.message
        fields["error_line"] = status.error.line
        fields["error_column"] = status.error.column
    text = (
        orjson.dumps(fields, option=orjson.OPT_INDENT_2).decode() + "\n"
        if fmt == "json"
        else "".join(
            f"{name:<24}{'' if value is None else value}\n" for name, value in fields.items()
        )
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_cancel(args: argparse.Namespace) -> int:
    with _client(args) as client:
        confirmed = client.cancel(args.execution_id)
    if not confirmed:
        print(
            f"error: the API did not confirm cancelling [execution_id={args.execution_id}]",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"cancelled {args.execution_id.strip().upper()}")
    return 0


def _cmd_pipeline(args: argparse.Namespace) -> int:
    from ._cli_pipeline import run_pipeline_command

    with _client(args) as client:
        return run_pipeline_command(args, client, parse_params(args.param), _board(args))


def _cmd_emulator(args: argparse.Namespace) -> int:
    try:
        from dune_emulator.cli import main as emulator_main
    except ImportError:
        raise UsageError(
            "the emulator needs the emulator extra: pip install 'duneq[emulator]'"
        ) from None
    argv = ["--host", args.host, "--port", str(args.port)]
    if args.data_dir:
        argv += ["--data-dir", args.data_dir]
    return emulator_main(argv, prog="duneq emulator")


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._cli_demo import run_demo

    return run_demo(quiet=args.quiet)


# --------------------------------------------------------------------------- entry point


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    text = str(message).replace("\n", " ")
    if isinstance(message, PartialResultWarning) or category is PartialResultWarning:
        found = _EXECUTION_ID.search(text)
        where = f" [execution_id={found.group(0)}]" if found else ""
        text = (
            "the result is partial (truncated by Dune); --partial allow silences this, "
            f"--partial error refuses it{where}"
        )
    print(f"warning: {text}", file=sys.stderr)


_EXECUTION_ID = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``duneq`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(error_line(exc), file=sys.stderr)
        return exit_code_for(exc)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    handler: Handler = args.handler
    with warnings.catch_warnings():
        warnings.simplefilter("always", PartialResultWarning)
        warnings.simplefilter("always", UnknownStateWarning)
        warnings.showwarning = _show_warning
        try:
            return handler(args)
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if args.debug:
                traceback.print_exc()
            print(error_line(exc), file=sys.stderr)
            return exit_code_for(exc)
