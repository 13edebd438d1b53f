"""Type aliases shared by the emulator modules."""

from __future__ import annotations

from starlette.types import ASGIApp

__all__ = ["ASGIApp"]
