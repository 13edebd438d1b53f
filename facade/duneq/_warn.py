"""Warnings reported at the caller's line: the first stack frame outside the duneq package (and
outside httpx and the generated client, which a ``dune.lowlevel`` call passes through)."""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_PASSED_THROUGH = ("httpx", "httpcore", "dune_api")


def _ours(frame: FrameType) -> bool:
    if os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        return True
    module = frame.f_globals.get("__name__")
    return isinstance(module, str) and module.split(".")[0] in _PASSED_THROUGH


def warn_at_caller(warning: Warning) -> None:
    """Emit ``warning`` with the stack level of the first frame that is not duneq's own."""
    level = 2  # stacklevel 2 is the frame that called this function, frame(1)
    frame = sys._getframe(1)
    while frame is not None and _ours(frame):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(warning, stacklevel=level)
