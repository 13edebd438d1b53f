"""Custom endpoints: `GET /api/v1/endpoints/{handle}/{slug}/results` serves the latest result of
the mapped saved query (same code path and params as results); defined via `/_emulator/endpoints`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..endpoints_store import parse_definition
from ..errors import ApiError
from ..query_store import bind_parameters
from .common import emulator, json_body, json_response
from .results import respond_results

CUSTOM_ENDPOINT_NOT_FOUND = "Custom endpoint not found"
NO_RESULT = "No execution with a result found for this custom endpoint's query and parameters"


async def endpoint_results(request: Request) -> Response:
    state = emulator(request)
    ep = state.endpoints.find(request.path_params["handle"], request.path_params["endpoint_slug"])
    if ep is None:
        raise ApiError(404, CUSTOM_ENDPOINT_NOT_FOUND)
    query = state.queries.get(ep.query_id)
    _sql, effective = bind_parameters(query.query_sql, query.parameters, ep.parameters)
    ex = state.engine.latest_for_query(ep.query_id, effective)
    if ex is None:
        raise ApiError(404, NO_RESULT)
    return await respond_results(request, ex, csv=False)


async def define_endpoint(request: Request) -> Response:
    state = emulator(request)
    ep = parse_definition(await json_body(request, required=True, allow_null=True))
    query = state.queries.get(ep.query_id)
    try:
        bind_parameters(query.query_sql, query.parameters, ep.parameters)
    except ApiError as exc:
        raise ApiError(400, f"parameters do not fit query {ep.query_id}: {exc.message}") from None
    state.endpoints.put(ep)
    return json_response({"endpoint": ep.to_api()})


async def list_endpoints(request: Request) -> Response:
    return json_response({"endpoints": [e.to_api() for e in emulator(request).endpoints.all()]})


async def remove_endpoint(request: Request) -> Response:
    found = emulator(request).endpoints.remove(
        request.path_params["handle"], request.path_params["endpoint_slug"]
    )
    if not found:
        raise ApiError(404, CUSTOM_ENDPOINT_NOT_FOUND)
    return json_response({"ok": True})


def routes() -> list[Route]:
    return [
        Route(
            "/api/v1/endpoints/{handle}/{endpoint_slug}/results", endpoint_results, methods=["GET"]
        ),
        Route("/_emulator/endpoints", define_endpoint, methods=["POST"]),
        Route("/_emulator/endpoints", list_endpoints, methods=["GET"]),
        Route("/_emulator/endpoints/{handle}/{endpoint_slug}", remove_endpoint, methods=["DELETE"]),
    ]
