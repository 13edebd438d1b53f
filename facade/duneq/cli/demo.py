"""``duneq demo``: a tour of duneq against an embedded emulator, with no API key and no network.

Every step runs a real ``duneq`` command in-process against the emulator over HTTP and checks its
exit code, so the demo doubles as a smoke test (CI runs it). The emulator stops when it ends.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EXIT_LIMIT, EXIT_QUERY_FAILED, UsageError

if TYPE_CHECKING:
    from duneq import Client


class DemoFailed(Exception):
    """A demo step did not behave as expected."""


class Demo:
    """The running emulator, a client on it, a scratch directory, and helpers to print and run."""

    def __init__(self, emu: Any, client: Client, workdir: Path, quiet: bool) -> None:
        self.emu = emu
        self.client = client
        self.workdir = workdir
        self.quiet = quiet
        self.commands = 0
        self.files: list[tuple[Path, int]] = []

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def title(self, number: int, text: str) -> None:
        self.say()
        self.say(f"== {number}. {text}")

    def duneq(self, argv: Sequence[str], expect: int = 0) -> None:
        """Show ``$ duneq ...`` and run it against the emulator; the exit code must be ``expect``."""
        from . import main

        self.say(f"$ duneq {shlex.join(argv)}")
        sys.stdout.flush()
        extra = ["--base-url", self.emu.base_url, "--api-key", self.emu.api_key]
        if self.quiet:
            extra.append("--quiet")
        code = main([*argv, *extra])
        sys.stdout.flush()
        sys.stderr.flush()
        self.commands += 1
        if code != expect:
            raise DemoFailed(f"`duneq {shlex.join(argv)}` exited {code}, expected {expect}")
        if expect:
            self.say(f"(exit code {code}, as expected)")

    def csv_rows(self, path: Path) -> int:
        with path.open(encoding="utf-8") as handle:
            rows = sum(1 for _ in handle) - 1
        self.files.append((path, rows))
        return rows


def step_saved_query(demo: Demo) -> None:
    demo.title(1, "A saved query with a parameter (the emulator holds it ~2 s to show progress)")
    demo.emu.control.pin_next_executions(1, pending_seconds=0.5, executing_seconds=1.5)
    demo.duneq(
        [
            "run",
            "1",
            "--param",
            "chain=base",
            "--limit",
            "5",
            "--columns",
            "block_time,project,token_bought_symbol,amount_usd",
        ]
    )
    demo.say("--limit 5 downloaded 5 rows, not the whole result.")


def step_raw_sql(demo: Demo) -> None:
    demo.title(2, "Raw SQL")
    demo.duneq(
        [
            "sql",
            "select blockchain, count(*) as trades, round(sum(amount_usd), 2) as volume_usd "
            "from dex.trades group by blockchain order by volume_usd desc",
        ]
    )


def step_paged_file(demo: Demo) -> None:
    demo.title(3, "A paged result streamed to a file, one page in memory at a time")
    path = demo.workdir / "transfers.csv"
    before = _result_requests(demo)
    demo.duneq(["sql", "select * from tokens.transfers", "--page-size", "250", "--out", str(path)])
    pages = _result_requests(demo) - before
    demo.say(f"{path}: {demo.csv_rows(path):,} rows, fetched in {pages} pages of 250")


def step_partial(demo: Demo) -> None:
    demo.title(4, "A partial (truncated) result, handled by --partial")
    demo.emu.control.configure(result_row_cap=100)
    try:
        demo.duneq(["sql", "select * from dex.trades", "--partial", "error"], EXIT_QUERY_FAILED)
        demo.duneq(
            [
                "sql",
                "select * from dex.trades",
                "--partial",
                "warn",
                "--columns",
                "block_time,blockchain,amount_usd",
                "--limit",
                "3",
            ]
        )
    finally:
        demo.emu.control.configure(result_row_cap=None)


def step_datapoints(demo: Demo) -> None:
    demo.title(5, "The per-request datapoint cap, and its fix")
    demo.emu.control.configure(datapoint_cap=2000)
    try:
        demo.duneq(["sql", "select * from dex.trades", "--all"], EXIT_LIMIT)
        path = demo.workdir / "trades.csv"
        demo.duneq(
            ["sql", "select * from dex.trades", "--ignore-datapoint-limit", "--out", str(path)]
        )
        demo.say(f"{path}: {demo.csv_rows(path):,} rows")
        demo.say("A budget of your own, checked before downloading anything:")
        demo.duneq(["sql", "select * from dex.trades", "--max-datapoints", "500"], EXIT_LIMIT)
    finally:
        demo.emu.control.configure(datapoint_cap=250_000)


def setup_pipeline_query(demo: Demo) -> int:
    """Create (through duneq) a saved query, a materialized view over it and a saved query that
    reads the view; returns the last query's id."""
    client = demo.client
    volume = client.queries.create(
        "demo: volume by chain",
        "select blockchain, count(*) as trades, round(sum(amount_usd), 2) as volume_usd "
        "from dex.trades group by blockchain",
    )
    view = client.matviews.upsert("result_demo_chain_volume", volume)
    view.execution.wait(timeout=60)
    top = client.queries.create(
        "demo: top chains",
        f"select blockchain, volume_usd from {view.name} order by volume_usd desc limit 3",
    )
    demo.say(
        f"created query {volume}, the materialized view {view.name} over it, "
        f"and query {top} that reads the view"
    )
    return int(top)


