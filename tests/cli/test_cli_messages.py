"""What the duneq command says when things go wrong or are left out: an unreachable URL, a
table wider than the terminal, warnings during a live line, Ctrl-C, a cancel that cannot
happen, a reused result's cost, singular counts, and ``max_age`` on the server's clock."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq._errors import PartialResultWarning
from duneq._flows.latest import server_now, server_time
from duneq.cli import _show_warning, main
from duneq.cli.output import elide, write_rows
from duneq.cli.progress import Board, cost_line, plural
from helpers.cli_seam import give_cli_clients

REPO = Path(__file__).resolve().parents[2]
ID = r"[0-9A-Z]{26}"
WIDE_SQL = (
    "select n, cast('123456789012345678901234567890' as uint256) as big, n * 1000003 as amount, "
    "'0x1234567890abcdef1234567890abcdef12345678' as tx_hash, "
    "'a rather long free-text label for row' as label, 'x' as c1, 'y' as c2, 'z' as c3, "
    "'one more long value to push it over' as tail from unnest(sequence(1, 3)) as t(n)"
)


def env_for(emu: EmulatorHandle) -> dict[str, str]:
    """The environment of a real ``duneq`` process: the emulator's key and URL, no TERM."""
    env = {**os.environ, "DUNE_API_KEY": emu.api_key, "DUNE_API_BASE_URL": emu.base_url}
    env.pop("TERM", None)
    return env


