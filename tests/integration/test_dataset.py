"""Results and sweeps written as partitioned datasets on local files, through the emulator:
read back exactly as ``to_arrow()`` types them, the ``existing`` modes, a failed write leaving
nothing visible, and a sweep that writes each item as it finishes and resumes by filling in
only the missing partitions."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duneq
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, count, make, run
from test_budget_sweep import DAYS, POLL, SWEEP_SQL, Crash

SQL = (
    "select range as n, range % 3 as g, cast(range as uint256) as u, "
    "timestamp '2024-01-01 00:00:00 UTC' + range * interval '1' hour as t, "
    "'v' || cast(range as varchar) as s from range(25)"
)
CSV = "GET /api/v1/execution/{execution_id}/results/csv"
EXECUTE_QUERY = "POST /api/v1/query/{query_id}/execute"


def files(root: Path) -> list[str]:
    """Every file below ``root``, hidden ones included, relative and sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def read_back(where: str | Path, partitions: pa.Schema | None, **kw: Any) -> pa.Table:
    part = ds.partitioning(partitions, flavor="hive") if partitions is not None else None
    return ds.dataset(str(where), format="parquet", partitioning=part, **kw).to_table()


def same(back: pa.Table, expected: pa.Table, key: str) -> None:
    """Equal as tables (types, values, order by ``key``), the dune_type metadata aside."""
    back = back.select(expected.column_names).sort_by(key)
    assert back.schema.equals(expected.schema, check_metadata=False), back.schema
    assert back.equals(expected.sort_by(key))


@pytest.mark.parametrize("mode", MODES)
def test_result_to_dataset_partitioned_reads_back_as_to_arrow(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql(SQL, page_size=4))
        expected = await aw(result.to_arrow())
        assert expected.schema.field("u").type == pa.string()  # uint256 as its mapped type
        assert expected.schema.field("t").type == pa.timestamp("ms", "UTC")
        out = tmp_path / "lake" / "pull"
        written = await aw(result.to_dataset(out, partition_by=["g"]))
        assert isinstance(written, duneq.WrittenDataset)
        assert written.rows == 25 and written.uri == str(out)
        assert files(tmp_path / "lake") == [
            "pull/g=0/part-0.parquet",
            "pull/g=1/part-0.parquet",
            "pull/g=2/part-0.parquet",
        ]  # no staging folder left behind
        assert sorted(written.files) == [str(out / f"g={g}/part-0.parquet") for g in range(3)]
        same(read_back(out, pa.schema([("g", pa.int64())])), expected, "n")
        frame = pl.scan_parquet(
            f"{out}/**/*.parquet", hive_partitioning=True, hive_schema={"g": pl.Int64}
        ).collect()
        assert frame.sort("n")["n"].to_list() == list(range(25))
        assert frame.schema["t"] == pl.Datetime("ms", "UTC")
        import duckdb  # the README's reader, as written there

        got = duckdb.execute(
            f"select g, count(*) as c, sum(n) as s from read_parquet('{out}/**/*.parquet', "
            "hive_partitioning = true) group by g order by g"
        ).fetchall()
        assert got == [(g, len(range(g, 25, 3)), sum(range(g, 25, 3))) for g in range(3)]
        await aw(dune.close())

    run(scenario)


