"""The framing every cache entry shares (magic, suffix, length field), in its own module so
that the JSON store (``_cache``) and the Arrow entries (``_cache_arrow``) both build on it."""

from __future__ import annotations

import struct

MAGIC = b"DUNEQC1\n"
LEN = struct.Struct(">Q")
SUFFIX = ".dqe"
ARROW_CODEC = "arrow-ipc"  # Arrow IPC entries (``_cache_arrow``): one IPC file as the payload