def step_pipeline(demo: Demo) -> None:
    demo.title(6, "A pipeline over a materialized view, node by node")
    query_id = setup_pipeline_query(demo)
    demo.duneq(["pipeline", str(query_id), "--plan"])
    demo.emu.control.pin_next_executions(2, pending_seconds=0.2, executing_seconds=0.8)
    demo.duneq(["pipeline", str(query_id)])
    demo.say("The view was refreshed first; the query ran on the fresh data.")


STEPS: list[Callable[[Demo], None]] = [
    step_saved_query,
    step_raw_sql,
    step_paged_file,
    step_partial,
    step_datapoints,
    step_pipeline,
]


def _result_requests(demo: Demo) -> int:
    requests = demo.emu.control.counters().get("requests", {})
    return int(requests.get("GET /api/v1/execution/{execution_id}/results", 0))


def _summary(demo: Demo, seconds: float) -> None:
    counters = demo.emu.control.counters()
    requests = sum(int(n) for n in counters.get("requests", {}).values())
    demo.say()
    demo.say("== Summary")
    demo.say(
        f"{demo.commands} duneq commands, {counters.get('executions_started', 0)} executions, "
        f"{requests} API requests, {seconds:.1f}s"
    )
    for path, rows in demo.files:
        demo.say(f"  wrote {path} ({rows:,} rows)")
    demo.say("Every step behaved as expected. Next: `duneq --help`, or see README.md.")
    demo.say(
        "For AI agents: `duneq mcp` serves these queries as MCP tools; try it against "
        "`duneq emulator` (README: Dune for AI agents)."
    )


def run_demo(quiet: bool = False) -> int:
    """Start the emulator, run every step, print a summary; 0 when all steps behaved."""
    try:
        from dune_emulator import EmulatorConfig, run_emulator
    except ImportError as exc:
        raise UsageError(f"the demo cannot start: {exc}") from None
    from duneq import Client

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="duneq-demo-"))
    print("duneq demo: starting the embedded Dune emulator (sample data, no key, no network)")
    with (
        run_emulator(EmulatorConfig()) as emu,
        Client(emu.api_key, base_url=emu.base_url) as client,
    ):
        print(
            f"emulator at {emu.base_url}; tables dex.trades, tokens.transfers; queries 1, 2, 3 and 1215383"
        )
        demo = Demo(emu, client, workdir, quiet)
        try:
            for step in STEPS:
                step(demo)
        except DemoFailed as exc:
            print(f"error: demo failed: {exc}", file=sys.stderr)
            return 1
        _summary(demo, time.monotonic() - started)
    return 0
