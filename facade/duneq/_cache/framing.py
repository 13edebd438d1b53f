"""The framing every cache entry shares (magic, suffix, length field, the temp file it is
written in and how it is sealed), in its own module so that the JSON store (``_cache.store``) and the
Arrow entries (``_cache.arrow``) both build on it. Also the temp files' ownership (a pid in the
name and a lock held while writing), so that orphans are cleaned and live ones left alone, and
the payload check: a CRC-32 per block, so that a hit checks its blocks on every core."""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import orjson

from .._errors import CacheWarning
from .._warn import warn_at_caller

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: ownership by pid and age only
    fcntl = None  # type: ignore[assignment]

MAGIC = b"DUNEQC1\n"
LEN = struct.Struct(">Q")
SUFFIX = ".dqe"
ARROW_CODEC = "arrow-ipc"  # Arrow IPC entries (``_cache.arrow``): one IPC file as the payload
TEMP_PREFIX = ".tmp-"
#: A temp file nobody holds the lock of is an orphan once its writer's pid is gone, or (the pid
#: may be reused, or belong to another host sharing the folder) once it is this old.
ORPHAN_AGE_SECONDS = 3600.0


#: Bytes of payload per CRC-32. A cache guards against torn and rotten files (an attacker who
#: can write the folder can write the checks too), and zlib checks a block without the GIL:
#: 1M rows x 9 columns (110 MB) check in 0.03 s on two cores, where SHA-256 took 0.1 s.
CHECK_BLOCK = 16 << 20


class BlockCheck:
    """The CRC-32 of each ``block``-byte block of what is written through it, in order."""

    def __init__(self, block: int = CHECK_BLOCK) -> None:
        self._block = block
        self._crcs: list[int] = []
        self._crc = 0
        self._filled = 0

    def update(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        while view.nbytes:
            take = min(self._block - self._filled, view.nbytes)
            self._crc = zlib.crc32(view[:take], self._crc)
            self._filled += take
            view = view[take:]
            if self._filled == self._block:
                self._crcs.append(self._crc)
                self._crc = self._filled = 0

    def footer(self) -> dict[str, Any]:
        """The check as the entry's footer records it."""
        crcs = [*self._crcs, self._crc] if self._filled else list(self._crcs)
        return {"check": {"crc32": crcs, "block": self._block}}


def payload_intact(payload: memoryview, footer: Mapping[str, Any]) -> bool:
    """Whether the payload matches its footer's check: the block CRCs (checked in threads),
    or the SHA-256 that entries written before block checks carry."""
    check = footer.get("check")
    if check is None:
        digest = footer.get("sha256")
        return isinstance(digest, str) and hashlib.sha256(payload).hexdigest() == digest
    crcs = check.get("crc32") if isinstance(check, dict) else None
    block = check.get("block") if isinstance(check, dict) else None
    if not isinstance(crcs, list) or not isinstance(block, int) or block <= 0:
        return False
    blocks = [payload[start : start + block] for start in range(0, len(payload), block)]
    if len(blocks) != len(crcs):
        return False
    if len(blocks) < 2:
        return [zlib.crc32(part) for part in blocks] == crcs
    with ThreadPoolExecutor(min(len(blocks), os.cpu_count() or 1)) as pool:
        return list(pool.map(zlib.crc32, blocks)) == crcs


def is_temp(path: Path) -> bool:
    """Whether ``path`` is an entry still being written (never an entry, never counted)."""
    return path.name.startswith(TEMP_PREFIX)


def open_entry(entries: Path) -> tuple[Path, IO[bytes]]:
    """A temp file beside the entries, named with this process's pid and locked while it is
    written, opened for writing, with the leading ``MAGIC``."""
    entries.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=SUFFIX, dir=entries)
    if fcntl is not None:
        with contextlib.suppress(OSError):  # a folder without locks: pid and age decide
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle = os.fdopen(fd, "wb")
    try:
        handle.write(MAGIC)
    except BaseException:
        discard_temp(handle, Path(tmp))
        raise
    return Path(tmp), handle


def seal_entry(handle: IO[bytes], tmp: Path, final: Path, footer: Mapping[str, Any]) -> None:
    """Write the footer, its length and ``MAGIC``, close, and rename the temp file into place
    (readers see the old entry or the new one, never a torn one). On failure the temp file is
    gone and the error raised."""
    try:
        data = orjson.dumps(dict(footer))
        handle.write(data + LEN.pack(len(data)) + MAGIC)
        handle.close()
        os.replace(tmp, final)
    except BaseException:
        discard_temp(handle, tmp)
        raise


def discard_temp(handle: IO[bytes] | None, tmp: Path) -> None:
    """Close (a full disk may refuse the last flush) and delete a temp file; never raises."""
    if handle is not None:
        with contextlib.suppress(OSError, ValueError):
            handle.close()
        if not handle.closed:  # the flush failed: close the descriptor itself
            with contextlib.suppress(OSError, ValueError):
                os.close(handle.fileno())
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


def warn_failed(what: str, exc: BaseException) -> None:
    """The one warning of a cache that could not be read or written (the result is served)."""
    warn_at_caller(
        CacheWarning(f"the cache could not {what} ({type(exc).__name__}: {exc}); served anyway")
    )


def _pid_of(path: Path) -> int | None:
    head = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process (EPERM): alive
        return True
    return True


def _locked(path: Path) -> bool:
    """Whether a live writer holds this temp file's lock (False when it cannot be told)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def is_orphan(path: Path, now: float | None = None) -> bool:
    """A temp file no live writer owns: unlocked, and its pid gone or it is old."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    if _locked(path):
        return False
    pid = _pid_of(path)
    return (pid is not None and not _alive(pid)) or age > ORPHAN_AGE_SECONDS


def orphans(entries: Path) -> Iterator[Path]:
    """The orphaned temp files in ``entries`` (a folder that does not exist has none)."""
    try:
        names = list(entries.glob(f"{TEMP_PREFIX}*{SUFFIX}"))
    except OSError:
        return
    now = time.time()
    for path in names:
        if is_orphan(path, now):
            yield path


def clean_orphans(entries: Path) -> int:
    """Delete the orphaned temp files; returns how many went (a read-only folder: 0)."""
    removed = 0
    for path in orphans(entries):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
