"""The app factory: every route module contributes `routes()`; the gateway wraps them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from .api import (
    control,
    custom_endpoints,
    datasets,
    executions,
    matviews,
    pipelines,
    queries,
    results,
    uploads,
    usage,
)
from .api.common import error_response
from .errors import OBJECT_NOT_FOUND, ApiError
from .gateway import Gateway
from .state import EmulatorState

RouteFactory = Callable[[], list[Route]]

#: Route modules registered by default. Other modules (uploads, matviews, ...) add themselves
#: here or are passed to `create_app(extra=...)`.
ROUTE_MODULES: list[RouteFactory] = [
    executions.routes,
    results.routes,
    queries.routes,
    control.routes,
    uploads.routes,
    usage.routes,
    datasets.routes,
    custom_endpoints.routes,
    matviews.routes,
    pipelines.routes,
]


async def _api_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.message, exc.headers)
    return error_response(500, "Internal error")


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return error_response(404, OBJECT_NOT_FOUND)
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))
    return error_response(500, "Internal error")


def route_names(routes: Sequence[BaseRoute]) -> set[str]:
    names = set()
    for route in routes:
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                names.add(f"{method} {getattr(route, 'path', '')}")
    return names


def create_app(state: EmulatorState, extra: Sequence[RouteFactory] = ()) -> ASGIApp:
    """Build the ASGI app serving `state`."""
    routes: list[BaseRoute] = []
    for factory in [*ROUTE_MODULES, *extra]:
        routes.extend(factory())
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _api_error,
        },
    )
    app.router.redirect_slashes = False  # no 307s; the gateway serves `/x/` as `/x`
    app.state.emulator = state
    app.state.route_names = route_names(routes)
    return Gateway(app, state, routes)
