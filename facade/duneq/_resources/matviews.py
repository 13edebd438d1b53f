"""Materialized views (``dune.matviews``): upsert, get, list (every page), delete, refresh.

Upsert and refresh start billed executions: they are never retried after the request was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Generic, TypeVar

from .._bound import Bound
from .._errors import APITimeout, InvalidArgument, ResponseValidationError
from .._flows.context import Flow, FlowContext
from .._flows.send import DeadlineReached, call
from .._flows.wait import execute
from .._options import (
    validate_execution_id,
    validate_query_id,
    validate_timeout,
)
from .._protocol import Request
from .._results.execution import AsyncExecution, Execution
from .._states import ExecutionState
from .._transport.drivers import AsyncDriver, SyncDriver
from .._types import NOT_GIVEN, NotGiven, Performance
from .._wire import adapter as wire
from .._wire.models import ExecutionStatus
from .._wire.models import MaterializedView as MaterializedView  # re-exported
from .listing import AsyncListing, Listing, Page, Pager, validate_listing

E = TypeVar("E", Execution, AsyncExecution)

MAX_PAGE_SIZE = 10_000
VIEW_PREFIX = "result_"


@dataclass(frozen=True)
class UpsertedView(Generic[E]):
    """What ``upsert`` returns: the view's full name and the refresh execution it started."""

    name: str
    execution: E


# -- requests ----------------------------------------------------------------------------------


def _name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name.strip()):
        raise InvalidArgument(
            f"name must be a materialized view name like result_x or dune.team.result_x, "
            f"got {name!r}"
        )
    return name.strip()


