"""Emulator configuration: the start-up config and the runtime settings tests may change."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DEV_KEY = "dune-emulator-dev-key"
DEFAULT_OWNER_HANDLE = "emulator"
NINETY_DAYS = 90 * 24 * 3600.0
_HANDLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive_int(name: str, value: Any) -> None:
    if not (_is_int(value) and value >= 1):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _optional_positive_int(name: str, value: Any) -> None:
    if value is not None and not (_is_int(value) and value >= 1):
        raise ValueError(f"{name} must be a positive integer or null, got {value!r}")


def _plan(name: str, value: Any) -> None:
    from .ratelimit import PLANS

    if value not in PLANS:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, PLANS))}, got {value!r}")


def _routes(name: str, value: Any) -> None:
    if not (isinstance(value, list) and all(isinstance(v, str) and " /" in v for v in value)):
        raise ValueError(f'{name} must be a list of routes like "GET /api/v1/...", got {value!r}')


def _non_negative(name: str, value: Any) -> None:
    if not (_is_number(value) and value >= 0):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")


def _positive(name: str, value: Any) -> None:
    if not (_is_number(value) and value > 0):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def _setting(default: Any, check: Callable[[str, Any], None]) -> Any:
    """A runtime setting: its default and the check `configure` applies to new values."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"check": check})
    return field(default=default, metadata={"check": check})


@dataclass
class RuntimeSettings:
    """Settings the control API may change while the emulator runs; each field's metadata
    holds its validator, so names, defaults and checks live in this one place."""

    datapoint_cap: int = _setting(250_000, _positive_int)
    result_row_cap: int | None = _setting(None, _optional_positive_int)
    max_concurrent_executions: int = _setting(3, _positive_int)
    #: Dune's per-plan request quotas (free, plus, premium); the two settings below override.
    rate_limit_plan: str = _setting("unlimited", _plan)
    rate_limit_low_rpm: int | None = _setting(None, _optional_positive_int)
    #: Routes ("GET /api/v1/query/{query_id}/results") answered with Dune's deprecation headers.
    deprecated_routes: list[str] = _setting([], _routes)  # noqa: RUF009 (a fresh list each)
    rate_limit_high_rpm: int | None = _setting(None, _optional_positive_int)
    result_ttl_seconds: float = _setting(NINETY_DAYS, _positive)
    default_pending_seconds: float = _setting(0.0, _non_negative)
    default_executing_seconds: float = _setting(0.05, _non_negative)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            f.metadata["check"](f.name, getattr(self, f.name))

    def update(self, values: dict[str, Any]) -> None:
        """Validate and apply `values` (all or nothing); raises ValueError naming the bad one."""
        checks = {f.name: f.metadata["check"] for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name not in checks:
                known = ", ".join(sorted(checks))
                raise ValueError(f"unknown setting {name!r}; known settings: {known}")
            checks[name](name, value)
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def copy(self) -> RuntimeSettings:
        return dataclasses.replace(self, deprecated_routes=list(self.deprecated_routes))


RUNTIME_FIELDS = frozenset(f.name for f in dataclasses.fields(RuntimeSettings))


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything needed to start an emulator; immutable once started (the server works on a
    copy of `settings`, which the control API may change)."""

    api_keys: tuple[str, ...] = (DEFAULT_DEV_KEY,)
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | str | None = None
    settings: RuntimeSettings = field(default_factory=RuntimeSettings)
    worker_threads: int = 8
    #: The key's user: owner of saved queries, uploads and materialized views, and the
    #: namespace of CSV uploads and views (`dune.<handle>.…`).
    owner_handle: str = DEFAULT_OWNER_HANDLE
    #: A YAML/JSON file of queries, executions, uploads and views seeded at start and on reset.
    fixtures: Path | str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.api_keys, str):
            raise ValueError("api_keys must be a sequence of keys, not a single string")
        if not self.api_keys or not all(isinstance(k, str) and k for k in self.api_keys):
            raise ValueError("api_keys must contain at least one non-empty key")
        object.__setattr__(self, "api_keys", tuple(self.api_keys))
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        if self.worker_threads < 1:
            raise ValueError("worker_threads must be at least 1")
        if not isinstance(self.owner_handle, str) or not _HANDLE_RE.match(self.owner_handle):
            raise ValueError(
                f"owner_handle must be lower-case letters, digits and underscores, "
                f"not starting with a digit; got {self.owner_handle!r}"
            )
