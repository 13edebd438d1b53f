"""Materialized views (``dune.matviews``): upsert, get, list (every page), delete, refresh.

Upsert and refresh start billed executions: they are never retried after the request was sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dune_api.api.materialized_views import (
    delete_materialized_view,
    get_materialized_view,
    list_materialized_views,
    refresh_materialized_view,
    upsert_materialized_view,
)
from dune_api.models import (
    ListMaterializedViewsResponse,
    RefreshMaterializedViewRequest,
    UpsertMaterializedViewRequest,
)
from dune_api.models import (
    MaterializedView as _GeneratedView,
)

from ._errors import InvalidArgument, ResponseValidationError
from ._execution import AsyncExecution, Execution
from ._flows import Core, Flow, execute, parse_json, send
from ._models import ExecutionStatus
from ._options import validate_execution_id, validate_positive_int, validate_query_id
from ._protocol import Request, from_generated
from ._states import ExecutionState
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

E = TypeVar("E", Execution, AsyncExecution)

MAX_PAGE_SIZE = 10_000
VIEW_PREFIX = "result_"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class MaterializedView:
    """A materialized view, from ``get`` (every field) or ``list`` (a summary: no schedule or
    recent executions); ``name`` is the full ``dune.<team>.result_<x>``."""

    name: str
    query_id: int | None
    id: str | None = None
    is_private: bool | None = None
    table_size_bytes: int | None = None
    last_execution_ids: tuple[str, ...] = ()
    cron_expression: str | None = None
    performance: str | None = None
    expires_at: str | None = None
    owner_user_id: int | None = None
    owner_team_id: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MaterializedView:
        """Parse a view body (checked by the generated model); KeyError without ``sql_id``."""
        _GeneratedView.from_dict(data)
        name = _str(data.get("sql_id"))
        if name is None:
            raise KeyError("sql_id")
        schedule = data.get("schedule")
        schedule = schedule if isinstance(schedule, Mapping) else {}
        ids = data.get("last_execution_ids")
        private = data.get("is_private")
        return cls(
            name=name,
            query_id=_int(data.get("query_id")),
            id=_str(data.get("id")),
            is_private=private if isinstance(private, bool) else None,
            table_size_bytes=_int(data.get("table_size_bytes")),
            last_execution_ids=tuple(str(i) for i in ids) if isinstance(ids, list) else (),
            cron_expression=_str(schedule.get("cron_expression")),
            performance=_str(schedule.get("performance")),
            expires_at=_str(schedule.get("expires_at")),
            owner_user_id=_int(data.get("owner_user_id")),
            owner_team_id=_int(data.get("owner_team_id")),
            raw=dict(data),
        )


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
    model = UpsertMaterializedViewRequest.from_dict(body)
    return from_generated(upsert_materialized_view._get_kwargs(body=model), kind="write")


def refresh_request(name: str, performance: str | None) -> Request:
    if performance is None:
        kwargs = refresh_materialized_view._get_kwargs(_name(name))
    else:
        model = RefreshMaterializedViewRequest.from_dict({"performance": performance})
        kwargs = refresh_materialized_view._get_kwargs(_name(name), body=model)
    return from_generated(kwargs, kind="execute")


def list_request(limit: int, offset: int) -> Request:
    return from_generated(list_materialized_views._get_kwargs(limit=limit, offset=offset))


def _page_size(page_size: object) -> int:
    size = validate_positive_int("page_size", page_size)
    if size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be at most {MAX_PAGE_SIZE}, got {size}")
    return size


# -- flows -------------------------------------------------------------------------------------


def _view(req: Request, data: Mapping[str, Any]) -> MaterializedView:
    try:
        return MaterializedView.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseValidationError(
            f"malformed materialized view: missing or bad {exc}",
            method=req.method,
            path=req.display_path,
        ) from None


def get_flow(core: Core, name: str) -> Flow[MaterializedView]:
    req = from_generated(get_materialized_view._get_kwargs(_name(name)))
    resp = yield from send(core, req)
    return _view(req, parse_json(req, resp))


def delete_flow(core: Core, name: str) -> Flow[str]:
    req = from_generated(delete_materialized_view._get_kwargs(_name(name)))
    resp = yield from send(core, req)
    message = parse_json(req, resp).get("message")
    return message if isinstance(message, str) else ""


def upsert_flow(core: Core, req: Request) -> Flow[tuple[str, ExecutionStatus]]:
    resp = yield from send(core, req)
    data = parse_json(req, resp)
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
    status = ExecutionStatus.from_dict(
        {"execution_id": execution_id, "state": ExecutionState.PENDING}
    )
    return name, status


def page_flow(
    core: Core, limit: int, offset: int
) -> Flow[tuple[list[MaterializedView], int | None]]:
    """One page of views and where the next one starts (None on the last page)."""
    req = list_request(limit, offset)
    resp = yield from send(core, req)
    data = parse_json(req, resp)
    try:
        ListMaterializedViewsResponse.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseValidationError(
            f"malformed materialized view list: {exc}", method=req.method, path=req.display_path
        ) from None
    items = data.get("materialized_views") or []
    views = [_view(req, item) for item in items if isinstance(item, Mapping)]
    nxt = _int(data.get("next_offset"))
    if not views or nxt is None or nxt <= offset:  # 0 or absent: no more pages
        nxt = None
    return views, nxt


# -- API ---------------------------------------------------------------------------------------


class MaterializedViews:
    """Materialized views (``dune.matviews``): query results kept as tables named
    ``dune.<team>.result_<name>`` that other queries (and pipelines) read."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def upsert(
        self,
        name: str,
        query_id: int,
        *,
        cron_expression: str | None = None,
        performance: str | None | NotGiven = NOT_GIVEN,
        is_private: bool | None = None,
        expires_at: datetime | str | None = None,
    ) -> UpsertedView[Execution]:
        """Create the view over ``query_id`` (or update it, same query only) and start a refresh."""
        req = upsert_request(
            name,
            query_id,
            cron_expression=cron_expression,
            performance=self._client._perf(performance),
            is_private=is_private,
            expires_at=expires_at,
        )
        full, status = self._client._driver.run(upsert_flow(self._client._core, req))
        return UpsertedView(full, Execution(self._client, status))

    def get(self, name: str) -> MaterializedView:
        """One view by name (``result_x`` or the full ``dune.team.result_x``)."""
        return self._client._driver.run(get_flow(self._client._core, name))

    def list(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[MaterializedView]:
        """Every view owned by the key's user or team, fetched page by page as you iterate."""
        size = _page_size(page_size)

        def pages() -> Iterator[MaterializedView]:
            offset: int | None = 0
            while offset is not None:
                views, offset = self._client._driver.run(
                    page_flow(self._client._core, size, offset)
                )
                yield from views

        return pages()

    def delete(self, name: str) -> str:
        """Drop the view and its data; returns the API's message."""
        return self._client._driver.run(delete_flow(self._client._core, name))

    def refresh(self, name: str, *, performance: str | None | NotGiven = NOT_GIVEN) -> Execution:
        """Start recomputing the view; returns the refresh's Execution handle."""
        req = refresh_request(name, self._client._perf(performance))
        return Execution(self._client, self._client._driver.run(execute(self._client._core, req)))


class AsyncMaterializedViews:
    """Materialized views (``dune.matviews``) for AsyncClient: the same methods, awaited
    (``list`` is an async iterator)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def upsert(
        self,
        name: str,
        query_id: int,
        *,
        cron_expression: str | None = None,
        performance: str | None | NotGiven = NOT_GIVEN,
        is_private: bool | None = None,
        expires_at: datetime | str | None = None,
    ) -> UpsertedView[AsyncExecution]:
        """Create the view over ``query_id`` (or update it, same query only) and start a refresh."""
        req = upsert_request(
            name,
            query_id,
            cron_expression=cron_expression,
            performance=self._client._perf(performance),
            is_private=is_private,
            expires_at=expires_at,
        )
        full, status = await self._client._driver.run(upsert_flow(self._client._core, req))
        return UpsertedView(full, AsyncExecution(self._client, status))

    async def get(self, name: str) -> MaterializedView:
        """One view by name (``result_x`` or the full ``dune.team.result_x``)."""
        return await self._client._driver.run(get_flow(self._client._core, name))

    def list(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[MaterializedView]:
        """Every view owned by the key's user or team, fetched page by page as you iterate."""
        size = _page_size(page_size)

        async def pages() -> AsyncIterator[MaterializedView]:
            offset: int | None = 0
            while offset is not None:
                views, offset = await self._client._driver.run(
                    page_flow(self._client._core, size, offset)
                )
                for view in views:
                    yield view

        return pages()

    async def delete(self, name: str) -> str:
        """Drop the view and its data; returns the API's message."""
        return await self._client._driver.run(delete_flow(self._client._core, name))

    async def refresh(
        self, name: str, *, performance: str | None | NotGiven = NOT_GIVEN
    ) -> AsyncExecution:
        """Start recomputing the view; returns the refresh's AsyncExecution handle."""
        req = refresh_request(name, self._client._perf(performance))
        status = await self._client._driver.run(execute(self._client._core, req))
        return AsyncExecution(self._client, status)
