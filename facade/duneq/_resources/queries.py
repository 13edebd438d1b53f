"""Saved-query management (``dune.queries``): create, get, update, archive, visibility, list.

Requests come from the adapter's builders; answers are parsed into small typed records.
Creating a query is unsafe to repeat: it is retried only when it provably did not land.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from .._bound import Bound
from .._cache.store import Cache
from .._errors import InvalidArgument, ResponseValidationError
from .._flows.context import Flow, FlowContext
from .._flows.send import call
from .._options import validate_query_id
from .._protocol import Request
from .._transport.drivers import AsyncDriver, SyncDriver
from .._wire import adapter as wire
from .._wire.models import SavedQuery as SavedQuery  # re-exported: duneq.SavedQuery
from .listing import AsyncListing, Listing, Page, Pager, next_after, validate_listing

_UPDATABLE = frozenset(
    {"name", "query_sql", "description", "tags", "parameters", "is_private", "is_archived"}
)
_CHANGES_RESULTS = frozenset({"query_sql", "parameters"})  # an update of these makes new results
DEFAULT_PAGE = 100  # queries per list request (the API's own default is 20)


class QueryListing(Listing[SavedQuery]):
    """``dune.queries.list()``: every owned query as a SavedQuery summary (no SQL), fetched page
    by page as you iterate; ``total`` is the API's count, ``queries`` the first page as sent."""

    @property
    def queries(self) -> list[dict[str, Any]]:
        """The first page's summaries as plain dicts, as the API sent them."""
        return [dict(q.raw) for q in self.first_page]


class AsyncQueryListing(AsyncListing[SavedQuery]):
    """``dune.queries.list()`` for AsyncClient: ``async for`` every query, or ``await`` it for
    the first page (``queries``) and ``total``."""

    @property
    def queries(self) -> list[dict[str, Any]]:
        """The first page's summaries as plain dicts (empty before it arrived)."""
        return [dict(q.raw) for q in self.first_page]


def _query_id_of(req: Request, data: dict[str, Any]) -> int:
    value = data.get("query_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ResponseValidationError(
        "response has no integer query_id", method=req.method, path=req.display_path
    )


def _id_flow(ctx: FlowContext, req: Request) -> Flow[int]:
    data = yield from call(ctx, req)
    return _query_id_of(req, data)


def _update_flow(
    ctx: FlowContext, cache: Cache | None, query_id: int, fields: Mapping[str, Any]
) -> Flow[int]:
    """PATCH the query; once its SQL or parameters changed, cached runs of it no longer answer
    ``max_age`` lookups (they ran the old text)."""
    updated = yield from _id_flow(ctx, _update(query_id, fields))
    if cache is not None and _CHANGES_RESULTS & set(fields):
        cache.forget_runs(query_id)
    return updated


def _get_flow(ctx: FlowContext, req: Request) -> Flow[SavedQuery]:
    data = yield from call(ctx, req)
    try:
        return wire.query_from_wire(data)
    except ValueError as exc:
        raise ResponseValidationError(
            f"malformed query: {exc}", method=req.method, path=req.display_path
        ) from None


def _page_flow(ctx: FlowContext, size: int, offset: int) -> Flow[Page[SavedQuery]]:
    """One page of ``GET /v1/queries``; the next starts after it, until ``total``."""
    req = wire.list_queries_request(size, offset)
    data = yield from call(ctx, req)
    try:
        found, held, total = wire.query_page_from_wire(data)
    except ValueError as exc:
        raise ResponseValidationError(str(exc), method=req.method, path=req.display_path) from None
    return Page(found, total, next_after(offset, held, size, total))


def _pager(ctx: FlowContext, limit: object, offset: object, page_size: object) -> Pager[SavedQuery]:
    most, start, size = validate_listing(limit, offset, page_size, None)
    return Pager(partial(_page_flow, ctx), lambda q: q.query_id, most, start, size)


def _non_empty(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} must be a non-empty string, got {value!r}")
    return value


def _create(
    name: str,
    query_sql: str,
    description: str | None,
    is_private: bool,
    parameters: Sequence[Mapping[str, Any]] | None,
    tags: Sequence[str] | None,
) -> Request:
    body: dict[str, Any] = {
        "name": _non_empty("name", name),
        "query_sql": _non_empty("query_sql", query_sql),
        "is_private": bool(is_private),
    }
    if description is not None:
        body["description"] = description
    if parameters is not None:
        body["parameters"] = [dict(p) for p in parameters]
    if tags is not None:
        body["tags"] = list(tags)
    return wire.create_query_request(
        body["name"],
        body["query_sql"],
        description=description,
        is_private=body["is_private"],
        parameters=body.get("parameters"),
        tags=body.get("tags"),
    )


