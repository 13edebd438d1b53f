"""Execute a saved query or raw SQL, poll status, cancel."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..engine import COMPLETED
from ..errors import INVALID_BODY, NOT_ALLOWED_EXECUTE, QUERY_NOT_FOUND, ApiError
from ..query_store import bind_parameters, substitute
from .common import emulator, format_view, int_path, json_body, json_response, lookup_execution

PERFORMANCE = ("medium", "large")


def _performance(request: Request, body: dict[str, Any]) -> str:
    value = body.get("performance", request.query_params.get("performance", "medium"))
    if value is None:
        return "medium"
    if value not in PERFORMANCE:
        raise ApiError(400, f"invalid performance {value!r}: use 'medium' or 'large'")
    return str(value)


def _query_parameters(body: dict[str, Any]) -> dict[str, Any]:
    params = body.get("query_parameters")
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ApiError(400, INVALID_BODY)
    return params


async def execute_query(request: Request) -> Response:
    state = emulator(request)
    query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
    body = await json_body(request)
    performance = _performance(request, body)
    provided = _query_parameters(body)
    query = state.queries.get(query_id)
    if query.is_archived:
        raise ApiError(403, NOT_ALLOWED_EXECUTE)
    sql, effective = bind_parameters(query.query_sql, query.parameters, provided)
    ex = state.engine.submit(query_id, sql, effective, performance)
    return json_response({"execution_id": ex.execution_id, "state": "QUERY_STATE_PENDING"})


async def execute_sql(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True)
    sql = body.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise ApiError(400, INVALID_BODY)
    performance = _performance(request, body)
    provided = {k: str(v) for k, v in _query_parameters(body).items()}
    ex = state.engine.submit(0, substitute(sql, provided), provided, performance)
    return json_response({"execution_id": ex.execution_id, "state": "QUERY_STATE_PENDING"})


async def execution_status(request: Request) -> Response:
    state = emulator(request)
    ex = lookup_execution(request)
    out = format_view(state.engine.status_view(ex))
    if out["state"] == COMPLETED and ex.result is not None:
        from .results import status_metadata

        out["result_metadata"] = status_metadata(state, ex)
    return json_response(out)


async def cancel_execution(request: Request) -> Response:
    state = emulator(request)
    ex = lookup_execution(request)
    cancelled, now_state = state.engine.cancel(ex.execution_id)
    if cancelled:
        return json_response({"success": True})
    return json_response(
        {
            "success": False,
            "message": f"execution is already finished ({now_state}); nothing to cancel",
        }
    )


def routes() -> list[Route]:
    return [
        Route("/api/v1/query/{query_id}/execute", execute_query, methods=["POST"]),
        Route("/api/v1/sql/execute", execute_sql, methods=["POST"]),
        Route("/api/v1/execution/{execution_id}/status", execution_status, methods=["GET"]),
        Route("/api/v1/execution/{execution_id}/cancel", cancel_execution, methods=["POST"]),
    ]
