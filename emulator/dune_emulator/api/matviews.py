"""Materialized views: list, upsert (starts a refresh), get, delete, refresh."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import bad_request
from ..matviews_store import PERFORMANCE
from .common import emulator, int_param, json_body, json_response

MAX_LIMIT = 10000


async def list_views(request: Request) -> Response:
    state = emulator(request)
    limit = int_param(request, "limit", MAX_LIMIT, minimum=1) or MAX_LIMIT
    offset = int_param(request, "offset", 0, minimum=0) or 0
    views = state.matviews.list()
    page = views[offset : offset + min(limit, MAX_LIMIT)]
    body: dict[str, object] = {"materialized_views": [v.summary() for v in page]}
    if offset + len(page) < len(views):
        body["next_offset"] = offset + len(page)
    return json_response(body)


async def upsert_view(request: Request) -> Response:
    state = emulator(request)
    view, ex = state.matviews.upsert(await json_body(request, required=True))
    return json_response({"name": view.full_name, "execution_id": ex.execution_id})


async def get_view(request: Request) -> Response:
    state = emulator(request)
    state.engine.catch_up()  # finish refreshes that are due, so the size is current
    return json_response(state.matviews.get(request.path_params["name"]).to_api())


async def delete_view(request: Request) -> Response:
    view = emulator(request).matviews.delete(request.path_params["name"])
    return json_response({"message": f"materialized view {view.full_name} deleted"})


async def refresh_view(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request)
    performance = body.get("performance")
    if performance is not None and performance not in PERFORMANCE:
        raise bad_request(f"invalid performance {performance!r}: use 'medium' or 'large'")
    view = state.matviews.get(request.path_params["name"])
    ex = state.matviews.refresh(view.name, performance)
    return json_response({"sql_id": view.full_name, "execution_id": ex.execution_id})


def routes() -> list[Route]:
    return [
        Route("/api/v1/materialized-views", list_views, methods=["GET"]),
        Route("/api/v1/materialized-views", upsert_view, methods=["POST"]),
        Route("/api/v1/materialized-views/{name}", get_view, methods=["GET"]),
        Route("/api/v1/materialized-views/{name}", delete_view, methods=["DELETE"]),
        Route("/api/v1/materialized-views/{name}/refresh", refresh_view, methods=["POST"]),
    ]
