"""What a resource or handle needs from its client: the driver, the flow context and the
client's defaults (so handles never import the client classes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._cache.store import Cache
from ._errors import InvalidArgument
from ._flows.context import FlowContext
from ._flows.wait import ProgressCallback, WaitArgs
from ._options import (
    ResultKwargs,
    ResultOptions,
    validate_partial,
    validate_performance,
    validate_positive_int,
    validate_timeout,
)
from ._types import NotGiven, PartialPolicy, Performance

D = TypeVar("D")


@dataclass(frozen=True)
class Defaults:
    """The client-wide defaults, and how a call's arguments fall back to them."""

    wait_timeout: float | None
    cancel_on_timeout: bool
    partial: PartialPolicy
    page_size: int
    performance: Performance | None

    @classmethod
    def build(
        cls,
        *,
        wait_timeout: object,
        cancel_on_timeout: object,
        partial: object,
        page_size: object,
        performance: object,
    ) -> Defaults:
        if not isinstance(cancel_on_timeout, bool):
            raise InvalidArgument("cancel_on_timeout must be True or False")
        return cls(
            wait_timeout=validate_timeout("wait_timeout", wait_timeout),
            cancel_on_timeout=cancel_on_timeout,
            partial=validate_partial(partial),
            page_size=validate_positive_int("page_size", page_size),
            performance=validate_performance(performance),
        )

    def options(self, kwargs: Mapping[str, Any]) -> ResultOptions:
        """Validated result options, the client's page size and partial policy filled in."""
        unknown = set(kwargs) - set(ResultKwargs.__annotations__)
        if unknown:
            raise InvalidArgument(f"unknown result option(s): {', '.join(sorted(unknown))}")
        merged = {"page_size": self.page_size, "partial": self.partial, **kwargs}
        return ResultOptions.build(**merged)

    def wait_args(
        self,
        timeout: float | None | NotGiven,
        cancel_on_timeout: bool | NotGiven,
        on_progress: ProgressCallback | None = None,
        first_delay: float = 0.0,
    ) -> WaitArgs:
        """The deadline and cancel rule of one wait, validated."""
        deadline = (
            self.wait_timeout
            if isinstance(timeout, NotGiven)
            else validate_timeout("timeout", timeout)
        )
        if isinstance(cancel_on_timeout, NotGiven):
            cancel = self.cancel_on_timeout
        elif isinstance(cancel_on_timeout, bool):
            cancel = cancel_on_timeout
        else:
            raise InvalidArgument("cancel_on_timeout must be True or False")
        if on_progress is not None and not callable(on_progress):
            raise InvalidArgument("on_progress must be a callable or None")
        return WaitArgs(deadline, on_progress, cancel, first_delay)

    def perf(self, performance: Performance | None | NotGiven) -> Performance | None:
        if isinstance(performance, NotGiven):
            return self.performance
        return validate_performance(performance)


@dataclass(frozen=True)
class Bound(Generic[D]):
    """A driver (sync or async) with the flow context and defaults it runs under."""

    driver: D
    ctx: FlowContext
    defaults: Defaults
    cache: Cache | None = None
