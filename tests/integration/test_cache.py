"""The local result cache through the emulator: hit, miss, expiry, max_age, offline, corrupt
entries, concurrent writers in two processes, and LRU eviction."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duneq
import orjson
import pytest
from dune_emulator import EmulatorHandle
from duneq._cache.store import Cache, status_from_dict
from duneq._options import ResultOptions
from helpers.clients import FAST_POLL, MODES, aw, collect, count, make, run

RESULTS = "GET /api/v1/execution/{execution_id}/results"
EXECUTE_QUERY = "POST /api/v1/query/{query_id}/execute"


def entries(root: Path) -> list[Path]:
    return sorted((root / "entries").glob("*.dqe"))


@pytest.mark.parametrize("mode", MODES)
def test_hit_and_miss(mode: str, dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path, poll=FAST_POLL)
        first = await aw(dune.run_query(2, params={"n": 40}, page_size=15))
        assert first.source == "new" and not first.reused
        assert [r["number"] for r in await collect(first.iter_rows())] == list(range(40))
        assert len(entries(tmp_path)) == 1  # a complete pass became one entry
        miss = await aw(dune.get_result(first.execution_id, limit=5))  # other options: a miss
        assert miss.source == "new"
        before = count(dune_emulator, RESULTS)
        hit = await aw(dune.get_result(first.execution_id, page_size=15))
        assert hit.source == "cache" and hit.reused
        assert [r["number"] for r in await collect(hit.iter_rows())] == list(range(40))
        assert len(await aw(hit.rows)) == 40
        assert hit.column_names == ["number"] and hit.metadata.total_row_count == 40
        assert count(dune_emulator, RESULTS) == before  # no request for a hit
        await aw(dune.close())

    run(scenario)


def test_rows_materialized_are_cached(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    dune = make("sync", dune_emulator, cache=tmp_path, poll=FAST_POLL)
    result = dune.run_sql("select range as n from range(25)", page_size=10)
    assert len(result.rows) == 25  # pages after the first are copied raw into the entry
    hit = dune.get_result(result.execution_id, page_size=10)
    assert hit.source == "cache" and [r["n"] for r in hit.rows] == list(range(25))


@pytest.mark.parametrize("mode", MODES)
def test_max_age_decides(mode: str, dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = [datetime.now(UTC)]
        cache = duneq.Cache(tmp_path, now=lambda: clock[0])
        dune = make(mode, dune_emulator, cache=cache, poll=FAST_POLL)
        first = await aw(dune.run_query(2, params={"n": 3}))
        await aw(first.rows)
        runs = count(dune_emulator, EXECUTE_QUERY)
        again = await aw(dune.run_query(2, params={"n": 3}, max_age=timedelta(hours=1)))
        assert again.source == "cache" and again.execution_id == first.execution_id
        other = await aw(dune.run_query(2, params={"n": 4}, max_age=timedelta(hours=1)))
        assert other.source == "new"  # other parameters, another run
        latest = await aw(dune.latest_result(2, params={"n": 3}, max_age=timedelta(hours=1)))
        assert latest.source == "cache"
        assert count(dune_emulator, EXECUTE_QUERY) == runs + 1
        clock[0] += timedelta(hours=2)  # the cached run is now too old
        stale = await aw(dune.run_query(2, params={"n": 3}, max_age=timedelta(hours=1)))
        assert stale.source == "new" and stale.execution_id != first.execution_id
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_run_sql_max_age_reuses_a_cached_run(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path, poll=FAST_POLL)
        sql = "select 5 as five"
        first = await aw(dune.run_sql(sql))
        await aw(first.rows)
        again = await aw(dune.run_sql(sql, max_age=timedelta(hours=1)))
        assert again.source == "cache" and again.execution_id == first.execution_id
        assert count(dune_emulator, "POST /api/v1/sql/execute") == 1
        (info,) = duneq.Cache(tmp_path).ls()
        assert info.sql == sql and info.query_id in (0, None)  # `cache ls` can name it
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_editing_a_query_retires_its_cached_runs(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path, poll=FAST_POLL)
        qid = await aw(dune.queries.create("edited", "select 1 as v"))
        first = await aw(dune.run_query(qid))
        assert await aw(first.rows) == [{"v": 1}]
        hour = timedelta(hours=1)
        assert (await aw(dune.run_query(qid, max_age=hour))).source == "cache"
        await aw(dune.queries.update(qid, name="renamed"))  # same SQL: the run still answers
        assert (await aw(dune.run_query(qid, max_age=hour))).source == "cache"
        await aw(dune.queries.update(qid, query_sql="select 2 as v"))
        fresh = await aw(dune.run_query(qid, max_age=hour))
        assert fresh.source == "new" and await aw(fresh.rows) == [{"v": 2}]
        # the old execution's own result is still what it was
        old = await aw(dune.get_result(first.execution_id))
        assert await aw(old.rows) == [{"v": 1}]
        assert (await aw(dune.run_query(qid, max_age=hour))).execution_id == fresh.execution_id
        await aw(dune.close())

    run(scenario)


def test_expired_entry_is_dropped(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    clock = [datetime.now(UTC)]
    cache = duneq.Cache(tmp_path, now=lambda: clock[0])
    dune = make("sync", dune_emulator, cache=cache, poll=FAST_POLL)
    result = dune.run_query(2, params={"n": 3})
    assert len(result.rows) == 3
    expires = result.metadata.expires_at
    assert expires is not None
    clock[0] = expires + timedelta(seconds=1)
    again = dune.get_result(result.execution_id)
    assert again.source == "new"
    assert entries(tmp_path) == []  # the expired entry was deleted (and not yet rewritten)


@pytest.mark.parametrize("mode", MODES)
def test_offline(mode: str, dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    async def scenario() -> None:
        online = make(mode, dune_emulator, cache=tmp_path, poll=FAST_POLL)
        result = await aw(online.run_query(2, params={"n": 6}))
        await aw(result.rows)
        await aw(online.close())
        before = dune_emulator.control.counters()["requests"]
        offline = make(mode, dune_emulator, cache=tmp_path, offline=True)
        hit = await aw(offline.get_result(result.execution_id))
        assert hit.source == "cache" and len(await aw(hit.rows)) == 6
        ran = await aw(offline.run_query(2, params={"n": 6}))
        assert ran.source == "cache" and ran.execution_id == result.execution_id
        with pytest.raises(duneq.CacheMiss, match="no run of query 2"):
            await aw(offline.run_query(2, params={"n": 7}))
        with pytest.raises(duneq.CacheMiss, match="offline"):
            await aw(offline.get_result("01HZZZZZZZZZZZZZZZZZZZZZZZ"))
        with pytest.raises(duneq.CacheMiss, match="needs the server"):
            await aw(offline.get_status(result.execution_id))
        assert dune_emulator.control.counters()["requests"] == before  # nothing was sent
        await aw(offline.close())

    run(scenario)


def test_corrupt_entry_is_discarded_and_fetched_again(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    dune = make("sync", dune_emulator, cache=tmp_path, poll=FAST_POLL)
    result = dune.run_query(2, params={"n": 30})
    assert len(result.rows) == 30
    (path,) = entries(tmp_path)
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF  # one flipped payload byte
    path.write_bytes(bytes(data))
    with pytest.warns(duneq.CacheCorruptWarning, match="checksum"):
        again = dune.get_result(result.execution_id)
    assert again.source == "new"
    assert [r["number"] for r in again.rows] == list(range(30))
    assert dune.get_result(result.execution_id).source == "cache"  # rewritten whole
    (path,) = entries(tmp_path)
    path.write_bytes(b"DUNEQC1\nnot an entry")
    with pytest.warns(duneq.CacheCorruptWarning):
        assert dune.get_result(result.execution_id).source == "new"


# -- two processes writing the same entry ------------------------------------------------------

_STATUS = {
    "execution_id": "01HX0000000000000000000000",
    "state": "QUERY_STATE_COMPLETED",
    "execution_ended_at": "2030-01-01T00:00:00+00:00",
    "expires_at": "2999-01-01T00:00:00+00:00",
}


# Each writer is a fresh interpreter that imports only the cache, so both start in a fraction of
# a second and their rounds overlap (a spawned multiprocessing child re-imports this module, and
# with it pytest and the emulator, for seconds).
_WRITER = """
import sys
import orjson
from duneq._cache.store import Cache, status_from_dict
from duneq._options import ResultOptions

