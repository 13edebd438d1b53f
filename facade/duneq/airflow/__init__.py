"""Airflow 3 provider (``pip install 'duneq[airflow]'``): ``DuneHook`` on a ``dune`` connection,
the deferrable ``DuneRunQueryOperator`` / ``DuneRunSQLOperator`` (a trigger waits with
``AsyncClient``, so no worker slot is held while Dune runs), and ``DuneExecutionSensor``.

Names are imported on first use, so that Airflow can read ``get_provider_info`` cheaply."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "DuneHook": ".hooks",
    "DuneRunQueryOperator": ".operators",
    "DuneRunSQLOperator": ".operators",
    "DuneExecutionSensor": ".sensors",
    "DuneExecutionTrigger": ".triggers",
}


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads (the ``dune`` connection type)."""
    from .._version import __version__

    return {
        "package-name": "duneq",
        "name": "Dune (duneq)",
        "description": "Run Dune Analytics queries and land their results in a lake.",
        "versions": [__version__],
        "connection-types": [
            {"hook-class-name": "duneq.airflow.hooks.DuneHook", "connection-type": "dune"}
        ],
    }


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DuneExecutionSensor",
    "DuneExecutionTrigger",
    "DuneHook",
    "DuneRunQueryOperator",
    "DuneRunSQLOperator",
    "get_provider_info",
]
