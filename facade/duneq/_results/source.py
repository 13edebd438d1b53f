"""What the typed reads need from a result handle, as a protocol: the typed module reads a
handle's state without importing the handle (which imports it), so the two form no circle."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .._cache.store import Cache, CachedResult
    from .._flows.context import Flow, FlowContext
    from .._flows.pages import Page
    from .._flows.reader import ReadPlan
    from .._options import ResultOptions
    from .._states import ExecutionState
    from .._types import Row
    from .._wire.models import ExecutionStatus, PageMetadata, ResultMetadata
    from .rows import RowSequence


class Read(Protocol):
    """One bounded read: its context (every request within the read's deadline) and the
    block that turns running out of time into ExecutionTimeout."""

    ctx: FlowContext

    def bounded(self) -> AbstractContextManager[None]: ...


class TypedSource(Protocol):
    """A result handle as typed reads see it (``Result`` and ``AsyncResult`` are ones)."""

    _after_first: int | None
    _arrow_store: Cache | None
    _ctx: FlowContext
    _first_offset: int
    _first_rows: list[Row] | None
    _hit: CachedResult | None
    _is_partial: bool
    _options: ResultOptions
    _page_meta: dict[int, PageMetadata]
    _rows: RowSequence | None
    _run: str | None
    _status: ExecutionStatus

    @property
    def execution_id(self) -> str: ...

    @property
    def status(self) -> ExecutionStatus: ...

    @property
    def metadata(self) -> ResultMetadata: ...

    @property
    def cost_credits(self) -> float | None: ...

    @property
    def state(self) -> ExecutionState | str: ...

    @property
    def is_partial(self) -> bool: ...

    def _cache_failed(self, exc: OSError) -> None: ...

    def _fetch(
        self, ctx: FlowContext, offset: int, *, decode: bool = True, count: bool = False
    ) -> Flow[Page]: ...

    def _plan_flow(self, ctx: FlowContext) -> Flow[ReadPlan | None]: ...

    def _reading(self, what: str) -> Read: ...


__all__ = ["Read", "TypedSource"]