def test_existing_modes_and_uris(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    dune = make("sync", dune_emulator)
    out = tmp_path / "ds"
    first = dune.run_sql(SQL, page_size=10)
    first.to_dataset(f"file://{out}", partition_by="g")
    with pytest.raises(duneq.InvalidArgument, match="already holds files"):
        first.to_dataset(out, partition_by="g")
    # only g=0 and g=1 this time: delete_matching replaces those partitions, keeps g=2
    fewer = dune.run_sql("select range + 100 as n, range % 2 as g from range(6)")
    fewer.to_dataset(out, partition_by=["g"], existing="delete_matching")
    back = read_back(out, pa.schema([("g", pa.int64())]))
    by_g = {
        g: sorted(
            n for n, gg in zip(back["n"].to_pylist(), back["g"].to_pylist(), strict=True) if gg == g
        )
        for g in range(3)
    }
    assert by_g[0] == [100, 102, 104] and by_g[1] == [101, 103, 105]
    assert by_g[2] == [n for n in range(25) if n % 3 == 2]
    # overwrite_or_ignore: same-named files replaced, others left
    plain = tmp_path / "plain"
    dune.run_sql("select 1 as a").to_dataset(plain)
    (plain / "keep.parquet").write_bytes((plain / "part-0.parquet").read_bytes())
    dune.run_sql("select 2 as a").to_dataset(plain, existing="overwrite_or_ignore")
    assert sorted(read_back(plain, None)["a"].to_pylist()) == [1, 2]
    # an explicit pyarrow filesystem, and the other formats
    sub = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    arrow = dune.run_sql(SQL, page_size=7).to_dataset(
        "ipcset", filesystem=sub, format="ipc", partition_by="g"
    )
    assert arrow.rows == 25 and all(f.endswith(".arrow") for f in arrow.files)
    back_ipc = ds.dataset(str(tmp_path / "ipcset"), format="ipc", partitioning="hive").to_table()
    assert sorted(back_ipc["n"].to_pylist()) == list(range(25))
    dune.close()


def test_bad_arguments_are_named(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    dune = make("sync", dune_emulator)
    result = dune.run_sql("select 1 as a, 2 as b")
    with pytest.raises(duneq.InvalidArgument, match=r"'nope', which the result does not have"):
        result.to_dataset(tmp_path / "x", partition_by=["nope"])
    with pytest.raises(duneq.InvalidArgument, match="cannot name every column"):
        result.to_dataset(tmp_path / "x", partition_by=["a", "b"])
    with pytest.raises(duneq.InvalidArgument, match="format must be one of"):
        result.to_dataset(tmp_path / "x", format="xlsx")
    with pytest.raises(duneq.InvalidArgument, match="existing must be one of"):
        result.to_dataset(tmp_path / "x", existing="append")
    with pytest.raises(duneq.InvalidArgument, match="cannot open nosuch://"):
        result.to_dataset("nosuch://bucket/x")
    with pytest.raises(duneq.InvalidArgument, match="filesystem must be"):
        result.to_dataset(tmp_path / "x", filesystem=object())
    with pytest.raises(duneq.InvalidArgument, match="uri must be a path"):
        result.to_dataset(42)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(duneq.InvalidArgument, match="is a file"):
        result.to_dataset(tmp_path / "afile")
    assert files(tmp_path) == ["afile"]
    empty = dune.run_sql("select 1 as a from range(0)")
    written = empty.to_dataset(tmp_path / "empty")
    assert written.rows == 0 and written.files == () and (tmp_path / "empty").is_dir()
    dune.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_write_leaves_nothing_visible(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, max_retries=0)
        result = await aw(dune.run_sql(SQL, page_size=4))
        # the first page is in hand (and goes to the writer); the second page is refused
        dune_emulator.control.add_fault(CSV, count=10, status=400, body={"error": "gone"})
        with pytest.raises(duneq.DuneError):
            await aw(result.to_dataset(tmp_path / "ds", partition_by=["g"]))
        assert files(tmp_path) == []  # no part file, no staging folder
        await aw(dune.close())

    run(scenario)


def test_a_stream_failing_late_publishes_no_file(tmp_path: Path) -> None:
    """pyarrow closes (and so completes) the files it has open when its input fails; those
    short files stay in the staging folder, which is removed."""
    from duneq._sweeps.datasets import resolve, write_batches

    schema = pa.schema([("a", pa.int64()), ("p", pa.string())])

    def batches() -> Any:
        for i in range(120):  # several row groups per partition already written
            yield pa.record_batch(
                [pa.array(range(i * 1000, (i + 1) * 1000)), pa.array([f"v{i % 2}"] * 1000)],
                schema=schema,
            )
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        write_batches(batches(), schema, resolve(tmp_path / "ds"), ["p"], "parquet", "error")
    assert files(tmp_path) == []


def open_under(folder: Path) -> int:
    """Files this process has open below ``folder`` (Linux: /proc/self/fd)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target.startswith(str(folder))
    return count


def interleaved(
    seen: list[int], where: Path, batches: int, fail_at: int | None = None
) -> Iterator[pa.RecordBatch]:
    """``batches`` pages of 1,000 rows; partition p = (n // 100) % 12, so each page touches
    10 partitions. Records how many staging files are open at every page."""
    schema = pa.schema([("n", pa.int64()), ("p", pa.int64()), ("s", pa.string())])
    for b in range(batches):
        if b == fail_at:
            raise RuntimeError("the source broke")
        n = list(range(b * 1000, (b + 1) * 1000))
        seen.append(open_under(where))
        yield pa.record_batch(
            [pa.array(n), pa.array([(i // 100) % 12 for i in n]), pa.array([f"v{i}" for i in n])],
            schema=schema,
        )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_many_partitions_keep_at_most_the_cap_of_files_open(tmp_path: Path) -> None:
    """12 partitions through a cap of 4 open files: never more than 4 open, each partition
    seen again gets its next file, and the rows read back exact (count, ids, checksum)."""
    from duneq._sweeps.datasets import resolve, write_batches

    seen: list[int] = []
    schema = pa.schema([("n", pa.int64()), ("p", pa.int64()), ("s", pa.string())])
    written = write_batches(
        interleaved(seen, tmp_path, 30),
        schema,
        resolve(tmp_path / "ds"),
        ["p"],
        "parquet",
        "error",
        open_files=4,
    )
    assert max(seen) == 4  # the cap is reached, never passed
    assert open_under(tmp_path) == 0
    assert written.rows == 30_000
    names = files(tmp_path)
    assert not [n for n in names if not n.startswith("ds/p=")]  # no staging folder left
    in_p0 = sorted(n for n in names if n.startswith("ds/p=0/"))
    assert len(in_p0) > 1 and in_p0[0] == "ds/p=0/part-0.parquet"
    assert "ds/p=0/part-1.parquet" in in_p0
    back = read_back(tmp_path / "ds", pa.schema([("p", pa.int64())])).sort_by("n")
    assert back["n"].to_pylist() == list(range(30_000))
    assert back["p"].to_pylist() == [(i // 100) % 12 for i in range(30_000)]
    expected = zlib.crc32("".join(f"v{i}\n" for i in range(30_000)).encode())
    assert zlib.crc32("".join(f"{v}\n" for v in back["s"].to_pylist()).encode()) == expected


def test_row_groups_are_cut_at_their_size_or_at_the_buffer_bound(tmp_path: Path) -> None:
    """Pages of 1,000 rows are gathered into row groups of ROWS_PER_GROUP rows; with a small
    byte bound on what waits, the largest buffer is written early (smaller groups, same rows)."""
    import pyarrow.parquet as pq
    from duneq._sweeps.datasets import ROWS_PER_GROUP, resolve, write_batches

    schema = pa.schema([("n", pa.int64()), ("p", pa.int64()), ("s", pa.string())])

    def groups(folder: Path) -> list[int]:
        sizes = []
        for name in sorted(files(folder)):
            meta = pq.ParquetFile(folder / name).metadata
            sizes += [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        return sizes

    write_batches(
        interleaved([], tmp_path, 150), schema, resolve(tmp_path / "one"), [], "parquet", "error"
    )
    assert groups(tmp_path / "one") == [
        ROWS_PER_GROUP,
        ROWS_PER_GROUP,
        150_000 - 2 * ROWS_PER_GROUP,
    ]
    small = write_batches(
        interleaved([], tmp_path, 150),
        schema,
        resolve(tmp_path / "small"),
        ["p"],
        "parquet",
        "error",
        buffer_bytes=200_000,
    )
    sizes = groups(tmp_path / "small")
    assert sum(sizes) == small.rows == 150_000
    assert max(sizes) < 20_000  # without the bound each partition would hold 12,500 rows...
    assert len(sizes) > 12  # ...in one group


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_a_failure_after_files_were_closed_publishes_none(tmp_path: Path) -> None:
    """Files closed early (the open-file cap) are complete, but stay staged: a later failure
    leaves nothing visible and no file open."""
    from duneq._sweeps.datasets import resolve, write_batches

    schema = pa.schema([("n", pa.int64()), ("p", pa.int64()), ("s", pa.string())])
    with pytest.raises(RuntimeError, match="the source broke"):
        write_batches(
            interleaved([], tmp_path, 30, fail_at=20),
            schema,
            resolve(tmp_path / "ds"),
            ["p"],
            "parquet",
            "error",
            open_files=4,
        )
    assert files(tmp_path) == [] and open_under(tmp_path) == 0


# -- sweeps ------------------------------------------------------------------------------------


def day_query(dune: Any) -> Any:
    return dune.queries.create(
        "sweep", SWEEP_SQL, parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}]
    )


@pytest.mark.parametrize("mode", MODES)
def test_sweep_writes_items_as_they_finish_and_resumes_missing_ones(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        ctl = dune_emulator.control
        ctl.configure(max_concurrent_executions=3)
        dune = make(mode, dune_emulator, poll=POLL)
        qid = await aw(day_query(dune))
        ctl.pin_next_executions(30, executing_seconds=0.2)
        out = tmp_path / "days"
        params = [{"day": d} for d in DAYS[:9]]
        seen: list[list[str]] = []

        def crash_after_four(progress: duneq.SweepProgress) -> None:
            seen.append(files(out) if out.exists() else [])
            if progress.done >= 4:
                raise Crash

        with pytest.raises(Crash):  # no state file: the dataset alone says what is done
            await aw(
                dune.sweep(qid, params, out=out, partition_by=["day"], on_progress=crash_after_four)
            )
        before = files(out)
        assert len(before) >= 4 and all(f.startswith("day=2024-01-0") for f in before)
        assert any(0 < len(s) < len(before) for s in seen)  # written one by one, as they finished
        started = ctl.counters()["executions_started"]
        runs = await aw(dune.sweep(qid, params, out=out, partition_by=["day"]))
        # the items already written were not run again; the others were run once each
        assert ctl.counters()["executions_started"] == started + 9 - len(before)
        after = files(out)
        assert len(after) == 9 and set(before) <= set(after)
        assert runs.output is not None and runs.output.rows == 9 - len(before)
        with pytest.raises(duneq.InvalidArgument, match="not held in memory"):
            runs.rows  # noqa: B018
        back = read_back(out, pa.schema([("day", pa.string())])).sort_by("day")
        assert back["day"].to_pylist() == DAYS[:9] == back["day_text"].to_pylist()
        assert back["dom"].to_pylist() == list(range(1, 10))
        again = await aw(dune.sweep(qid, params, out=out, partition_by=["day"]))
        assert ctl.counters()["executions_started"] == started + 9 - len(before)
        assert again.output is not None and again.output.rows == 0 and files(out) == after
        await aw(dune.close())

    run(scenario)


def test_sweep_runs_to_dataset_and_typed_parameter_columns(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    dune = make("sync", dune_emulator, poll=POLL)
    qid = dune.queries.create(
        "n",
        "select {{n}} * 10 as tens",
        parameters=[{"key": "n", "type": "number", "value": "1"}],
    )
    runs = dune.sweep(qid, [{"n": 1}, {"n": 2}, {"n": 3}])
    table = runs.to_arrow()  # a declared number parameter is typed (bigint here)
    assert table.schema.field("n").type == pa.int64()
    assert table["n"].to_pylist() == [1, 2, 3] and table["tens"].to_pylist() == [10, 20, 30]
    out = tmp_path / "n"
    written = runs.to_dataset(out, partition_by="n")
    assert written.rows == 3 and len(files(out)) == 3
    assert {f.split("/")[0] for f in files(out)} == {"n=1", "n=2", "n=3"}
    same(read_back(out, pa.schema([("n", pa.int64())])), table, "n")
    assert runs.to_dataset(out, partition_by="n").rows == 0  # all there: nothing rewritten
    with pytest.raises(duneq.InvalidArgument, match="already holds 3 of this sweep's items"):
        runs.to_dataset(out, partition_by="n", existing="error")
    assert runs.to_dataset(out, partition_by="n", existing="overwrite_or_ignore").rows == 3
    assert len(files(out)) == 3
    with pytest.raises(duneq.InvalidArgument, match="must name its parameters"):
        runs.to_dataset(out, partition_by="tens")
    with pytest.raises(duneq.InvalidArgument, match="existing must be one of"):
        runs.to_dataset(out, existing="delete_matching")
    with pytest.raises(duneq.InvalidArgument, match="need out="):
        dune.sweep(qid, [{"n": 1}], partition_by="n")
    assert count(dune_emulator, EXECUTE_QUERY) == 3
    dune.close()


def test_sweep_dataset_files_share_the_sweeps_parameter_types(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Each item's file types its parameter columns for the whole sweep (declared number,
    largest scale of every item), not from its own value alone: one schema for the dataset."""
    dune = make("sync", dune_emulator, poll=POLL)
    qid = dune.queries.create(
        "x",
        "select {{x}} * 2 as twice, '{{day}}' as day_text",
        parameters=[
            {"key": "x", "type": "number", "value": "1"},
            {"key": "day", "type": "text", "value": "2024-01-01"},
        ],
    )
    params = [{"x": "1.5", "day": "2024-01-01"}, {"x": "2.25", "day": "2024-01-02"}]
    out = tmp_path / "xs"
    runs = dune.sweep(qid, params, out=out, partition_by="day")
    assert runs.output is not None and runs.output.rows == 2 and len(files(out)) == 2
    for f in files(out):
        schema = ds.dataset(str(out / f), format="parquet").schema
        assert schema.field("x").type == pa.decimal128(38, 2), (f, schema)
    back = read_back(out, pa.schema([("day", pa.string())])).sort_by("day")
    assert [str(v) for v in back["x"].to_pylist()] == ["1.50", "2.25"]
    in_memory = dune.sweep(qid, params).to_arrow()
    same(back, in_memory, "day")
    dune.close()


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_out_folder_with_partition_by(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from dune_emulator.testing import EmulatorTime
    from duneq.cli import main
    from helpers.cli_seam import give_cli_clients

    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    monkeypatch.setenv("DUNEQ_CACHE_DIR", str(tmp_path / "cache"))
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())
    out = tmp_path / "lake"
    code = main(["sql", SQL, "--page-size", "6", "--out", f"{out}/", "--partition-by", "g"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"wrote 25 rows to {out}/" in err
    assert sorted(files(out)) == [f"g={g}/part-0.parquet" for g in range(3)]
    assert sorted(read_back(out, None)["n"].to_pylist()) == list(range(25))
    assert main(["sql", SQL, "--out", f"{out}/", "--partition-by", "g"]) != 0
    assert "already holds files" in capsys.readouterr().err
    code = main(
        [
            "sql",
            "select 1 as n, 0 as g",
            "--out",
            str(out),
            "--partition-by",
            "g",
            "--existing",
            "delete_matching",
        ]
    )
    assert code == 0 and files(out / "g=0") == ["part-0.parquet"]
    assert main(["sql", SQL, "-o", "csv", "--partition-by", "g", "--out", "x.csv"]) == 2
    assert "writes a dataset: drop -o csv" in capsys.readouterr().err

    with duneq.Client() as dune:
        qid = day_query(dune)
    days = tmp_path / "days"
    argv = ["sweep", str(qid), "--param", "day=2024-01-01..2024-01-04"]
    assert main([*argv, "--out", f"{days}/", "--partition-by", "day"]) == 0
    err = capsys.readouterr().err
    assert "wrote 4 rows" in err and len(files(days)) == 4
    back = read_back(days, pa.schema([("day", pa.string())])).sort_by("day")
    assert back["day"].to_pylist() == DAYS[:4]
    assert main([*argv, "--out", f"{days}/", "--partition-by", "day"]) == 0
    assert "wrote 0 rows" in capsys.readouterr().err  # every item was there already