root, tag, rounds, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cache = Cache(root)
options = ResultOptions.build()
status = status_from_dict(orjson.loads(status))
for _ in range(rounds):
    writer = cache.writer(status.execution_id, options, None)
    for page in range(20):
        writer.add([{"tag": tag, "i": page * 100 + i} for i in range(100)], 100)
    footer = cache.footer(
        status, options, is_partial=False, run=None, column_names=["tag", "i"], column_types=[]
    )
    writer.commit(footer)
"""


def test_two_processes_never_show_a_torn_entry(tmp_path: Path) -> None:
    status = orjson.dumps(_STATUS).decode()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), str(tag), "15", status])
        for tag in (1, 2)
    ]
    cache = Cache(tmp_path)
    options = ResultOptions.build()
    seen: set[int] = set()
    # Until the first commit there is nothing to read; spinning then only starves the writers'
    # start-up of CPU. From the first entry on, read as fast as possible.
    while not entries(tmp_path) and any(p.poll() is None for p in procs):
        time.sleep(0.01)
    while any(p.poll() is None for p in procs):
        hit = cache.get(_STATUS["execution_id"], options)
        if hit is not None:
            tags = {row["tag"] for row in hit.rows}
            assert len(tags) == 1 and len(hit.rows) == 2000  # one writer's whole entry
            seen |= tags
    for proc in procs:
        assert proc.wait() == 0
    final = cache.get(_STATUS["execution_id"], options)
    assert final is not None and len(final.rows) == 2000
    assert [p.name for p in (tmp_path / "entries").iterdir() if p.name.startswith(".tmp")] == []


def test_eviction_is_least_recently_used(tmp_path: Path) -> None:
    options = ResultOptions.build()
    base: dict[str, Any] = dict(_STATUS)

    def put(cache: Cache, n: int) -> None:
        status = status_from_dict({**base, "execution_id": f"01HX{n:022d}"})
        writer = cache.writer(status.execution_id, options, None)
        writer.add([{"n": i} for i in range(200)], 200)
        writer.commit(
            cache.footer(
                status, options, is_partial=False, run=None, column_names=["n"], column_types=[]
            )
        )

    probe = Cache(tmp_path / "probe")
    put(probe, 0)
    size = probe.size()
    cache = Cache(tmp_path / "c", max_bytes=size * 3)
    for n in range(3):
        put(cache, n)
        os.utime(entries(cache.path)[-1], (1000 + n, 1000 + n))  # distinct use times
    assert cache.get(f"01HX{0:022d}", options) is not None  # entry 0 is now the freshest
    put(cache, 3)
    kept = {e.execution_id for e in cache.ls()}
    assert kept == {f"01HX{n:022d}" for n in (0, 2, 3)}  # entry 1 was least recently used
    assert cache.size() <= size * 3
    assert cache.clear() == 3 and cache.ls() == []
