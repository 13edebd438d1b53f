"""Emulator configuration: the start-up config and the runtime settings tests may change."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DEV_KEY = "dune-emulator-dev-key"
NINETY_DAYS = 90 * 24 * 3600.0


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything needed to start an emulator; immutable once started."""

    api_keys: tuple[str, ...] = (DEFAULT_DEV_KEY,)
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | str | None = None
    datapoint_cap: int = 250_000
    result_row_cap: int | None = None
    max_concurrent_executions: int = 3
    rate_limit_low_rpm: int | None = None
    rate_limit_high_rpm: int | None = None
    result_ttl_seconds: float = NINETY_DAYS
    default_pending_seconds: float = 0.0
    default_executing_seconds: float = 0.05
    worker_threads: int = 8

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
        RuntimeSettings.from_config(self)  # validates the runtime part


@dataclass
class RuntimeSettings:
    """Settings the control API may change while the emulator runs."""

    datapoint_cap: int = 250_000
    result_row_cap: int | None = None
    max_concurrent_executions: int = 3
    rate_limit_low_rpm: int | None = None
    rate_limit_high_rpm: int | None = None
    result_ttl_seconds: float = NINETY_DAYS
    default_pending_seconds: float = 0.0
    default_executing_seconds: float = 0.05
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> RuntimeSettings:
        settings = cls()
        settings.update(
            {name: getattr(config, name) for name in RUNTIME_FIELDS if hasattr(config, name)}
        )
        return settings

    def update(self, values: dict[str, Any]) -> None:
        """Validate and apply `values`; raises ValueError naming the bad setting."""
        for name, value in values.items():
            if name not in RUNTIME_FIELDS:
                known = ", ".join(sorted(RUNTIME_FIELDS))
                raise ValueError(f"unknown setting {name!r}; known settings: {known}")
            _check_setting(name, value)
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"
        }


_POSITIVE_INT = {"datapoint_cap", "max_concurrent_executions"}
_OPTIONAL_POSITIVE_INT = {"result_row_cap", "rate_limit_low_rpm", "rate_limit_high_rpm"}
_NON_NEGATIVE_FLOAT = {"default_pending_seconds", "default_executing_seconds"}
RUNTIME_FIELDS = (
    _POSITIVE_INT | _OPTIONAL_POSITIVE_INT | _NON_NEGATIVE_FLOAT | {"result_ttl_seconds"}
)


def _check_setting(name: str, value: Any) -> None:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    is_num = isinstance(value, int | float) and not isinstance(value, bool)
    if name in _POSITIVE_INT and not (is_int and value >= 1):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if name in _OPTIONAL_POSITIVE_INT and value is not None and not (is_int and value >= 1):
        raise ValueError(f"{name} must be a positive integer or null, got {value!r}")
    if name in _NON_NEGATIVE_FLOAT and not (is_num and value >= 0):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if name == "result_ttl_seconds" and not (is_num and value > 0):
        raise ValueError(f"result_ttl_seconds must be a number > 0, got {value!r}")
