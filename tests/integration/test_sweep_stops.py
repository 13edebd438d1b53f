"""Sweeps stop on an error every item would get (unless keep_going), warn when every item
failed, count only their own credits, and say how to resume after Ctrl-C."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq.cli import main
from helpers.cli_seam import give_cli_clients

EXECUTE = "POST /api/v1/query/{query_id}/execute"


def client(emu: EmulatorHandle) -> duneq.Client:
    return duneq.Client(
        api_key=emu.api_key, base_url=emu.base_url, **EmulatorTime(emu).client_kwargs()
    )


def executes(emu: EmulatorHandle) -> int:
    return int(emu.control.counters()["requests"].get(EXECUTE, 0))


DAYS = [{"day": f"2024-01-0{d}"} for d in (1, 2, 3)]


def test_unknown_parameter_names_stop_the_sweep_at_the_first_item(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with client(dune_emulator) as dune, pytest.raises(duneq.SweepStopped) as caught:
        dune.sweep(2, params=DAYS, max_concurrent=1, state=tmp_path / "s.json")
    stop = caught.value
    assert isinstance(stop.error, duneq.BadRequest)
    assert "unknown parameters (day)" in str(stop)
    assert "day=2024-01-01" in str(stop) and "2 not started" in str(stop)
    assert "keep_going=True" in str(stop)
    assert executes(dune_emulator) == 1  # one request, not one per item
    assert [i.outcome for i in stop.runs.items] == ["failed", "queued", "queued"]


def test_a_missing_query_stops_the_sweep_too(dune_emulator: EmulatorHandle) -> None:
    with client(dune_emulator) as dune, pytest.raises(duneq.SweepStopped) as caught:
        dune.sweep(999_999, params=[{"n": 1}, {"n": 2}], max_concurrent=1)
    assert isinstance(caught.value.error, duneq.NotFound)
    assert executes(dune_emulator) == 1


def test_keep_going_runs_every_item_and_warns_when_all_failed(
    dune_emulator: EmulatorHandle,
) -> None:
    with (
        client(dune_emulator) as dune,
        pytest.warns(duneq.DuneWarning, match=r"every sweep item failed \(3\)"),
    ):
        runs = dune.sweep(2, params=DAYS, keep_going=True)
    assert len(runs.failed) == 3 and executes(dune_emulator) == 3


def test_an_item_error_does_not_stop_the_others(dune_emulator: EmulatorHandle) -> None:
    """A bad value is the item's own problem: the other items still run."""
    with client(dune_emulator) as dune:
        runs = dune.sweep(2, params=[{"n": "x"}, {"n": 2}], max_concurrent=1)
    assert len(runs.failed) == 1 and len(runs.rows) == 2


def test_sweep_credits_count_only_the_sweep(dune_emulator: EmulatorHandle) -> None:
    seen: list[duneq.SweepProgress] = []
    with client(dune_emulator) as dune:
        dune.run_query(2, {"n": 1})  # spent before the sweep: not the sweep's
        before = dune.spent.credits
        assert before > 0
        runs = dune.sweep(2, params=[{"n": 1}, {"n": 2}], on_progress=seen.append)
        assert seen[0].credits == 0
        assert seen[-1].credits == runs.credits == dune.spent.credits - before


def test_cli_sweep_stops_with_one_line_and_writes_nothing(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())
    out = tmp_path / "all.parquet"
    argv = ["sweep", "2", "--param", "day=2024-01-01..2024-01-31", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "sweep stopped" in errors[0] and "--keep-going" in errors[0]
    assert not out.exists() and executes(dune_emulator) == 1
    assert main([*argv, "--keep-going"]) == 1
    err = capsys.readouterr().err
    assert "every sweep item failed (31); nothing written" in err
    assert not out.exists()


def test_cli_sweep_interrupted_says_how_to_resume(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(duneq.Client, "sweep", interrupted)
    state = tmp_path / "s.json"
    assert main(["sweep", "2", "--param", "n=1..3", "--state", str(state)]) == 130
    assert f"run the same command again (with --state {state}) to resume" in (
        capsys.readouterr().err
    )
    assert main(["sweep", "2", "--param", "n=1..3"]) == 130
    assert "give --state FILE next time" in capsys.readouterr().err


# -- parameter columns typed from the query's declared parameters ---------------------------------


def test_numeric_and_datetime_parameters_are_typed_columns(dune_emulator: EmulatorHandle) -> None:
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    with client(dune_emulator) as dune:
        numbers = dune.sweep(2, params=[{"n": 1}, {"n": 2}])
        table = numbers.to_arrow()
        assert table.schema.field("n").type == pa.int64()
        assert table.column("n").to_pylist() == [1, 2, 2]
        assert numbers.column_types[0] == "bigint"

        days = dune.sweep(3, params=[{"day": dt.date(2024, 1, 2)}, {"day": "2024-01-03 00:00:00"}])
        table = days.to_arrow()
        assert table.schema.field("day").type == pa.timestamp("ms", tz="UTC")
        assert set(table.column("day").to_pylist()) == {
            dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
            dt.datetime(2024, 1, 3, tzinfo=dt.UTC),
        }

        qid = dune.queries.create(
            "scaled",
            "select {{x}} * 2 as twice",
            parameters=[{"key": "x", "type": "number", "value": "1"}],
        )
        scaled = dune.sweep(qid, params=[{"x": "1.5"}, {"x": Decimal("0.25")}])
        assert scaled.column_types[0] == "decimal(38,2)"
        assert scaled.to_arrow().column("x").to_pylist() == [Decimal("1.50"), Decimal("0.25")]

        chains = dune.sweep(1, params=[{"chain": "base"}])
        assert chains.to_arrow().schema.field("chain").type == pa.string()


def test_latest_result_takes_params_positionally_as_run_query_does(
    dune_emulator: EmulatorHandle,
) -> None:
    """`latest_result(1, {"chain": "base"})` and `run_query(1, {"chain": "base"})` match."""
    with client(dune_emulator) as dune:
        ran = dune.run_query(1, {"chain": "base"}, limit=5)
        latest = dune.latest_result(1, {"chain": "base"}, limit=5)
        assert latest.source == "latest" and latest.execution_id == ran.execution_id
        assert {r["blockchain"] for r in latest.rows} == {"base"}
