"""duneq's Dagster integration against the emulator over real HTTP: a daily-partitioned asset
materialized into its partition's dataset folder (rerun idempotent), an asset written to one
parquet file, and one handed to the IO manager; metadata carries execution id, rows, credits."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duneq
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from dune_emulator import EmulatorHandle
from duneq.dagster import DuneResource, dune_query_asset

SQL = "select '{{day}}' as day_text, range as n, cast(range as uint256) as u from range(5)"


def resource(emu: EmulatorHandle) -> DuneResource:
    return DuneResource(api_key=emu.api_key, base_url=emu.base_url, max_credits=1000)


def day_query(emu: EmulatorHandle) -> int:
    with duneq.Client(api_key=emu.api_key, base_url=emu.base_url) as dune:
        qid: int = dune.queries.create(
            "daily", SQL, parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}]
        )
    return qid


def test_partitioned_asset_materializes_its_partition(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    qid = day_query(dune_emulator)
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
    lake = tmp_path / "lake"
    asset = dune_query_asset(
        qid, name="daily_pull", partitions=daily, partition_param="day", output_uri=str(lake)
    )
    for key in ("2024-01-02", "2024-01-03", "2024-01-02"):  # the rerun replaces its partition
        result = dg.materialize(
            [asset], resources={"dune": resource(dune_emulator)}, partition_key=key
        )
        assert result.success
    (materialization,) = result.asset_materializations_for_node("daily_pull")
    meta = materialization.metadata
    assert meta["rows"].value == 5
    assert str(meta["execution_id"].value).startswith("01")  # a ULID, never rows
    assert meta["credits"].value > 0
    assert meta["uri"].value == str(lake / "day=2024-01-02")
    assert materialization.partition == "2024-01-02"
    assert sorted(p.name for p in lake.iterdir()) == ["day=2024-01-02", "day=2024-01-03"]
    table = ds.dataset(str(lake), partitioning="hive").to_table()
    assert table.num_rows == 10  # 5 per partition, the rerun not duplicated
    assert sorted(set(table["day_text"].to_pylist())) == ["2024-01-02", "2024-01-03"]
    assert table.schema.field("u").type == "string"  # uint256 as to_arrow maps it


def test_asset_to_a_parquet_file_and_to_the_io_manager(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    qid = day_query(dune_emulator)
    path = tmp_path / "one.parquet"
    to_file = dune_query_asset(qid, {"day": "2024-02-01"}, name="to_file", output_uri=str(path))
    to_memory = dune_query_asset(qid, {"day": "2024-02-02"}, name="to_memory")
    result = dg.materialize_to_memory(
        [to_file, to_memory], resources={"dune": resource(dune_emulator)}
    )
    assert result.success
    assert pq.read_table(path)["day_text"].to_pylist() == ["2024-02-01"] * 5
    table = result.output_for_node("to_memory")
    assert table.num_rows == 5 and table["day_text"][0].as_py() == "2024-02-02"
    (mat,) = result.asset_materializations_for_node("to_memory")
    assert mat.metadata["rows"].value == 5


def test_bad_asset_arguments_are_named(dune_emulator: EmulatorHandle) -> None:
    with pytest.raises(duneq.InvalidArgument, match="partitions and partition_param go together"):
        dune_query_asset(1, partition_param="day")
    asset = dune_query_asset(999999, name="missing")
    with pytest.raises(duneq.NotFound):
        dg.materialize([asset], resources={"dune": resource(dune_emulator)})