def _update(query_id: int, fields: Mapping[str, Any]) -> Request:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise InvalidArgument(
            f"cannot update field(s): {', '.join(sorted(unknown))}; "
            f"updatable fields are {', '.join(sorted(_UPDATABLE))}"
        )
    if not fields:
        raise InvalidArgument("update needs at least one field")
    return wire.update_query_request(validate_query_id(query_id), fields)


def _get(query_id: int) -> Request:
    return wire.get_query_request(validate_query_id(query_id))


def _action(query_id: int, action: str) -> Request:
    return wire.query_action_request(validate_query_id(query_id), action)


class Queries:
    """Saved queries (``dune.queries``); needs a Dune plan with query management."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx
        self._cache = bound.cache

    def create(
        self,
        name: str,
        query_sql: str,
        *,
        description: str | None = None,
        is_private: bool = False,
        parameters: Sequence[Mapping[str, Any]] | None = None,
        tags: Sequence[str] | None = None,
    ) -> int:
        """Create a saved query; returns its id."""
        req = _create(name, query_sql, description, is_private, parameters, tags)
        return self._driver.run(_id_flow(self._ctx, req))

    def get(self, query_id: int) -> SavedQuery:
        """Read a saved query."""
        return self._driver.run(_get_flow(self._ctx, _get(query_id)))

    def update(self, query_id: int, **fields: Any) -> int:
        """Change the given fields only (name, query_sql, description, tags, parameters, ...)."""
        return self._driver.run(_update_flow(self._ctx, self._cache, query_id, fields))

    def archive(self, query_id: int) -> int:
        """Archive: the query can no longer be run or edited (Dune has no delete)."""
        return self._driver.run(_id_flow(self._ctx, _action(query_id, "archive")))

    def unarchive(self, query_id: int) -> int:
        """Undo an archive."""
        return self._driver.run(_id_flow(self._ctx, _action(query_id, "unarchive")))

    def make_private(self, query_id: int) -> int:
        """Make the query private to its owner."""
        return self._driver.run(_id_flow(self._ctx, _action(query_id, "private")))

    def make_public(self, query_id: int) -> int:
        """Make the query public."""
        return self._driver.run(_id_flow(self._ctx, _action(query_id, "unprivate")))

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = DEFAULT_PAGE
    ) -> QueryListing:
        """The queries owned by the key's user or team (summaries: no SQL), at most ``limit``,
        fetched ``page_size`` at a time as you iterate; ``.total`` counts them all."""
        return QueryListing(self._driver, _pager(self._ctx, limit, offset, page_size))


class AsyncQueries:
    """Saved queries (``dune.queries``) for ``AsyncClient``: the same methods, awaited."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx
        self._cache = bound.cache

    async def create(
        self,
        name: str,
        query_sql: str,
        *,
        description: str | None = None,
        is_private: bool = False,
        parameters: Sequence[Mapping[str, Any]] | None = None,
        tags: Sequence[str] | None = None,
    ) -> int:
        """Create a saved query; returns its id."""
        req = _create(name, query_sql, description, is_private, parameters, tags)
        return await self._driver.run(_id_flow(self._ctx, req))

    async def get(self, query_id: int) -> SavedQuery:
        """Read a saved query."""
        return await self._driver.run(_get_flow(self._ctx, _get(query_id)))

    async def update(self, query_id: int, **fields: Any) -> int:
        """Change the given fields only (name, query_sql, description, tags, parameters, ...)."""
        return await self._driver.run(_update_flow(self._ctx, self._cache, query_id, fields))

    async def archive(self, query_id: int) -> int:
        """Archive: the query can no longer be run or edited (Dune has no delete)."""
        return await self._driver.run(_id_flow(self._ctx, _action(query_id, "archive")))

    async def unarchive(self, query_id: int) -> int:
        """Undo an archive."""
        return await self._driver.run(_id_flow(self._ctx, _action(query_id, "unarchive")))

    async def make_private(self, query_id: int) -> int:
        """Make the query private to its owner."""
        return await self._driver.run(_id_flow(self._ctx, _action(query_id, "private")))

    async def make_public(self, query_id: int) -> int:
        """Make the query public."""
        return await self._driver.run(_id_flow(self._ctx, _action(query_id, "unprivate")))

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = DEFAULT_PAGE
    ) -> AsyncQueryListing:
        """The queries owned by the key's user or team, at most ``limit``, fetched ``page_size``
        at a time as you ``async for``; ``await`` it for the first page and ``.total``."""
        return AsyncQueryListing(self._driver, _pager(self._ctx, limit, offset, page_size))
