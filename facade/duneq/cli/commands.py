"""The ``duneq`` commands: each takes the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EXIT_ERROR, Interrupted, QueryArchived, UsageError, transport_problem
from .output import (
    TABLE_ROWS,
    check_output,
    resolve_format,
    write_dataset,
    write_parquet,
    write_rows,
)
from .parser import parse_params
from .progress import Board, ExecutionProgress, FetchLine, cost_line, live_wanted, plural, say

if TYPE_CHECKING:
    from duneq import Client, Result, Retrying

    from ..mcp import ServerConfig
    from .output import Row

#: States in which an execution's result can be read.
_SUCCESS = ("QUERY_STATE_COMPLETED", "QUERY_STATE_COMPLETED_PARTIAL")

# --------------------------------------------------------------------------- helpers


def _client(args: argparse.Namespace, **kwargs: Any) -> Client:
    """The command's client; with ``board``'s fetch line as ``on_fetch`` when one is given,
    and retry notices on stderr unless ``--quiet``."""
    from duneq import NOT_GIVEN, Client

    if getattr(args, "cache", None) is not None:
        kwargs.setdefault("cache", args.cache)
    notices = None if args.quiet else RetryNotices()
    client = Client(
        args.api_key if args.api_key else NOT_GIVEN,
        base_url=args.base_url if args.base_url else NOT_GIVEN,
        on_retry=notices,
        **kwargs,
    )
    args.resolved_base_url = client.base_url  # for error lines (transport problems)
    if notices is not None:
        notices.base_url = client.base_url
    return client


def base_url_of(args: argparse.Namespace) -> str | None:
    """The base URL the command talked to (for error lines), or None before a client had one."""
    found = getattr(args, "resolved_base_url", None)
    return found if isinstance(found, str) else None


class RetryNotices:
    """Shows each retry as it is decided, so a dead URL or a flaky API is never silent."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url

    def __call__(self, retry: Retrying) -> None:
        req = retry.request
        if retry.cause.startswith("HTTP "):
            what = f"{req.method} {req.display_path} answered {retry.cause}"
        else:
            what = transport_problem(retry.cause, self.base_url)
        say(f"{what}; retrying {retry.retry}/{retry.max_retries} in {retry.delay:.1f} s…")


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
        "max_result_datapoints": args.max_datapoints,  # this read's cap, refused up front
    }
    if args.page_size is not None:
        options["page_size"] = args.page_size
    # with --limit the client asks for min(limit, page size) rows and stops after `limit`
    shown = _table_preview(args)
    if shown is not None:
        options["limit"] = shown  # a table fetches (and pays for) only the rows it shows
    return options


def _table_preview(args: argparse.Namespace) -> int | None:
    """How many rows a table on stdout shows (None: all of them, as ``--all`` or a file)."""
    if not hasattr(args, "all") or args.all or args.out is not None:
        return None
    if resolve_format(args.output, args.out) != "table":
        return None
    return TABLE_ROWS if args.limit is None else min(args.limit, TABLE_ROWS)


def _rows_left(args: argparse.Namespace, result: Result, shown: int) -> str:
    """The line under a table cut to its first rows: how many more and how to get them."""
    total = result.metadata.total_row_count
    if _table_preview(args) is None or total is None:
        return ""
    wanted = total if args.limit is None else min(total, args.limit)
    left = wanted - shown
    if left <= 0:
        return ""
    return (
        f"({left:,} more {'row' if left == 1 else 'rows'} not shown, of {wanted:,}; "
        "--all shows every row, -o csv or --out FILE streams them)"
    )


def _wait_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"timeout": args.timeout, "cancel_on_timeout": not args.no_cancel}


def _cache_age(args: argparse.Namespace) -> timedelta | None:
    """``--max-age`` of ``run``/``sql``, which only means something with a local cache."""
    if args.max_age is None:
        return None
    if args.cache is None and not os.environ.get("DUNEQ_CACHE_DIR"):
        raise UsageError(
            "--max-age reuses a run from the local cache: add --cache [DIR] "
            "(or set DUNEQ_CACHE_DIR); for the server's latest result use duneq latest"
        )
    return timedelta(seconds=args.max_age)