def _opt_bool(argument: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be True, False or None, got {value!r}")
    return value


def upsert_request(
    name: str,
    query_id: int,
    *,
    cron_expression: str | None,
    performance: str | None,
    is_private: bool | None,
    expires_at: datetime | str | None,
) -> Request:
    """The upsert body; the name is sent as its last segment (``result_x``), as Dune asks."""
    short = _name(name).rsplit(".", 1)[-1]
    if not short.startswith(VIEW_PREFIX) or short == VIEW_PREFIX:
        raise InvalidArgument(
            f"name must start with {VIEW_PREFIX!r} (views are dune.<team>.result_<name>), "
            f"got {name!r}"
        )
    body: dict[str, Any] = {"name": short, "query_id": validate_query_id(query_id)}
    if cron_expression is not None:
        if not isinstance(cron_expression, str) or not cron_expression.strip():
            raise InvalidArgument(
                f'cron_expression must be a 5-field cron string like "0 * * * *" or None, '
                f"got {cron_expression!r}"
            )
        body["cron_expression"] = cron_expression.strip()
    if performance is not None:
        body["performance"] = performance
    private = _opt_bool("is_private", is_private)
    if private is not None:
        body["is_private"] = private
    if isinstance(expires_at, datetime):
        stamp = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        body["expires_at"] = stamp.astimezone(UTC).isoformat().replace("+00:00", "Z")
    elif isinstance(expires_at, str) and expires_at.strip():
        body["expires_at"] = expires_at.strip()
    elif expires_at is not None:
        raise InvalidArgument(
            f"expires_at must be a datetime, an RFC 3339 string or None, got {expires_at!r}"
        )
    return wire.upsert_matview_request(
        body["name"],
        body["query_id"],
        cron_expression=body.get("cron_expression"),
        performance=body.get("performance"),
        is_private=body.get("is_private"),
        expires_at=body.get("expires_at"),
    )


def refresh_request(name: str, performance: str | None) -> Request:
    return wire.refresh_matview_request(_name(name), performance)


def list_request(limit: int, offset: int) -> Request:
    return wire.list_matviews_request(limit, offset)


# -- flows -------------------------------------------------------------------------------------


def _view(req: Request, data: Mapping[str, Any]) -> MaterializedView:
    try:
        return wire.matview_from_wire(data)
    except ValueError as exc:
        raise ResponseValidationError(
            f"malformed materialized view: {exc}",
            method=req.method,
            path=req.display_path,
        ) from None


def get_flow(ctx: FlowContext, name: str) -> Flow[MaterializedView]:
    req = wire.get_matview_request(_name(name))
    return _view(req, (yield from call(ctx, req)))


def delete_flow(ctx: FlowContext, name: str) -> Flow[str]:
    message = (yield from call(ctx, wire.delete_matview_request(_name(name)))).get("message")
    return message if isinstance(message, str) else ""


def upsert_flow(
    ctx: FlowContext, req: Request, timeout: float | None = None
) -> Flow[tuple[str, ExecutionStatus]]:
    """Create or update the view and start its refresh, within ``timeout`` seconds."""
    deadline = None if timeout is None else ctx.clock() + timeout
    try:
        data = yield from call(ctx, req, deadline)
    except DeadlineReached as exc:
        if exc.last is not None:
            raise exc.last from None
        raise APITimeout(
            "the upsert could not be sent before the deadline (client rate limit); nothing "
            "was started",
            method=req.method,
            path=req.display_path,
        ) from None
    name, raw_id = data.get("name"), data.get("execution_id")
    if not isinstance(name, str) or not name:
        raise ResponseValidationError(
            f"upsert response has no view name: {data!r}", method=req.method, path=req.display_path
        )
    try:
        execution_id = validate_execution_id(raw_id)
    except InvalidArgument:
        raise ResponseValidationError(
            f"upsert response has no valid execution_id: {raw_id!r}",
            method=req.method,
            path=req.display_path,
        ) from None
    return name, ExecutionStatus(execution_id, ExecutionState.PENDING)


def refresh_flow(ctx: FlowContext, req: Request, timeout: float | None) -> Flow[ExecutionStatus]:
    """Start a refresh within ``timeout`` seconds (None: the client's request timeout)."""
    deadline = None if timeout is None else ctx.clock() + timeout
    return (yield from execute(ctx, req, deadline))


def page_flow(ctx: FlowContext, limit: int, offset: int) -> Flow[Page[MaterializedView]]:
    """One page of views and where the next one starts (None on the last page)."""
    req = list_request(limit, offset)
    data = yield from call(ctx, req)
    try:
        views, nxt = wire.matview_page_from_wire(data)
    except ValueError as exc:
        raise ResponseValidationError(
            f"malformed materialized view list: {exc}", method=req.method, path=req.display_path
        ) from None
    if not views or nxt is None or nxt <= offset:  # 0 or absent: no more pages
        nxt = None
    return Page(views, None, nxt)


def pager(
    ctx: FlowContext, limit: object, offset: object, page_size: object
) -> Pager[MaterializedView]:
    most, start, size = validate_listing(limit, offset, page_size, MAX_PAGE_SIZE)
    return Pager(partial(page_flow, ctx), lambda v: v.name, most, start, size)


# -- API ---------------------------------------------------------------------------------------


class MaterializedViews:
    """Materialized views (``dune.matviews``): query results kept as tables named
    ``dune.<team>.result_<name>`` that other queries (and pipelines) read."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._bound = bound

    def upsert(
        self,
        name: str,
        query_id: int,
        *,
        cron_expression: str | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        is_private: bool | None = None,
        expires_at: datetime | str | None = None,
        timeout: float | None = None,
    ) -> UpsertedView[Execution]:
        """Create the view over ``query_id`` (or update it, same query only) and start a
        refresh; ``timeout`` bounds that call."""
        req = upsert_request(
            name,
            query_id,
            cron_expression=cron_expression,
            performance=self._bound.defaults.perf(performance),
            is_private=is_private,
            expires_at=expires_at,
        )
        full, status = self._bound.driver.run(
            upsert_flow(self._bound.ctx, req, validate_timeout("timeout", timeout))
        )
        return UpsertedView(full, Execution(self._bound, status))

    def get(self, name: str) -> MaterializedView:
        """One view by name (``result_x`` or the full ``dune.team.result_x``)."""
        return self._bound.driver.run(get_flow(self._bound.ctx, name))

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = MAX_PAGE_SIZE
    ) -> Listing[MaterializedView]:
        """The views owned by the key's user or team (summaries), at most ``limit``, fetched
        ``page_size`` at a time as you iterate (the API gives no total)."""
        return Listing(self._bound.driver, pager(self._bound.ctx, limit, offset, page_size))

    def delete(self, name: str) -> str:
        """Drop the view and its data; returns the API's message."""
        return self._bound.driver.run(delete_flow(self._bound.ctx, name))

    def refresh(
        self,
        name: str,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None = None,
    ) -> Execution:
        """Start recomputing the view; returns the refresh's Execution handle. ``timeout``
        bounds the start call."""
        req = refresh_request(name, self._bound.defaults.perf(performance))
        flow = refresh_flow(self._bound.ctx, req, validate_timeout("timeout", timeout))
        return Execution(self._bound, self._bound.driver.run(flow))


class AsyncMaterializedViews:
    """Materialized views (``dune.matviews``) for AsyncClient: the same methods, awaited
    (``list`` is an async iterator)."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._bound = bound

    async def upsert(
        self,
        name: str,
        query_id: int,
        *,
        cron_expression: str | None = None,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        is_private: bool | None = None,
        expires_at: datetime | str | None = None,
        timeout: float | None = None,
    ) -> UpsertedView[AsyncExecution]:
        """Create the view over ``query_id`` (or update it, same query only) and start a
        refresh; ``timeout`` bounds that call."""
        req = upsert_request(
            name,
            query_id,
            cron_expression=cron_expression,
            performance=self._bound.defaults.perf(performance),
            is_private=is_private,
            expires_at=expires_at,
        )
        full, status = await self._bound.driver.run(
            upsert_flow(self._bound.ctx, req, validate_timeout("timeout", timeout))
        )
        return UpsertedView(full, AsyncExecution(self._bound, status))

    async def get(self, name: str) -> MaterializedView:
        """One view by name (``result_x`` or the full ``dune.team.result_x``)."""
        return await self._bound.driver.run(get_flow(self._bound.ctx, name))

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncListing[MaterializedView]:
        """The views owned by the key's user or team, at most ``limit``, fetched ``page_size``
        at a time as you ``async for`` (the API gives no total)."""
        return AsyncListing(self._bound.driver, pager(self._bound.ctx, limit, offset, page_size))

    async def delete(self, name: str) -> str:
        """Drop the view and its data; returns the API's message."""
        return await self._bound.driver.run(delete_flow(self._bound.ctx, name))

    async def refresh(
        self,
        name: str,
        *,
        performance: Performance | None | NotGiven = NOT_GIVEN,
        timeout: float | None = None,
    ) -> AsyncExecution:
        """Start recomputing the view; returns the refresh's AsyncExecution handle.
        ``timeout`` bounds the start call."""
        req = refresh_request(name, self._bound.defaults.perf(performance))
        flow = refresh_flow(self._bound.ctx, req, validate_timeout("timeout", timeout))
        status = await self._bound.driver.run(flow)
        return AsyncExecution(self._bound, status)
