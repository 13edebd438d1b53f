"""Saved-query CRUD: create, read, update, archive/unarchive, private/unprivate, list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import QUERY_NOT_FOUND
from .common import emulator, int_param, int_path, json_body, json_response


async def create_query(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True)
    query = state.queries.create(body, state.now_text())
    state.save()
    return json_response({"query_id": query.query_id})


async def get_query(request: Request) -> Response:
    state = emulator(request)
    query = state.queries.get(int_path(request, "query_id", QUERY_NOT_FOUND))
    return json_response(query.to_api())


async def update_query(request: Request) -> Response:
    state = emulator(request)
    query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
    body = await json_body(request, required=True)
    query = state.queries.update(query_id, body, state.now_text())
    state.save()
    return json_response({"query_id": query.query_id})


def _flag_route(flag: str, value: bool):  # type: ignore[no-untyped-def]
    async def handler(request: Request) -> Response:
        state = emulator(request)
        query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
        query = state.queries.set_flag(query_id, flag, value, state.now_text())
        state.save()
        return json_response({"query_id": query.query_id})

    return handler


async def list_queries(request: Request) -> Response:
    state = emulator(request)
    limit = int_param(request, "limit", 20, minimum=1) or 20
    offset = int_param(request, "offset", 0, minimum=0) or 0
    items, total = state.queries.list(limit, offset)
    rows = [
        {
            "id": q.query_id,
            "name": q.name,
            "description": q.description,
            "owner": "emulator",
            "tags": list(q.tags),
            "created_at": q.created_at,
            "updated_at": q.updated_at,
        }
        for q in items
    ]
    return json_response({"queries": rows, "total": total})


def routes() -> list[Route]:
    return [
        Route("/api/v1/query", create_query, methods=["POST"]),
        Route("/api/v1/query/", create_query, methods=["POST"]),
        Route("/api/v1/queries", list_queries, methods=["GET"]),
        Route("/api/v1/query/{query_id}", get_query, methods=["GET"]),
        Route("/api/v1/query/{query_id}", update_query, methods=["PATCH"]),
        Route(
            "/api/v1/query/{query_id}/archive", _flag_route("is_archived", True), methods=["POST"]
        ),
        Route(
            "/api/v1/query/{query_id}/unarchive",
            _flag_route("is_archived", False),
            methods=["POST"],
        ),
        Route(
            "/api/v1/query/{query_id}/private", _flag_route("is_private", True), methods=["POST"]
        ),
        Route(
            "/api/v1/query/{query_id}/unprivate", _flag_route("is_private", False), methods=["POST"]
        ),
    ]
