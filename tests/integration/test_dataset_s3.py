"""Datasets on real object storage: moto's S3 server over HTTP on loopback. A sweep's dataset
read back with pyarrow.dataset and polars equals ``to_arrow()``; a failed write shows no
object; a writer killed midway (SIGKILL) resumes with no partition duplicated or missing and
no execution paid twice; the CLI's ``--out s3://``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duneq
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import aw, make, run
from helpers.s3server import S3Server, s3, s3_server
from test_budget_sweep import DAYS, POLL, SWEEP_SQL
from test_dataset import SQL, same

__all__ = ["s3", "s3_server"]  # the fixtures, imported for pytest

CSV = "GET /api/v1/execution/{execution_id}/results/csv"
DAY = pa.schema([("day", pa.string())])


def objects(server: S3Server, bucket: str) -> list[str]:
    """Every object key in ``bucket`` (directory markers left out), sorted."""
    fs: Any = server.filesystem()
    return sorted(
        info.path.removeprefix(f"{bucket}/")
        for info in fs.get_file_info(pafs.FileSelector(bucket, recursive=True))
        if info.type == pafs.FileType.File
    )


def day_query(dune: Any) -> Any:
    return dune.queries.create(
        "sweep", SWEEP_SQL, parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}]
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_sweep_dataset_on_s3_reads_back_exactly(
    mode: str, dune_emulator: EmulatorHandle, s3: S3Server
) -> None:
    async def scenario() -> None:
        bucket = s3.new_bucket()
        dune = make(mode, dune_emulator, poll=POLL)
        qid = await aw(day_query(dune))
        params = [{"day": d} for d in DAYS[:6]]
        uri = f"s3://{bucket}/lake/days"
        runs = await aw(dune.sweep(qid, params, out=uri, partition_by=["day"]))
        assert runs.output.rows == 6 and runs.output.uri == uri
        keys = objects(s3, bucket)
        assert len(keys) == 6 and all(k.startswith("lake/days/day=2024-01-0") for k in keys)
        expected = (await aw(dune.sweep(qid, params))).to_arrow()  # in memory, same sweep
        fs = s3.filesystem()
        part = ds.partitioning(DAY, flavor="hive")
        back = ds.dataset(f"{bucket}/lake/days", filesystem=fs, partitioning=part).to_table()
        same(back, expected, "day")
        frame = pl.scan_parquet(
            f"{uri}/**/*.parquet",
            hive_partitioning=True,
            hive_schema={"day": pl.String},
            storage_options=s3.polars_options,
        ).collect()
        reference = pl.DataFrame(expected)
        assert frame.select(expected.column_names).sort("day").equals(reference.sort("day"))
        # a whole result too, partitioned by one of its columns
        result = await aw(dune.run_sql(SQL, page_size=6))
        written = await aw(result.to_dataset(f"s3://{bucket}/pulls/", partition_by=["g"]))
        assert written.rows == 25
        assert [k for k in objects(s3, bucket) if k.startswith("pulls/")] == [
            f"pulls/g={g}/part-0.parquet" for g in range(3)
        ]  # no staging object left
        pulled = ds.dataset(
            f"{bucket}/pulls",
            filesystem=fs,
            partitioning=ds.partitioning(pa.schema([("g", pa.int64())]), flavor="hive"),
        ).to_table()
        same(pulled, await aw(result.to_arrow()), "n")
        await aw(dune.close())

    run(scenario)


def test_a_failed_write_to_s3_shows_no_object(dune_emulator: EmulatorHandle, s3: S3Server) -> None:
    bucket = s3.new_bucket()
    dune = make("sync", dune_emulator, max_retries=0)
    result = dune.run_sql(SQL, page_size=4)
    dune_emulator.control.add_fault(CSV, count=10, status=400, body={"error": "gone"})
    with pytest.raises(duneq.DuneError):
        result.to_dataset(f"s3://{bucket}/ds", partition_by="g")
    assert objects(s3, bucket) == []
    dune.close()


CHILD = """
import sys
import duneq

qid, uri, state, days = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].split(",")
poll = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)
with duneq.Client(poll=poll, cache=False) as dune:
    dune.sweep(qid, [{"day": d} for d in days], out=uri, partition_by=["day"], state=state,
               max_concurrent=2)
print("finished")
"""


def test_killed_writer_resumes_without_duplicates_or_gaps(
    dune_emulator: EmulatorHandle, s3: S3Server, tmp_path: Path
) -> None:
    bucket = s3.new_bucket()
    ctl = dune_emulator.control
    dune = make("sync", dune_emulator, poll=POLL, cache=False)
    qid = day_query(dune)
    days = DAYS[:12]
    ctl.pin_next_executions(12, executing_seconds=0.4)  # slow enough to be killed midway
    uri = f"s3://{bucket}/days"
    state = tmp_path / "sweep.json"
    env = {
        **os.environ,
        **s3.env,
        "DUNE_API_KEY": dune_emulator.api_key,
        "DUNE_API_BASE_URL": dune_emulator.base_url,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(qid), uri, str(state), ",".join(days)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        while len(objects(s3, bucket)) < 3 and child.poll() is None:
            time.sleep(0.05)
        assert child.poll() is None, child.communicate()  # killed while still writing
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    before = objects(s3, bucket)
    assert 3 <= len(before) < 12
    runs = dune.sweep(qid, [{"day": d} for d in days], out=uri, partition_by=["day"], state=state)
    assert not runs.failed
    after = objects(s3, bucket)
    folders = [key.rpartition("/")[0] for key in after]
    assert sorted(folders) == [f"days/day={d}" for d in days]  # each partition once, none missing
    assert set(before) <= set(after)  # what the killed writer finished was kept, not rewritten
    assert runs.output is not None and runs.output.rows == 12 - len(before)
    # no item was executed twice: the state file's running items were waited on, not re-run
    assert ctl.counters()["executions_started"] == 12
    back = (
        ds.dataset(
            f"{bucket}/days",
            filesystem=s3.filesystem(),
            partitioning=ds.partitioning(DAY, flavor="hive"),
        )
        .to_table()
        .sort_by("day")
    )
    assert back.num_rows == 12 and back["day"].to_pylist() == days
    assert back["day_text"].to_pylist() == days
    dune.close()


def test_cli_out_s3_with_partition_by(
    dune_emulator: EmulatorHandle,
    s3: S3Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dune_emulator.testing import EmulatorTime
    from duneq.cli import main
    from helpers.cli_seam import give_cli_clients

    bucket = s3.new_bucket()
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())
    out = f"s3://{bucket}/cli/pull/"
    code = main(["sql", SQL, "--out", out, "--partition-by", "g", "--page-size", "10"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"wrote 25 rows to {out}" in err
    assert objects(s3, bucket) == [f"cli/pull/g={g}/part-0.parquet" for g in range(3)]
