"""The ``duneq`` argument parser: commands, flags and their validation (argparse only, so that
``duneq --help`` imports nothing else)."""

from __future__ import annotations

import argparse
import difflib
import re
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn

from duneq import __version__

from .errors import EXIT_CODES_HELP, UsageError
from .output import FORMATS, TABLE_ROWS

_DESCRIPTION = """\
Run Dune Analytics queries from the command line.

The API key comes from DUNE_API_KEY (or --api-key); the API from DUNE_API_BASE_URL
(or --base-url, default https://api.dune.com). Try `duneq demo` first: it needs no key
and no network."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, not printed with the usage)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}{self._did_you_mean(message)} (see `{self.prog} --help`)")

    def _did_you_mean(self, message: str) -> str:
        """``; did you mean --limit?`` for a mistyped option (of this or any subcommand)."""
        found = re.search(r"unrecognized arguments: (\S+)", message)
        if not found or not found.group(1).startswith("--"):
            return ""
        typed = found.group(1).split("=", 1)[0]
        close = difflib.get_close_matches(typed, sorted(self._all_options()), n=1, cutoff=0.7)
        return f"; did you mean {close[0]}?" if close else ""

    def _all_options(self) -> set[str]:
        names = set(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    if isinstance(sub, _Parser):
                        names |= sub._all_options()
        return {n for n in names if n.startswith("--")}


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps the description and the exit-code table to the terminal's width (``COLUMNS``),
    keeping the table's rows aligned and the text's own paragraphs."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks: list[tuple[str, str]] = []  # (first-line prefix, text) per wrapped unit
        for line in text.splitlines():
            row = re.match(r"^(\s+\S+\s+)(\S.*)$", line)
            if not line.strip():
                blocks.append(("", ""))
            elif row and not (
                blocks and blocks[-1][0] and len(line) - len(line.lstrip()) >= len(blocks[-1][0])
            ):
                blocks.append((row.group(1), row.group(2)))
            elif blocks and blocks[-1][1] and (blocks[-1][0] or not line.startswith(" ")):
                prefix, body = blocks[-1]  # a continuation of the row or paragraph above
                blocks[-1] = (prefix, f"{body} {line.strip()}")
            else:
                blocks.append(("", line.strip()))
        out = []
        for prefix, body in blocks:
            if not body:
                out.append("")
                continue
            out.append(
                textwrap.fill(
                    body,
                    max(width, 20),
                    initial_indent=indent + prefix,
                    subsequent_indent=indent + " " * len(prefix),
                    break_on_hyphens=False,
                )
            )
        return "\n".join(out)


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


def _add_globals(
    parser: argparse.ArgumentParser, *, top: bool, key_help: str | None = None
) -> None:
    """Connection and verbosity flags, accepted before or after the command name
    (`key_help`: `--api-key` is repeatable there, as for `duneq emulator`)."""

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("connection and output control")
    group.add_argument(
        "--api-key",
        default=default(None),
        metavar="KEY",
        action="append" if key_help else "store",
        help=key_help or "Dune API key (default: $DUNE_API_KEY); never printed",
    )
    group.add_argument(
        "--base-url",
        default=default(None),
        metavar="URL",
        help="API base URL (default: $DUNE_API_BASE_URL or https://api.dune.com)",
    )
    group.add_argument(
        "--cache",
        nargs="?",
        const=True,
        default=default(None),
        metavar="DIR",
        help="keep results in a local cache (default dir: $DUNEQ_CACHE_DIR or ~/.cache/duneq)",
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


def _add_cache_age(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-age",
        type=parse_duration,
        metavar="AGE",
        help="with --cache: reuse a cached run of the same query and parameters that ended "
        "at most this long ago (e.g. 30m, 6h) instead of executing again",
    )


def _add_output_flags(
    parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS, *, preview: bool = True
) -> None:
    group = parser.add_argument_group("output")
    if preview:
        group.add_argument(
            "--all",
            action="store_true",
            help=f"show every row in a table (default: the first {TABLE_ROWS}, fetching no more)",
        )
    group.add_argument(
        "-o",
        "--output",
        choices=formats,
        default=None,
        metavar="FORMAT",
        help=f"output format: {', '.join(formats)} (default: from --out's extension, else table)",
    )
    group.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE instead of stdout, streaming page by page; a folder or URI "
        "(dir/, s3://bucket/prefix/, gs://..., file://...) writes a parquet dataset",
    )
    if "parquet" in formats:
        group.add_argument(
            "--partition-by",
            action="append",
            metavar="COL",
            help="write a hive-partitioned dataset to --out, partitioned by COL (repeat, or "
            "COL1,COL2; a sweep partitions by its parameters)",
        )
        group.add_argument(
            "--existing",
            choices=("error", "overwrite_or_ignore", "delete_matching", "skip"),
            default=None,
            metavar="MODE",
            help="what a dataset write does with files already there: error (default), "
            "overwrite_or_ignore, delete_matching, or skip (a sweep's default: fill in only "
            "the missing items)",
        )


def _add_mcp(mcp: argparse.ArgumentParser) -> None:
    """``duneq mcp`` flags: transport, result cap, tool deadline, session budget, writes."""
    mcp.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on PORT")
    mcp.add_argument(
        "--max-rows", type=_positive_int, default=100, metavar="N", help="rows per tool result"
    )
    mcp.add_argument(
        "--tool-timeout",
        type=parse_duration,
        default=60.0,
        metavar="S",
        help="wait this long for a run, then hand back its execution_id (default 60)",
    )
    mcp.add_argument("--max-credits", type=float, metavar="N", help="session credit budget")
    mcp.add_argument("--max-executions", type=_positive_int, metavar="N", help="session runs")
    mcp.add_argument(
        "--max-datapoints", type=_positive_int, metavar="N", help="session datapoint budget"
    )
    mcp.add_argument(
        "--allow-writes", action="store_true", help="allow query changes and writing SQL"
    )


def build_parser() -> argparse.ArgumentParser:
    """The full ``duneq`` argument parser."""
    parser = _Parser(
        prog="duneq",
        description=_DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"duneq {__version__}")
    _add_globals(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str, key_help: str | None = None) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=_HelpFormatter,
        )
        sub.set_defaults(command=name)
        _add_globals(sub, top=False, key_help=key_help)
        return sub

    run = command("run", "Execute a saved query, wait, and print its result.")
    run.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    _add_cache_age(run)
    _add_execution_flags(run)
    _add_result_flags(run)
    _add_output_flags(run)

    sql = command("sql", "Execute raw SQL, wait, and print its result.")
    sql.add_argument("sql", nargs="?", metavar="SQL", help='the SQL text, or "-" for stdin')
    sql.add_argument("-f", "--file", metavar="FILE", help="read the SQL from FILE")
    _add_cache_age(sql)
    _add_execution_flags(sql)
    _add_result_flags(sql)
    _add_output_flags(sql)

    status = command("status", "Show the status of an execution.")
    status.add_argument("execution_id", metavar="EXECUTION_ID")
    _add_output_flags(status, formats=("table", "json"), preview=False)

    results = command("results", "Print the result of an execution (waits if it is running).")
    results.add_argument("execution_id", metavar="EXECUTION_ID")
    _add_wait_flags(results.add_argument_group("execution"))
    _add_result_flags(results)
    _add_output_flags(results)

    cancel = command("cancel", "Cancel a pending or running execution.")
    cancel.add_argument("execution_id", metavar="EXECUTION_ID")

    latest = command(
        "latest",
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
        "Run a query's pipeline (its materialized views first), node by node.",
    )
    pipeline.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    pipeline.add_argument("--plan", action="store_true", help="show the lineage; run nothing")
    _add_execution_flags(pipeline)

    emulator = command(
        "emulator",
        "Start the local Dune-compatible emulator (Ctrl-C or SIGTERM stops it).",
        key_help="API key the emulator accepts (repeatable; default: a dev key)",
    )
    emulator.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    emulator.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    emulator.add_argument("--data-dir", metavar="DIR", help="keep queries, tables and results here")
    emulator.add_argument("--fixtures", metavar="FILE", help="seed from this YAML/JSON file")
    emulator.add_argument("--owner-handle", metavar="HANDLE", help="the key's user handle")

    sweep = command(
        "sweep",
        "Run a saved query over a grid of parameters (NAME=A..B ranges, repeated names), within "
        "the plan's concurrency limit; resumable with --state.",
    )
    sweep.add_argument("query_id", type=_query_id, metavar="QUERY_ID")
    sweep.add_argument(
        "--max-concurrent", type=_positive_int, metavar="N", help="runs in flight (default: plan's)"
    )
    sweep.add_argument("--state", metavar="FILE", help="resume from / record progress in FILE")
    sweep.add_argument(
        "--keep-going",
        action="store_true",
        help="run every item even after an error every item would get (401, 402, 403, 404, "
        "unknown parameter names); by default the sweep stops at the first",
    )
    _add_execution_flags(sweep)
    _add_output_flags(sweep, preview=False)

    cache = command("cache", "Inspect the local result cache: ls, clear or path.")
    cache.add_argument("action", choices=("ls", "clear", "path"), metavar="ls|clear|path")

    command("demo", "Tour duneq against an embedded emulator (no key, no network).")
    _add_api_commands(command, commands)
    _add_mcp(command("mcp", "Serve Dune to AI agents over MCP (stdio, or HTTP with --http)."))
    return parser


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", choices=("table", "json"), default="table", help="output format"
    )


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _list_flags(parser: argparse.ArgumentParser, limit: int | None) -> None:
    """``--limit``/``--offset``/``--all`` of a ``list`` action (pages are fetched as needed)."""
    shown = f"(default {limit})" if limit else "(default: all)"
    parser.add_argument(
        "--limit", type=_positive_int, default=limit, metavar="N", help=f"list at most N {shown}"
    )
    parser.add_argument(
        "--offset", type=_non_negative_int, default=0, metavar="N", help="skip the first N"
    )
    if limit:
        parser.add_argument("--all", action="store_true", help="list every one (every page)")


def _add_api_commands(command: Any, commands: Any) -> None:
    """queries, uploads, usage, datasets, matviews and endpoint: one sub-action each."""

    def actions(parent: argparse.ArgumentParser) -> Any:
        return parent.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(group: Any, name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text)
        _add_globals(sub, top=False)
        _json_flag(sub)
        return sub

    queries = actions(
        command("queries", "Manage saved queries: list, get, create, update, archive.")
    )
    q_list = action(queries, "list", "List the saved queries of the key's user or team.")
    _list_flags(q_list, 20)
    action(queries, "get", "Show a saved query.").add_argument("query_id", type=_query_id)
    for name, text in (("create", "Create a saved query."), ("update", "Change a saved query.")):
        sub = action(queries, name, text + " Omitted fields stay as they are.")
        if name == "update":
            sub.add_argument("query_id", type=_query_id)
        sub.add_argument("--name")
        sub.add_argument("--sql-file", metavar="FILE", help='the SQL from FILE, or "-" for stdin')
        sub.add_argument("--description")
        sub.add_argument(
            "--tag", action="append", help='a tag (repeatable; --tag "" clears them on update)'
        )
    action(queries, "archive", "Archive a saved query.").add_argument("query_id", type=_query_id)

    uploads = actions(
        command("uploads", "Manage uploaded tables: list, create, upload, insert, clear, delete.")
    )
    _list_flags(action(uploads, "list", "List the uploaded tables."), None)
    up_create = action(uploads, "create", "Create an empty table.")
    up_upload = action(uploads, "upload", "Create or replace a table from a CSV or parquet file.")
    up_upload.add_argument("file", metavar="FILE")
    up_insert = action(uploads, "insert", "Append rows from a CSV, NDJSON or parquet file.")
    up_insert.add_argument("file", metavar="FILE")
    up_clear = action(uploads, "clear", "Remove every row of a table.")
    up_delete = action(uploads, "delete", "Drop a table.")
    for sub in (up_create, up_upload, up_insert, up_clear, up_delete):
        help_text = "table name (Dune prefixes it)" if sub is up_upload else "NAMESPACE.TABLE"
        sub.add_argument("--table", required=True, help=help_text)
        sub.add_argument(
            "--legacy", action="store_true", help="use the deprecated /v1/table routes"
        )
    for sub in (up_create, up_upload):
        sub.add_argument("--description")
        sub.add_argument("--private", action="store_true", help="make the table private")
    up_create.add_argument(
        "--column", action="append", metavar="NAME:TYPE", help="a column (repeatable)"
    )
    up_create.add_argument(
        "--from", dest="from_file", metavar="FILE", help="derive the columns from a file"
    )

    usage = command("usage", "Show credits used per billing period and storage used.")
    usage.add_argument("--start", metavar="YYYY-MM-DD")
    usage.add_argument("--end", metavar="YYYY-MM-DD")
    _json_flag(usage)

    datasets = actions(command("datasets", "Browse the dataset catalog: list, get."))
    ds_list = action(datasets, "list", "List datasets, filtered by owner and type.")
    ds_list.add_argument("--owner", metavar="HANDLE")
    ds_list.add_argument("--type", metavar="KIND[,KIND]", help="e.g. spell,uploaded_table")
    _list_flags(ds_list, 50)
    action(datasets, "get", "Show a dataset and its columns.").add_argument("slug", metavar="SLUG")

    views = actions(
        command("matviews", "Manage materialized views: list, get, upsert, refresh, delete.")
    )
    _list_flags(
        action(views, "list", "List the materialized views of the key's user or team."), None
    )
    action(views, "get", "Show a materialized view.").add_argument("name", metavar="NAME")
    mv_upsert = action(
        views, "upsert", "Create a view over a saved query (or update it) and start a refresh."
    )
    mv_upsert.add_argument("name", metavar="NAME", help="result_x or dune.team.result_x")
    mv_upsert.add_argument("--query-id", type=_query_id, required=True, metavar="ID")
    mv_upsert.add_argument("--cron", metavar="EXPR", help='refresh schedule, e.g. "0 */6 * * *"')
    mv_upsert.add_argument("--private", action="store_true", help="make the view private")
    mv_upsert.add_argument("--expires-at", metavar="TIME", help="when the schedule ends")
    mv_refresh = action(views, "refresh", "Start recomputing a view; prints the execution id.")
    mv_refresh.add_argument("name", metavar="NAME")
    for sub in (mv_upsert, mv_refresh):
        sub.add_argument("--performance", choices=("medium", "large"), default=None)
    action(views, "delete", "Drop a view and its data.").add_argument("name", metavar="NAME")

    endpoint = command("endpoint", "Print a custom endpoint's result.")
    endpoint.add_argument("handle", metavar="HANDLE")
    endpoint.add_argument("slug", metavar="SLUG")
    _add_result_flags(endpoint)
    _add_output_flags(endpoint)
