"""Issue 24's rows of scripts/chaos.py, bounded for CI: read-only MCP payloads refused with
the victim table unchanged, max_credits never passed under ambiguous executes, chunked inserts
under faults resumed to the exact table, sweep processes killed with SIGKILL and resumed
without a second billed run, and cache faults that never break a read. Real HTTP to the
emulator, real processes and (as root) real mounts; seeded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dune_emulator import EmulatorHandle

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts import chaos


def assert_clean(tally: chaos.Tally) -> None:
    """No untyped exception, no wrong row, no duplicate, no overspend, no late run."""
    assert not tally.untyped, tally.untyped
    assert (tally.wrong, tally.duplicates, tally.overspend, tally.late) == (0, 0, 0, 0), tally.note


def test_every_mcp_payload_is_refused_and_the_victim_kept(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.mcp_payloads(dune_emulator)
    assert tally.runs == len(chaos.MCP_PAYLOADS) >= 12
    assert tally.exact == tally.runs and tally.typed == {"refused": tally.runs}, tally.note
    assert_clean(tally)


def test_ambiguous_executes_never_pass_max_credits(dune_emulator: EmulatorHandle) -> None:
    """Every fault kind on every path (sync, async, lowlevel, lowlevel-async) once."""
    tries = 4 * len(chaos.AMBIGUOUS_EXECUTE)
    tally = chaos.budget_overspend(dune_emulator, tries=tries)
    assert tally.runs == tries and tally.exact == tries, tally.note
    assert tally.typed == {"BudgetExceeded": tries}, tally.typed  # each stopped by the budget
    assert_clean(tally)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_inserts_under_faults_resume_to_the_exact_table(
    dune_emulator: EmulatorHandle, mode: chaos.Mode
) -> None:
    tally = chaos.upload_faults(
        dune_emulator, rate=0.4, runs=3, mode=mode, seed=5, emulator_clock=True
    )
    assert tally.runs == 3 and tally.exact == 3, tally.note
    assert tally.typed.get("InsertFailed", 0) >= 1, tally.note  # the faults did hit chunks
    assert_clean(tally)


def test_killed_sweeps_resume_without_a_second_billed_run(dune_emulator: EmulatorHandle) -> None:
    tally = chaos.sweep_kills(
        dune_emulator, sweeps=1, kills=3, items=4, executing_seconds=0.1, seed=24
    )
    assert tally.runs == 1 and tally.exact == 1, tally.note
    assert "0 kills" not in tally.note
    assert_clean(tally)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_cache_faults_never_break_a_read(dune_emulator: EmulatorHandle, mode: chaos.Mode) -> None:
    tally = chaos.cache_faults(dune_emulator, runs=1, mode=mode)
    possible = len(chaos.CACHE_FAULTS) - tally.note.count("not possible here")
    assert possible >= 2 and tally.runs == possible  # the directory and killed-writer kinds
    assert tally.exact == tally.runs, tally.note
    assert "0 orphan temp files left" in tally.note
    assert_clean(tally)


def test_the_table_has_the_issue_columns() -> None:
    tally = chaos.Tally("x", runs=3, exact=2, typed={"InsertFailed": 1}, late=1)
    head, _, row = chaos.table([tally])
    for column in ("runs", "exact", "typed errors", "wrong rows", "duplicates", "overspend"):
        assert column in head
    assert "overruns > 1 s" in head
    assert row.split()[1:9] == ["3", "2", "1", "0", "0", "0", "1", "0"]
    assert chaos.markdown([tally])[2].startswith("| x | 3 | 2 | 1 | 0 | 0 | 0 | 1 | 0 |")
