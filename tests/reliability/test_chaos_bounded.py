"""The chaos scenarios of scripts/chaos.py, bounded for CI (few runs, sync and async), asserting
the issue's properties: exact rows, typed errors only, no duplicate execution, every ambiguous
execute reported, deadlines held (by the emulator's pinned durations, generous bounds)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dune_emulator import EmulatorHandle

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts import chaos


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_reads_at_20_percent_faults_return_exact_rows(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    tally = chaos.reads_under_faults(dune_emulator, rate=0.2, runs=4, mode=mode, seed=3)
    assert tally.exact == tally.runs and not tally.untyped and tally.wrong == 0


def test_reads_at_50_percent_faults_are_exact_or_typed(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.reads_under_faults(dune_emulator, rate=0.5, runs=4, mode="async", seed=5)
    assert not tally.untyped and tally.wrong == 0
    assert tally.exact + sum(tally.typed.values()) == tally.runs
    assert tally.max_overrun <= 1.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_execute_faults_never_duplicate_and_report_ambiguity(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    tally = chaos.executes_under_faults(dune_emulator, rate=0.5, runs=6, mode=mode, seed=7)
    assert tally.duplicates == 0 and tally.misreported == 0 and not tally.untyped
    assert set(tally.typed) <= {"ExecutionMayHaveStarted", "RateLimited"}


def test_deadlines_hold_under_every_fault_kind_sync(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.deadline_overruns(dune_emulator, mode="sync")
    assert tally.typed == {"ExecutionTimeout": tally.runs}, tally.note
    assert tally.exact == tally.runs, tally.note  # every run cancelled remotely
    assert tally.late == 0, tally.note  # no wait ended more than 1 s past its deadline


def test_deadlines_hold_async(dune_emulator: EmulatorHandle) -> None:
    kinds = ["stall 5 s", "429 Retry-After 10", "trickle 5 s"]
    tally = chaos.deadline_overruns(dune_emulator, mode="async", kinds=kinds)
    assert tally.typed == {"ExecutionTimeout": tally.runs}, tally.note
    assert tally.exact == tally.runs and tally.late == 0, tally.note
