"""A cache that cannot be written or read never breaks a result: a full disk (a tiny tmpfs), a
read-only mount and an entry path that is a directory each give one CacheWarning, the whole
result, and no temp file left. Temp files of writers killed with SIGKILL are cleaned, never
counted, and a live writer's is never taken for a corrupt entry. Real HTTP to the emulator,
real mounts (as root) and real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import duneq
import orjson
import pytest
from dune_emulator import EmulatorHandle
from duneq import Cache
from duneq._cache.framing import ORPHAN_AGE_SECONDS
from duneq._options import ResultOptions

ROWS = 20_000
#: about 600 KB of JSON and 300 KB of Arrow: neither fits the 64 KiB tmpfs
BIG_SQL = (
    "select x, concat('label-', cast(x as varchar)) as label "
    f"from unnest(sequence(1, {ROWS})) as t(x) order by x"
)


def _mount(target: Path, options: str) -> None:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: writes past it fail with ENOSPC, as on a full disk."""
    target = tmp_path / "tiny"
    target.mkdir()
    _mount(target, "size=64k")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def remountable(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs that a test can remount read-only (``mount -o remount,ro``)."""
    target = tmp_path / "ro"
    target.mkdir()
    _mount(target, "size=8m")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def _client(emu: EmulatorHandle, cache: Path) -> duneq.Client:
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, cache=cache)


def _cache_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, duneq.CacheWarning)]


def _temps(root: Path) -> list[str]:
    folder = root / "entries"
    return (
        sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))
        if folder.is_dir()
        else []
    )


def test_full_disk_gives_one_warning_and_the_whole_result(
    dune_emulator: EmulatorHandle, tiny_disk: Path
) -> None:
    with _client(dune_emulator, tiny_disk) as dune:
        result = dune.run_sql(BIG_SQL)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            table = result.to_arrow()
        assert table.num_rows == ROWS and table["x"].to_pylist()[-1] == ROWS
        (message,) = _cache_warnings(record)
        assert "No space left on device" in message and "served anyway" in message
        assert _temps(tiny_disk) == []  # the 64 KiB written before ENOSPC are gone
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            again = dune.get_result(result.execution_id)
            rows = again.rows
        assert len(rows) == ROWS and rows[0] == {"x": 1, "label": "label-1"}
        assert len(_cache_warnings(record)) == 1 and _temps(tiny_disk) == []
        assert Cache(tiny_disk).size() == 0


def test_read_only_cache_serves_its_entries_and_warns_once_for_new_ones(
    dune_emulator: EmulatorHandle, remountable: Path
) -> None:
    with _client(dune_emulator, remountable) as dune:
        kept = dune.run_sql("select 1 as one")
        assert kept.rows == [{"one": 1}]
        big = dune.run_sql(BIG_SQL)
        subprocess.run(["mount", "-o", "remount,ro", str(remountable)], check=True)
        with pytest.raises(OSError):  # the mount really is read-only, also for root
            (remountable / "probe").write_bytes(b"x")
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            hit = dune.get_result(kept.execution_id)
            assert hit.source == "cache" and hit.rows == [{"one": 1}]
            assert _cache_warnings(record) == []  # reading a read-only cache is fine
            assert len(big.rows) == ROWS
            assert big.to_arrow().num_rows == ROWS
        messages = _cache_warnings(record)
        assert len(messages) == 2 and all("Read-only file system" in m for m in messages)
    with _client(dune_emulator, remountable / "missing") as dune:  # not even the folder exists
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert dune.run_sql("select 2 as two").rows == [{"two": 2}]
        assert len(_cache_warnings(record)) == 1


def test_entry_path_that_is_a_directory(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    with _client(dune_emulator, tmp_path) as dune:
        result = dune.run_sql("select 7 as seven")
        assert result.rows == [{"seven": 7}]
        (entry,) = (tmp_path / "entries").glob("*.dqe")
        entry.unlink()
        entry.mkdir()
        (entry / "inside").write_text("not an entry")
    with _client(dune_emulator, tmp_path) as dune:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            again = dune.get_result(result.execution_id)
            assert again.source == "new" and again.rows == [{"seven": 7}]
        (message,) = _cache_warnings(record)
        assert entry.name in message
        assert entry.is_dir() and (entry / "inside").exists()  # never deleted as corrupt
        assert _temps(tmp_path) == []
        # the result went to an entry of its own name (read by execution id), beside the folder
        assert [info.path.name for info in Cache(tmp_path).ls()] != [entry.name]
        assert len(Cache(tmp_path).ls()) == 1


# -- temp files of other writers ----------------------------------------------------------------

EXECUTION_ID = "01HXXXXXXXXXXXXXXXXXXXXXXX"
_STATUS: dict[str, object] = {
    "execution_id": EXECUTION_ID,
    "state": "QUERY_STATE_COMPLETED",
    "query_id": 42,
    "execution_ended_at": "2030-01-01T00:00:00Z",
    "expires_at": "2999-01-01T00:00:00Z",
}

# A writer that adds one page, says so, then waits for a line on stdin before committing.
_WRITER = """
import sys
import orjson
from duneq._cache.store import Cache, status_from_dict
from duneq._options import ResultOptions
cache = Cache(sys.argv[1])
status = status_from_dict(orjson.loads(sys.argv[2]))
options = ResultOptions.build()
writer = cache.writer(status.execution_id, options, "r" * 16)
writer.add([{"i": i} for i in range(5000)], 5000)
print("written", flush=True)
sys.stdin.readline()
footer = cache.footer(
    status, options, is_partial=False, run="r" * 16, column_names=["i"], column_types=[]
)
writer.commit(footer)
print("committed", flush=True)
"""


def _writer(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(root), orjson.dumps(_STATUS).decode()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "written"
    return proc


def test_killed_writer_temp_is_not_counted_and_is_cleaned(tmp_path: Path) -> None:
    proc = _writer(tmp_path)
    (temp,) = _temps(tmp_path)
    assert str(proc.pid) in temp
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cache = Cache(tmp_path)
    assert (tmp_path / "entries" / temp).stat().st_size > 10_000
    assert cache.size() == 0 and cache.ls() == []  # the orphan is not an entry
    assert cache.clean_orphans() == 1 and _temps(tmp_path) == []


def test_orphans_go_at_the_next_commit_and_by_age(tmp_path: Path) -> None:
    entries = tmp_path / "entries"
    entries.mkdir()
    old = entries / ".tmp-nopid.dqe"  # no pid in its name: only its age tells
    young = entries / ".tmp-nopid2.dqe"
    for path in (old, young):
        path.write_bytes(b"x" * 100)
    stale = time.time() - ORPHAN_AGE_SECONDS - 60
    os.utime(old, (stale, stale))
    cache = Cache(tmp_path)
    writer = cache.writer(EXECUTION_ID, ResultOptions.build(), None)
    writer.add([{"i": 1}], 1)
    from duneq._cache.store import status_from_dict

    status = status_from_dict(_STATUS)
    options = ResultOptions.build()
    writer.commit(
        cache.footer(
            status, options, is_partial=False, run=None, column_names=["i"], column_types=[]
        )
    )
    assert _temps(tmp_path) == [young.name]
    assert cache.get(status.execution_id, options) is not None


def test_a_live_writer_is_never_corrupt_nor_an_orphan(tmp_path: Path) -> None:
    proc = _writer(tmp_path)
    try:
        (temp,) = _temps(tmp_path)
        path = tmp_path / "entries" / temp
        stale = time.time() - ORPHAN_AGE_SECONDS - 60
        os.utime(path, (stale, stale))  # old, but its writer holds the lock
        cache = Cache(tmp_path)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert cache.forget_runs(42) == 0  # what queries.update runs
            assert cache.clean_orphans() == 0
            assert cache.clear() == 0
        assert record == [] and path.exists() and cache.size() == 0
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "committed"
        assert proc.wait() == 0
        hit = cache.get(EXECUTION_ID, ResultOptions.build())
        assert hit is not None and len(hit.rows) == 5000  # the writer's entry was not lost
        assert cache.forget_runs(42) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
