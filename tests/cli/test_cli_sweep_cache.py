"""``duneq sweep`` and ``duneq cache`` in-process against the emulator, on its clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq.cli import main
from duneq.cli.errors import UsageError
from duneq.cli.sweep import parse_grid
from helpers.cli_seam import give_cli_clients

SQL = "select '{{day}}' as day_text, {{n}} as n"


def test_grid_expands_ranges_and_repeats() -> None:
    grid = parse_grid(["day=2024-01-30..2024-02-02", "n=1", "n=3..4"])
    assert len(grid) == 4 * 3
    assert grid[0] == {"day": "2024-01-30", "n": "1"}
    assert grid[-1] == {"day": "2024-02-02", "n": "4"}
    with pytest.raises(UsageError, match="ends before"):
        parse_grid(["n=5..1"])
    with pytest.raises(UsageError, match="two dates"):
        parse_grid(["day=2024-01-01..soon"])
    with pytest.raises(UsageError, match="at least one"):
        parse_grid([])


def test_sweep_and_cache_commands(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import duneq
    import pyarrow.parquet as pq

    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    monkeypatch.setenv("DUNEQ_CACHE_DIR", str(tmp_path / "cache"))
    emulator_time = EmulatorTime(dune_emulator).client_kwargs()  # waits cost no real time
    give_cli_clients(monkeypatch, **emulator_time)
    with duneq.Client() as dune:
        qid = dune.queries.create(
            "grid",
            SQL,
            parameters=[
                {"key": "day", "type": "text", "value": "x"},
                {"key": "n", "type": "number", "value": "0"},
            ],
        )
    out = tmp_path / "all.parquet"
    argv = ["sweep", str(qid), "--param", "day=2024-01-01..2024-01-03", "--param", "n=7"]
    code = main([*argv, "--out", str(out), "--state", str(tmp_path / "s.json")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "3 done, 0 running, 0 queued, 0 failed" in err
    table = pq.read_table(out)
    assert table.column_names == ["day", "param_n", "day_text", "n"]  # n clashes: renamed
    rows = table.to_pylist()
    assert [r["day_text"] for r in rows] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert all(r["day"] == r["day_text"] and r["param_n"] == 7 and r["n"] == 7 for r in rows)
    assert main(["cache", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "cache")
    with duneq.Client(**emulator_time) as dune:  # DUNEQ_CACHE_DIR turns the cache on
        result = dune.run_sql("select 1 as one")
        assert len(result.rows) == 1
    assert main(["cache", "ls"]) == 0
    listed: Any = capsys.readouterr()
    assert result.execution_id in listed.out and "4 entries" in listed.err  # + 3 sweep items
    assert main(["cache", "clear"]) == 0
    assert "removed 4 cache entries" in capsys.readouterr().out


def test_sweep_command_says_when_an_item_is_run_again(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A state file left by a process that died while submitting an item whose run never
    shows: ``duneq sweep`` prints the SweepWarning (the sweep hid DuneWarnings before) and the
    live line counts the item as run again."""
    import datetime as dt

    import duneq
    from duneq._sweeps.state import SweepState, build_items

    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())
    with duneq.Client() as dune:
        qid = dune.queries.create(
            "rerun",
            SQL,
            parameters=[
                {"key": "day", "type": "text", "value": "x"},
                {"key": "n", "type": "number", "value": "0"},
            ],
        )
    state = tmp_path / "s.json"
    items = build_items([{"day": "2024-01-01", "n": "1"}, {"day": "2024-01-02", "n": "1"}])
    items[1].submitting_at = dt.datetime.now(dt.UTC).isoformat()
    SweepState(state, qid).save(items)
    argv = ["sweep", str(qid), "--param", "day=2024-01-01..2024-01-02", "--param", "n=1"]
    code = main([*argv, "--state", str(state), "--out", str(tmp_path / "all.csv")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning: sweep item 1 (day=2024-01-02, n=1) is run again" in err
    assert "may be billed twice" in err
    assert "2 done, 0 running, 0 queued, 0 failed, 1 run again" in err
    assert (tmp_path / "all.csv").read_text().count("2024-01-02") == 2  # param and result
