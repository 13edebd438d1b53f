"""Lazy imports of the optional data stacks, with an error naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from ._errors import DuneError

_EXTRAS = {"pyarrow": "arrow", "polars": "polars", "pandas": "pandas"}


class MissingDependency(DuneError, ImportError):
    """An optional package (pyarrow, polars, pandas) is needed but not installed."""


def require(module: str) -> ModuleType:
    """Import ``module`` (``pyarrow``, ``polars``, ``pandas`` or a submodule of one) or raise
    ``MissingDependency`` saying which ``pip install duneq[...]`` provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = _EXTRAS.get(top, top)
        raise MissingDependency(
            f"{top} is needed for this; install it with: pip install 'duneq[{extra}]' ({exc})"
        ) from exc
