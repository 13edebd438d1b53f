"""Warnings reported at the caller's line: the first stack frame outside the duneq package."""

from __future__ import annotations

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn_at_caller(warning: Warning) -> None:
    """Emit ``warning`` with the stack level of the first frame that is not duneq's own."""
    level = 2  # stacklevel 2 is the frame that called this function, frame(1)
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(warning, stacklevel=level)