@pytest.fixture
def cli(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """``duneq ARGS...`` in-process, waiting on the emulator's clock: returns (exit code,
    stdout, stderr)."""
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


# --------------------------------------------------------------------------- unreachable URL


class SkippedTime:
    """A sleep that returns at once and records its seconds, and a monotonic clock that
    moves on by them: retry backoff costs no real time."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def clock(self) -> float:
        return time.monotonic() + sum(self.slept)


def test_unreachable_url_says_url_and_cause_at_once_while_retrying(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("DUNE_API_BASE_URL", url)
    skipped = SkippedTime()  # no emulator answers there: its clock cannot move, this one can
    give_cli_clients(monkeypatch, sleep=skipped.sleep, clock=skipped.clock)
    code, out, err = cli("run", "2")
    assert code == 1
    lines = err.splitlines()
    assert (
        lines[0]
        == f"cannot connect to {url} (connection refused); retrying 1/2 in "
        + (lines[0].split(" in ")[-1])
    )
    assert re.fullmatch(r"[\d.]+ s…", lines[0].split(" in ")[-1])
    # A refused connection is retried twice (issue 24 item 11), not the policy's 7 times.
    assert [int(m) for m in re.findall(r"retrying (\d)/2", err)] == [1, 2]
    assert sum(skipped.slept) <= 1.5
    said = re.findall(r"retrying \d/2 in ([\d.]+) s…", err)
    assert said == [f"{delay:.1f}" for delay in skipped.slept]  # each says the backoff taken
    assert lines[-1] == (
        f"error: cannot connect to {url} (connection refused); "
        "check --base-url or DUNE_API_BASE_URL"
    )
    assert "Traceback" not in err and out == ""


# --------------------------------------------------------------------------- wide tables


def test_table_fits_80_columns_without_cutting_numbers(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a terminal (stderr is not)
    code, out, err = cli("sql", WIDE_SQL, "-q")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "123456789012345678901234567890" in out or "1.2345678901234568e+29" in out
    for n in (1, 2, 3):
        assert re.search(rf"\b{n * 1000003}\b", out)  # whole, never wrapped or cut
    # a hash keeps both ends (how much of each depends on the room the exact 30-digit
    # integer leaves: it is no longer shortened to a float)
    assert re.search(r"0x12\w*…\w*5678", out)
    assert re.fullmatch(
        r"\(\+\d columns? not shown; use -o csv or -o json, or --columns to choose\)", lines[-1]
    )
    assert len(lines) == 2 + 3 + 1
    monkeypatch.setenv("COLUMNS", "400")
    wide = cli("sql", WIDE_SQL, "-q")[1]
    assert "0x1234567890abcdef1234567890abcdef12345678" in wide
    assert "not shown" not in wide and "…" not in wide


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_tables_are_never_cut_whatever_columns_says(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    code, out, err = cli("sql", WIDE_SQL, "-q")
    assert code == 0, err
    assert "0x1234567890abcdef1234567890abcdef12345678" in out
    assert "not shown" not in out and "…" not in out
    assert max(len(line) for line in out.splitlines()) > 60


def test_rich_table_fits_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        {"n": i, "tx_hash": "0x" + "ab" * 32, "label": "x" * 40, "more": "y" * 30} for i in range(3)
    ]
    buf = _Terminal()
    write_rows([rows], list(rows[0]), [], fmt="table", out=None, stdout=buf, rich_table=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue())  # a terminal gets colours
    assert max(len(line) for line in text.splitlines()) <= 80
    assert len(text.splitlines()) == 3 + 3 + 1 + 1  # header box, rows, bottom rule, one note
    assert "0xabab" in text and "…" in text
    assert elide("0x" + "12" * 20 + "cdef", 11) == "0x121…2cdef"
    assert elide("hello world", 6) == "hello…"


# --------------------------------------------------------------------------- warnings


def test_warning_clears_the_live_line_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws live as on a terminal
    with Board(sys.stderr, live=True) as board:
        assert board.is_live
        board.update("execution", lambda: "01ABC QUERY_STATE_EXECUTING polls=1", 1)
        warning = PartialResultWarning("partial", execution_id="01ABC")
        _show_warning(warning, PartialResultWarning, "x.py", 1)
    err = capsys.readouterr().err
    assert "polls=1warning" not in err
    assert "\r\x1b[2Kwarning: the result is partial" in err
    # with no live display it is a plain line of its own
    _show_warning(PartialResultWarning("partial"), PartialResultWarning, "x.py", 1)
    assert capsys.readouterr().err.startswith("warning: the result is partial")


# --------------------------------------------------------------------------- ids said once


def test_error_lines_say_the_execution_id_once(cli: Any, dune_emulator: EmulatorHandle) -> None:
    code, _, err = cli("sql", "select nope from nowhere")
    assert code == 5
    (line,) = error_lines(err)
    eid = re.search(rf"\[execution_id=({ID})\]", line)
    assert eid and line.count(eid[1]) == 1, line
    assert "[line 1, column" in line

    dune_emulator.control.pin_next_executions(1, executing_seconds=120)
    code, _, err = cli("sql", "select 1", "--timeout", "0.3")
    assert code == 6
    (line,) = error_lines(err)
    eid = re.search(rf"\[execution_id=({ID})\]", line)
    assert eid and line.count(eid[1]) == 1, line
    assert "did not finish within 0.3 s" in line

    code, _, err = cli("results", eid[1])  # it was cancelled at the timeout
    assert code == 5
    (line,) = error_lines(err)
    assert line == f"error: execution was cancelled [execution_id={eid[1]}]"


# --------------------------------------------------------------------------- Ctrl-C


def interrupt_while_executing(emu: EmulatorHandle, *extra: str) -> tuple[int, str]:
    """Start a pinned long run, press Ctrl-C once it is executing; (exit code, stderr)."""
    emu.control.pin_next_executions(1, executing_seconds=120)
    proc = subprocess.Popen(
        [sys.executable, "-m", "duneq", "run", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(emu),
        cwd=REPO,
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "QUERY_STATE_EXECUTING" in line:
                break
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(seen) + rest


def test_ctrl_c_says_the_run_was_cancelled(dune_emulator: EmulatorHandle) -> None:
    code, err = interrupt_while_executing(dune_emulator)
    assert code == 130
    found = re.search(rf"^error: interrupted; execution ({ID}) was cancelled$", err, re.M)
    assert found, err
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as client:
        assert client.get_status(found[1]).state == "QUERY_STATE_CANCELLED"


def test_ctrl_c_with_no_cancel_prints_how_to_resume(dune_emulator: EmulatorHandle) -> None:
    code, err = interrupt_while_executing(dune_emulator, "--no-cancel")
    assert code == 130
    found = re.search(
        rf"^error: interrupted; execution ({ID}) was not cancelled \(--no-cancel\); "
        rf"get the result later with: duneq results ({ID})$",
        err,
        re.M,
    )
    assert found and found[1] == found[2], err
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as client:
        assert client.get_status(found[1]).state == "QUERY_STATE_EXECUTING"


# --------------------------------------------------------------------------- cancel, reuse, plurals


def test_cancel_of_a_finished_run_shows_the_servers_reason(cli: Any) -> None:
    code, _, err = cli("run", "2", "--param", "n=1", "-o", "csv")
    eid = re.search(ID, err)
    assert code == 0 and eid
    code, out, err = cli("cancel", eid[0])
    assert code == 1 and out == ""
    assert err == (
        "error: not cancelled: execution is already finished (QUERY_STATE_COMPLETED); "
        f"nothing to cancel [execution_id={eid[0]}]\n"
    )


def test_reused_result_is_not_charged_again_and_counts_are_singular(
    cli: Any, dune_emulator: EmulatorHandle
) -> None:
    code, _, err = cli("latest", "2", "--param", "n=1", "-o", "csv")
    assert code == 0, err
    assert re.search(r"^cost: 10 credits, 1 datapoint, 1 row, [\d.]+s \(new run\)$", err, re.M), err
    code, _, err = cli("latest", "2", "--param", "n=1", "--max-age", "1h", "-o", "csv")
    assert code == 0, err
    assert re.search(
        r"^cost: 0 credits, 1 datapoint, 1 row, [\d.]+s \(no new execution: the latest run, "
        rf"ended \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC, execution {ID}\)$",
        err,
        re.M,
    ), err


def test_plural_and_cost_line() -> None:
    assert [plural(n, "row") for n in (0, 1, 2, 1234)] == [
        "0 rows",
        "1 row",
        "2 rows",
        "1,234 rows",
    ]
    assert plural(1.0, "credit") == "1 credit" and plural(0.5, "credit") == "0.5 credits"
    assert cost_line(credits=1, datapoints=1, rows=1, seconds=0.25) == (
        "cost: 1 credit, 1 datapoint, 1 row, 0.2s"
    )
    assert cost_line(credits=None, datapoints=None, rows=2, seconds=1) == (
        "cost: ? credits, ? datapoints, 2 rows, 1.0s"
    )
    # what was paid now, and where the data came from
    eid = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    assert cost_line(
        credits=10, datapoints=9, rows=3, seconds=1, origin="read", execution_id=eid
    ) == (f"cost: 0 credits, 9 datapoints, 3 rows, 1.0s (no new execution: read execution {eid})")
    assert cost_line(
        credits=10, datapoints=9, rows=3, seconds=0, origin="cache", execution_id=eid
    ) == (
        f"cost: 0 credits, 0 datapoints, 3 rows, 0.0s (no request: the local cache, execution {eid})"
    )


# --------------------------------------------------------------------------- server clock


def test_latest_max_age_follows_the_emulator_clock(cli: Any, dune_emulator: EmulatorHandle) -> None:
    code, _, err = cli("latest", "2", "--param", "n=2", "-q")
    assert code == 0, err
    started = dune_emulator.control.counters()["executions_started"]
    assert cli("latest", "2", "--param", "n=2", "--max-age", "1h", "-q")[0] == 0
    assert dune_emulator.control.counters()["executions_started"] == started  # fresh: reused
    dune_emulator.control.advance_clock(7200)
    code, _, err = cli("latest", "2", "--param", "n=2", "--max-age", "1h")
    assert code == 0, err
    assert dune_emulator.control.counters()["executions_started"] == started + 1
    assert "reused" not in err


def test_library_latest_result_judges_age_on_the_server_clock(
    dune_emulator: EmulatorHandle,
) -> None:
    emulator_time = EmulatorTime(dune_emulator).client_kwargs()
    with duneq.Client(
        dune_emulator.api_key, base_url=dune_emulator.base_url, **emulator_time
    ) as dune:
        first = dune.latest_result(2, params={"n": 3})
        again = dune.latest_result(2, params={"n": 3}, max_age=timedelta(hours=1))
        assert again.reused and again.execution_id == first.execution_id
        dune_emulator.control.advance_clock(7200)
        stale = dune.latest_result(2, params={"n": 3}, max_age=timedelta(hours=1))
        assert not stale.reused and stale.execution_id != first.execution_id


def test_server_now_prefers_the_date_header_only_beyond_its_resolution() -> None:
    local = datetime(2026, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert server_time({"Date": "Thu, 01 Jan 2026 14:00:00 GMT"}) == datetime(
        2026, 1, 1, 14, tzinfo=UTC
    )
    assert server_time({}) is None and server_time({"date": "garbage"}) is None
    assert server_now({"date": "Thu, 01 Jan 2026 14:00:00 GMT"}, local) == datetime(
        2026, 1, 1, 14, tzinfo=UTC
    )
    assert server_now({"date": "Thu, 01 Jan 2026 12:00:00 GMT"}, local) == local
    assert server_now({}, local) == local