def _output(args: argparse.Namespace) -> str:
    fmt = resolve_format(args.output, args.out, getattr(args, "partition_by", None))
    check_output(fmt, args.out)
    return fmt


def _typed_pages(result: Result) -> Iterator[list[Row]]:
    """Pages with typed values for the table (exact ints, scaled decimals, UTC times, 0x
    bytes); a value that does not fit its declared type is shown as it came."""
    return result.iter_pages(typed=True, lenient=True)


def _emit(
    args: argparse.Namespace,
    board: Board,
    result: Result,
    fmt: str,
    started: float,
    *,
    executes: bool = True,
) -> int:
    """Write the result, then the cost line (``executes``: the command may have run the
    query; ``results`` and ``endpoint`` only read); returns the exit code."""
    board.close()  # the live display must stop before data is printed
    if fmt == "parquet":
        rows = write_parquet(result, args.out)
    elif fmt == "dataset":
        rows = write_dataset(result, args)
    else:
        pages = result.iter_pages() if fmt != "table" else _typed_pages(result)
        rows = write_rows(
            pages,
            result.column_names,
            result.metadata.column_types,
            fmt=fmt,
            out=args.out,
            stdout=sys.stdout,
            rich_table=live_wanted(),
        )
        if fmt == "table" and (left := _rows_left(args, result, rows)):
            print(left, file=sys.stdout, flush=True)
    if not args.quiet:
        if args.out:
            print(f"wrote {plural(rows, 'row')} to {args.out}", file=sys.stderr)
        print(
            cost_line(
                credits=result.cost_credits,
                datapoints=result.metadata.datapoint_count,
                rows=rows,
                seconds=time.monotonic() - started,
                origin=result.source if executes or result.source == "cache" else "read",
                execution_id=result.execution_id,
                ended_at=result.status.execution_ended_at,
            ),
            file=sys.stderr,
        )
    return 0


@contextmanager
def _interruptible(
    args: argparse.Namespace, client: Client, board: Board, progress: ExecutionProgress
) -> Iterator[None]:
    """Turn Ctrl-C into a line that says what became of the execution (and how to resume)."""
    try:
        yield
    except KeyboardInterrupt:
        board.close()
        raise Interrupted(_interrupted(args, client, progress)) from None


def _interrupted(args: argparse.Namespace, client: Client, progress: ExecutionProgress) -> str:
    eid, state = progress.execution_id, progress.state
    if eid is None:
        return "interrupted before Dune reported an execution id"
    resume = f"get the result later with: duneq results {eid}"
    if state in _SUCCESS:
        return f"interrupted while fetching the result of execution {eid}; {resume}"
    if args.no_cancel:
        return f"interrupted; execution {eid} was not cancelled (--no-cancel); {resume}"
    try:
        now = str(client.get_status(eid).state)
    except (Exception, KeyboardInterrupt):
        return f"interrupted; cancelling execution {eid} is not confirmed: duneq status {eid}"
    if now == "QUERY_STATE_CANCELLED":
        return f"interrupted; execution {eid} was cancelled"
    if now in _SUCCESS:
        return f"interrupted; execution {eid} had already finished; {resume}"
    return f"interrupted; execution {eid} was not cancelled ({now}): duneq cancel {eid}"


# --------------------------------------------------------------------------- commands


def _cmd_run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    params = parse_params(args.param)
    max_age = _cache_age(args)
    # rows, bytes, total and ETA on the board as pages arrive
    with _board(args) as board, _client(args, on_fetch=FetchLine(board)) as client:
        progress = ExecutionProgress(board)
        with _interruptible(args, client, board, progress), _archived(client, args.query_id):
            result = client.run_query(
                args.query_id,
                params,
                performance=args.performance,
                on_progress=progress,
                max_age=max_age,
                **_wait_options(args),
                **_result_options(args),
            )
            return _emit(args, board, result, fmt, started)


