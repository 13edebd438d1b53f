"""The framing every cache entry shares (magic, suffix, length field, the temp file it is
written in and how it is sealed), in its own module so that the JSON store (``_cache``) and the
Arrow entries (``_cache_arrow``) both build on it."""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import orjson

MAGIC = b"DUNEQC1\n"
LEN = struct.Struct(">Q")
SUFFIX = ".dqe"
ARROW_CODEC = "arrow-ipc"  # Arrow IPC entries (``_cache_arrow``): one IPC file as the payload


def open_entry(entries: Path) -> tuple[Path, IO[bytes]]:
    """A temp file beside the entries, opened for writing, with the leading ``MAGIC``."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=entries)
    handle = os.fdopen(fd, "wb")
    handle.write(MAGIC)
    return Path(tmp), handle


def seal_entry(handle: IO[bytes], tmp: Path, final: Path, footer: Mapping[str, Any]) -> None:
    """Write the footer, its length and ``MAGIC``, close, and rename the temp file into place
    (readers see the old entry or the new one, never a torn one)."""
    data = orjson.dumps(dict(footer))
    handle.write(data + LEN.pack(len(data)) + MAGIC)
    handle.close()
    os.replace(tmp, final)
