"""The chaos scenarios of scripts/chaos.py, bounded for CI (few runs, sync and async), asserting
the issue's properties: exact rows, typed errors only, no duplicate execution, every ambiguous
execute reported, deadlines held (by the emulator's pinned durations, generous bounds). Polls,
backoff and deadlines run on the emulator's clock, except for the faults that stall or trickle
in real time: only the real HTTP timeout cuts those off, so their deadlines are held in real time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dune_emulator import EmulatorHandle

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts import chaos

#: Deadline faults the server serves in real time (a stall, a trickled body): kept on real time.
REAL_TIME_KINDS = ["stall 5 s", "trickle 5 s"]


def assert_deadlines_held(tally: chaos.Tally) -> None:
    """Every wait ended in ExecutionTimeout, cancelled remotely, within 1 s of its deadline."""
    assert tally.typed == {"ExecutionTimeout": tally.runs}, tally.note
    assert tally.exact == tally.runs, tally.note  # every run cancelled remotely
    assert tally.late == 0, tally.note  # no wait ended more than 1 s past its deadline


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_reads_at_20_percent_faults_return_exact_rows(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    tally = chaos.reads_under_faults(
        dune_emulator, rate=0.2, runs=4, mode=mode, seed=3, emulator_clock=True
    )
    assert tally.exact == tally.runs and not tally.untyped and tally.wrong == 0


def test_reads_at_50_percent_faults_are_exact_or_typed(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.reads_under_faults(
        dune_emulator, rate=0.5, runs=4, mode="async", seed=5, emulator_clock=True
    )
    assert not tally.untyped and tally.wrong == 0
    assert tally.exact + sum(tally.typed.values()) == tally.runs
    assert tally.max_overrun <= 1.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_execute_faults_never_duplicate_and_report_ambiguity(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    tally = chaos.executes_under_faults(
        dune_emulator, rate=0.5, runs=6, mode=mode, seed=7, emulator_clock=True
    )
    assert tally.duplicates == 0 and tally.misreported == 0 and not tally.untyped
    assert set(tally.typed) <= {"ExecutionMayHaveStarted", "RateLimited"}


def test_deadlines_hold_under_every_fault_kind_sync(dune_emulator: EmulatorHandle) -> None:
    emulated = [kind for kind in chaos.DEADLINE_FAULTS if kind not in REAL_TIME_KINDS]
    real = chaos.deadline_overruns(dune_emulator, mode="sync", kinds=REAL_TIME_KINDS)
    assert real.runs == len(REAL_TIME_KINDS)
    assert_deadlines_held(real)
    clocked = chaos.deadline_overruns(
        dune_emulator, mode="sync", kinds=emulated, emulator_clock=True
    )
    assert clocked.runs == len(emulated)
    assert_deadlines_held(clocked)


def test_deadlines_hold_async(dune_emulator: EmulatorHandle) -> None:
    real = chaos.deadline_overruns(dune_emulator, mode="async", kinds=REAL_TIME_KINDS)
    assert_deadlines_held(real)
    clocked = chaos.deadline_overruns(
        dune_emulator, mode="async", kinds=["429 Retry-After 10"], emulator_clock=True
    )
    assert_deadlines_held(clocked)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_csv_reads_at_20_percent_faults_are_exact_and_cache_exact(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    """Every CSV path once (to_arrow, iter_batches, to_csv, download_csv, to_parquet) with
    truncated, non-CSV, reset, stalled and trickled GETs; then a fresh offline client reads
    each cached entry: exact rows or nothing, never a short entry."""
    tally = chaos.csv_reads_under_faults(
        dune_emulator, rate=0.2, runs=5, mode=mode, seed=3, emulator_clock=True
    )
    assert tally.exact == tally.runs and not tally.untyped and tally.wrong == 0, tally.note


def test_csv_reads_at_50_percent_faults_are_exact_or_typed(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.csv_reads_under_faults(
        dune_emulator, rate=0.5, runs=5, mode="sync", seed=5, emulator_clock=True
    )
    assert not tally.untyped and tally.wrong == 0, tally.note
    assert tally.exact + sum(tally.typed.values()) == tally.runs
    assert tally.max_overrun <= 1.0


def test_read_deadlines_hold_on_the_fan_out(dune_emulator: EmulatorHandle) -> None:
    """chaos.py's read-deadline row, bounded: run_sql(timeout=2), then stalled CSV pages while
    the fan-out has pages in flight, and a Retry-After that outlives the deadline."""
    tally = chaos.read_deadline_overruns(
        dune_emulator,
        mode="sync",
        kinds=["stall 5 s", "429 Retry-After 100"],
        paths=["to_arrow"],
    )
    assert tally.typed == {"ExecutionTimeout": tally.runs}, tally.note
    assert tally.exact == tally.runs, tally.note  # each names the read it stopped