@contextmanager
def _archived(client: Client, query_id: int) -> Iterator[None]:
    """Dune's 403 on execute means "archived, unsaved or not enough permissions": when the
    query reads as archived, say so (exit 1) instead of an authentication error (exit 3)."""
    from duneq import DuneError, PermissionDenied

    try:
        yield
    except PermissionDenied:
        try:
            archived = client.queries.get(query_id).is_archived
        except DuneError:
            archived = False
        if archived:
            raise QueryArchived(
                f"query {query_id} is archived, so Dune will not execute it; unarchive it "
                f"first (on dune.com, or dune.queries.unarchive({query_id}))"
            ) from None
        raise


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
    max_age = _cache_age(args)
    # rows, bytes, total and ETA on the board as pages arrive
    with _board(args) as board, _client(args, on_fetch=FetchLine(board)) as client:
        progress = ExecutionProgress(board)
        with _interruptible(args, client, board, progress):
            result = client.run_sql(
                sql,
                params,
                performance=args.performance,
                on_progress=progress,
                max_age=max_age,
                **_wait_options(args),
                **_result_options(args),
            )
            return _emit(args, board, result, fmt, started)


def _cmd_results(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    # rows, bytes, total and ETA on the board as pages arrive
    with _board(args) as board, _client(args, on_fetch=FetchLine(board)) as client:
        progress = ExecutionProgress(board)
        progress.execution_id = args.execution_id.strip()
        with _interruptible(args, client, board, progress):
            result = client.get_result(
                args.execution_id,
                on_progress=progress,
                **_wait_options(args),
                **_result_options(args),
            )
            return _emit(args, board, result, fmt, started, executes=False)


def _cmd_latest(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    params = parse_params(args.param)
    max_age = timedelta(seconds=args.max_age) if args.max_age is not None else None
    # rows, bytes, total and ETA on the board as pages arrive
    with _board(args) as board, _client(args, on_fetch=(fetched := FetchLine(board))) as client:
        progress = ExecutionProgress(board)
        if fmt == "csv" and _latest_as_csv(args, client, board, fetched, params, max_age, started):
            return 0
        with _interruptible(args, client, board, progress):
            result = client.latest_result(
                args.query_id,
                max_age=max_age,
                params=params,
                performance=args.performance,
                on_progress=progress,
                **_wait_options(args),
                **_result_options(args),
            )
            return _emit(args, board, result, fmt, started)


def _latest_as_csv(
    args: argparse.Namespace,
    client: Client,
    board: Board,
    fetched: FetchLine,
    params: dict[str, Any] | None,
    max_age: timedelta | None,
    started: float,
) -> bool:
    """``latest -o csv``: the latest run's CSV straight from the API's CSV route (``GET
    /v1/query/{id}/results/csv``), never converted from JSON pages. False when the query has
    no usable latest run (then ``latest`` runs it, as for any format)."""
    from duneq import NotFound

    options = _result_options(args)
    before = client.spent.datapoints
    try:
        if args.out is None:
            client.latest_csv(args.query_id, sys.stdout, params, max_age=max_age, **options)
            sys.stdout.flush()
        else:
            _latest_csv_file(client, args, params, max_age, options)
    except NotFound:
        if fetched.last is not None:
            raise  # rows were already written: never run it again behind their back
        return False
    board.close()
    done = fetched.last
    rows = done.rows if done is not None else 0
    if not args.quiet:
        ended = _ended_at(client, done.execution_id) if done is not None else None
        if args.out:
            print(f"wrote {plural(rows, 'row')} to {args.out}", file=sys.stderr)
        line = cost_line(
            credits=0,
            datapoints=client.spent.datapoints - before,
            rows=rows,
            seconds=time.monotonic() - started,
            origin="latest",
            execution_id=done.execution_id if done is not None else None,
            ended_at=ended,
        )
        print(line, file=sys.stderr)
    return True


def _ended_at(client: Client, execution_id: str) -> datetime | None:
    """When the execution ended, for the cost line (a free status call; None if unknown)."""
    from duneq import DuneError

    try:
        return client.get_status(execution_id).execution_ended_at
    except DuneError:
        return None


def _latest_csv_file(
    client: Client,
    args: argparse.Namespace,
    params: dict[str, Any] | None,
    max_age: timedelta | None,
    options: dict[str, Any],
) -> None:
    """Write the latest CSV to ``FILE.part``, renamed when complete (a failed download never
    looks like a finished one)."""
    path = Path(args.out).expanduser()
    part = path.with_name(path.name + ".part")
    try:
        client.latest_csv(args.query_id, part, params, max_age=max_age, **options)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


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
        answer = client.cancel(args.execution_id)  # its message says why nothing was cancelled
    eid = answer.execution_id
    if not answer:
        reason = answer.message or "the API did not confirm it"
        print(f"error: not cancelled: {reason} [execution_id={eid}]", file=sys.stderr)
        return EXIT_ERROR
    print(f"cancelled {eid}")
    return 0


def _cmd_pipeline(args: argparse.Namespace) -> int:
    from .pipeline import run_pipeline_command

    with _client(args) as client:
        return run_pipeline_command(args, client, parse_params(args.param), _board(args))


def _cmd_emulator(args: argparse.Namespace) -> int:
    try:
        from dune_emulator.cli import main as emulator_main
    except ImportError as exc:
        raise UsageError(f"the emulator cannot start: {exc}") from None
    argv = ["--host", args.host, "--port", str(args.port)]
    if args.data_dir:
        argv += ["--data-dir", args.data_dir]
    if args.fixtures:
        argv += ["--fixtures", args.fixtures]
    if args.owner_handle:
        argv += ["--owner-handle", args.owner_handle]
    # a list after the command name (repeatable there), one string before it
    keys = [args.api_key] if isinstance(args.api_key, str) else list(args.api_key or [])
    for key in keys:
        argv += ["--api-key", key]
    return emulator_main(argv, prog="duneq emulator")


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(quiet=args.quiet)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import run_sweep_command

    with _client(args) as client:
        return run_sweep_command(args, client, _board(args), _output(args))


def _cmd_cache(args: argparse.Namespace) -> int:
    from .sweep import run_cache_command

    return run_cache_command(args)


def _cmd_api(args: argparse.Namespace) -> int:
    from . import manage

    handler = {
        "queries": manage.cmd_queries,
        "uploads": manage.cmd_uploads,
        "usage": manage.cmd_usage,
        "datasets": manage.cmd_datasets,
        "matviews": manage.cmd_matviews,
    }[args.command]
    with _client(args) as client:
        return handler(args, client)


def _cmd_endpoint(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = _output(args)
    with _client(args) as client, _board(args) as board:
        result = client.endpoints.results(args.handle, args.slug, **_result_options(args))
        return _emit(args, board, result, fmt, started, executes=False)


def mcp_config(args: argparse.Namespace) -> ServerConfig:
    """The MCP server's settings from ``duneq mcp``'s parsed flags (needs the mcp extra)."""
    from ..mcp import ServerConfig

    return ServerConfig(
        max_rows=args.max_rows,
        tool_timeout=args.tool_timeout,
        max_credits=args.max_credits,
        max_executions=args.max_executions,
        max_datapoints=args.max_datapoints,
        allow_writes=args.allow_writes,
    )


def _cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from ..mcp import serve
    except ImportError:
        raise UsageError("duneq mcp needs the mcp extra: pip install 'duneq[mcp]'") from None
    serve(mcp_config(args), api_key=args.api_key, base_url=args.base_url, http_port=args.http)
    return 0


HANDLERS = {
    "queries": _cmd_api,
    "uploads": _cmd_api,
    "usage": _cmd_api,
    "datasets": _cmd_api,
    "matviews": _cmd_api,
    "endpoint": _cmd_endpoint,
    "run": _cmd_run,
    "sql": _cmd_sql,
    "status": _cmd_status,
    "results": _cmd_results,
    "cancel": _cmd_cancel,
    "latest": _cmd_latest,
    "pipeline": _cmd_pipeline,
    "emulator": _cmd_emulator,
    "demo": _cmd_demo,
    "mcp": _cmd_mcp,
    "sweep": _cmd_sweep,
    "cache": _cmd_cache,
}
