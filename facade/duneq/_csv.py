"""Where CSV bytes go: a path (opened in binary mode) or any binary or text writable."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable
from typing import IO, Any

from ._errors import InvalidArgument

CsvDest = str | os.PathLike[str] | IO[bytes] | IO[str]


class CsvSink:
    """Writes CSV pages, keeping exactly one header row (later pages lose theirs)."""

    def __init__(self, dest: CsvDest) -> None:
        self._close: Callable[[], None] | None = None
        self.written = 0
        # Chunks may split a multi-byte character; decode incrementally for text writables.
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        if isinstance(dest, str | os.PathLike):
            handle: Any = open(os.fspath(dest), "wb")  # noqa: SIM115 - closed in close()
            self._close = handle.close
            self._write = handle.write
            self._text = False
        elif hasattr(dest, "write"):
            self._write = dest.write
            self._text = isinstance(dest, io.TextIOBase)
        else:
            raise InvalidArgument(
                f"CSV destination must be a path or a writable file object, got {type(dest).__name__}"
            )

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._text:
            self._write(self._decode(chunk))
        else:
            self._write(chunk)
        self.written += len(chunk)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None
