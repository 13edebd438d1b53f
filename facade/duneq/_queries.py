"""Saved-query management (``dune.queries``): create, get, update, archive, visibility, list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._errors import InvalidArgument
from ._flows import Core, Flow, parse_json, send
from ._http import AsyncDriver, SyncDriver
from ._options import validate_non_negative_int, validate_positive_int, validate_query_id
from ._protocol import Request

_UPDATABLE = frozenset(
    {"name", "query_sql", "description", "tags", "parameters", "is_private", "is_archived"}
)


def _call(core: Core, req: Request) -> Flow[dict[str, Any]]:
    resp = yield from send(core, req)
    return parse_json(req, resp)


def _query_id_of(data: dict[str, Any]) -> int:
    value = data.get("query_id")
    return int(value) if isinstance(value, int) else 0


def _create(
    name: str,
    query_sql: str,
    description: str | None,
    is_private: bool,
    parameters: Sequence[dict[str, Any]] | None,
    tags: Sequence[str] | None,
) -> Request:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgument("name must be a non-empty string")
    if not isinstance(query_sql, str) or not query_sql.strip():
        raise InvalidArgument("query_sql must be a non-empty string")
    body: dict[str, Any] = {"name": name, "query_sql": query_sql, "is_private": bool(is_private)}
    if description is not None:
        body["description"] = description
    if parameters is not None:
        body["parameters"] = list(parameters)
    if tags is not None:
        body["tags"] = list(tags)
    return Request("POST", "/v1/query", json=body, kind="read")


def _update(query_id: int, fields: dict[str, Any]) -> Request:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise InvalidArgument(f"cannot update field(s): {', '.join(sorted(unknown))}")
    if not fields:
        raise InvalidArgument("update needs at least one field")
    return Request("PATCH", f"/v1/query/{validate_query_id(query_id)}", json=fields)


def _action(query_id: int, action: str) -> Request:
    return Request("POST", f"/v1/query/{validate_query_id(query_id)}/{action}")


def _list(limit: int, offset: int) -> Request:
    return Request(
        "GET",
        "/v1/queries",
        params={
            "limit": str(validate_positive_int("limit", limit)),
            "offset": str(validate_non_negative_int("offset", offset)),
        },
    )


class Queries:
    """Saved queries (needs a plan with query management). Writes are never retried on 5xx."""

    def __init__(self, core: Core, driver: SyncDriver) -> None:
        self._core = core
        self._driver = driver

    def _run(self, req: Request) -> dict[str, Any]:
        return self._driver.run(_call(self._core, req))

    def create(
        self,
        name: str,
        query_sql: str,
        *,
        description: str | None = None,
        is_private: bool = False,
        parameters: Sequence[dict[str, Any]] | None = None,
        tags: Sequence[str] | None = None,
    ) -> int:
        """Create a saved query; returns its id."""
        req = _create(name, query_sql, description, is_private, parameters, tags)
        return _query_id_of(self._run(Request(req.method, req.path, json=req.json, kind="execute")))

    def get(self, query_id: int) -> dict[str, Any]:
        return self._run(Request("GET", f"/v1/query/{validate_query_id(query_id)}"))

    def update(self, query_id: int, **fields: Any) -> int:
        return _query_id_of(self._run(_update(query_id, fields)))

    def archive(self, query_id: int) -> int:
        return _query_id_of(self._run(_action(query_id, "archive")))

    def unarchive(self, query_id: int) -> int:
        return _query_id_of(self._run(_action(query_id, "unarchive")))

    def make_private(self, query_id: int) -> int:
        return _query_id_of(self._run(_action(query_id, "private")))

    def make_public(self, query_id: int) -> int:
        return _query_id_of(self._run(_action(query_id, "unprivate")))

    def list(self, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        return self._run(_list(limit, offset))


class AsyncQueries:
    """The async twin of Queries."""

    def __init__(self, core: Core, driver: AsyncDriver) -> None:
        self._core = core
        self._driver = driver

    async def _run(self, req: Request) -> dict[str, Any]:
        return await self._driver.run(_call(self._core, req))

    async def create(
        self,
        name: str,
        query_sql: str,
        *,
        description: str | None = None,
        is_private: bool = False,
        parameters: Sequence[dict[str, Any]] | None = None,
        tags: Sequence[str] | None = None,
    ) -> int:
        """Create a saved query; returns its id."""
        req = _create(name, query_sql, description, is_private, parameters, tags)
        data = await self._run(Request(req.method, req.path, json=req.json, kind="execute"))
        return _query_id_of(data)

    async def get(self, query_id: int) -> dict[str, Any]:
        return await self._run(Request("GET", f"/v1/query/{validate_query_id(query_id)}"))

    async def update(self, query_id: int, **fields: Any) -> int:
        return _query_id_of(await self._run(_update(query_id, fields)))

    async def archive(self, query_id: int) -> int:
        return _query_id_of(await self._run(_action(query_id, "archive")))

    async def unarchive(self, query_id: int) -> int:
        return _query_id_of(await self._run(_action(query_id, "unarchive")))

    async def make_private(self, query_id: int) -> int:
        return _query_id_of(await self._run(_action(query_id, "private")))

    async def make_public(self, query_id: int) -> int:
        return _query_id_of(await self._run(_action(query_id, "unprivate")))

    async def list(self, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        return await self._run(_list(limit, offset))
