"""dune_emulator: a local Dune-API-v1-compatible server that runs SQL on DuckDB."""

from __future__ import annotations

import importlib.util

#: import name → distribution of the `emulator` extra, checked before anything imports them.
_EXTRA = {
    "duckdb": "duckdb",
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "sqlglot": "sqlglot",
    "ulid": "python-ulid",
}


def _missing_extra() -> list[str]:
    """The import names of the extra that cannot be found (find_spec imports nothing)."""
    missing = []
    for module in _EXTRA:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules
            found = False
        if not found:
            missing.append(module)
    return missing


if _missing := _missing_extra():
    raise ModuleNotFoundError(
        f"dune_emulator needs the emulator extra (missing: "
        f"{', '.join(_EXTRA[m] for m in _missing)}): pip install 'duneq[emulator]' "
        "(or 'duneq[all]' for everything the README shows)",
        name=_missing[0],
    )

from .cli import main  # noqa: E402
from .config import DEFAULT_DEV_KEY, EmulatorConfig, RuntimeSettings  # noqa: E402
from .control_client import EmulatorControl, EmulatorControlError  # noqa: E402
from .server import EmulatorHandle, EmulatorServer, run_emulator  # noqa: E402

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
