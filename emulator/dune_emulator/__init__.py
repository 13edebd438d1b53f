"""dune_emulator: a local Dune-API-v1-compatible server that runs SQL on DuckDB."""

from __future__ import annotations

from .cli import main
from .config import DEFAULT_DEV_KEY, EmulatorConfig, RuntimeSettings
from .control_client import EmulatorControl, EmulatorControlError
from .server import EmulatorHandle, EmulatorServer, run_emulator

__all__ = [
    "DEFAULT_DEV_KEY",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorControlError",
    "EmulatorHandle",
    "EmulatorServer",
    "RuntimeSettings",
    "main",
    "run_emulator",
]
