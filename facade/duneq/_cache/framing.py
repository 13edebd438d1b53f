"""The framing every cache entry shares (magic, suffix, length field, the temp file it is
written in and how it is sealed), in its own module so that the JSON store (``_cache.store``) and the
Arrow entries (``_cache.arrow``) both build on it. Also the temp files' ownership (a pid in the
name and a lock held while writing), so that orphans are cleaned and live ones left alone."""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
import time
from collections.abc import Iterator, Mapping
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
