"""Pipelines: build a query's lineage, execute it (two entry points), report node status;
plus `/_emulator/fail-query`, which makes every execution of one query fail."""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import INVALID_BODY, OBJECT_NOT_FOUND, QUERY_NOT_FOUND, ApiError, bad_request
from ..lineage import PlanNode, parse_plan
from .common import emulator, int_path, json_body, json_response
from .executions import _performance, _query_parameters

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def _url_params(request: Request) -> dict[str, Any]:
    raw = request.query_params.get("query_parameters")
    if not raw:
        return {}
    try:
        params = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("query_parameters must be a URL-encoded JSON object") from None
    if not isinstance(params, dict):
        raise bad_request("query_parameters must be a URL-encoded JSON object")
    return params


def _plan(request: Request, query_id: int, body: dict[str, Any]) -> list[PlanNode]:
    return emulator(request).pipelines.plan(
        query_id, _performance(request, body), _query_parameters(body)
    )


async def get_query_pipeline(request: Request) -> Response:
    query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
    nodes = _plan(request, query_id, {"query_parameters": _url_params(request)})
    return json_response({"pipeline": {"nodes": [n.to_api() for n in nodes]}})


async def execute_query_pipeline(request: Request) -> Response:
    state = emulator(request)
    query_id = int_path(request, "query_id", QUERY_NOT_FOUND)
    nodes = _plan(request, query_id, await json_body(request))
    run = state.pipelines.start(nodes)
    return json_response({"pipeline_execution_id": run.pipeline_execution_id})


async def execute_pipeline(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True)
    if "pipeline" in body:
        nodes = parse_plan(body["pipeline"])
    elif "query_id" in body:
        query_id = body["query_id"]
        if not isinstance(query_id, int) or isinstance(query_id, bool) or query_id <= 0:
            raise bad_request("query_id must be a positive integer")
        nodes = _plan(request, query_id, body)
    else:
        raise bad_request("send either a pipeline definition or a query_id")
    run = state.pipelines.start(nodes)
    return json_response({"pipeline_execution_id": run.pipeline_execution_id})


async def pipeline_status(request: Request) -> Response:
    state = emulator(request)
    raw = request.path_params["pipeline_execution_id"]
    if not _ULID.match(raw.upper()):
        raise bad_request(f"The requested pipeline execution ID (ID: {raw}) is invalid.")
    run = state.pipelines.get(raw.upper())
    if run is None:
        raise ApiError(404, OBJECT_NOT_FOUND)
    return json_response(state.pipelines.status(run))


async def fail_query(request: Request) -> Response:
    body = await json_body(request, required=True)
    query_id, message = body.get("query_id"), body.get("message", "forced failure")
    if not isinstance(query_id, int) or not isinstance(message, str):
        raise ApiError(400, INVALID_BODY)
    emulator(request).engine.failing_queries[query_id] = message
    return json_response({"ok": True})


def routes() -> list[Route]:
    return [
        Route("/api/v1/query/{query_id}/pipeline", get_query_pipeline, methods=["GET"]),
        Route(
            "/api/v1/query/{query_id}/pipeline/execute", execute_query_pipeline, methods=["POST"]
        ),
        Route("/api/v1/pipelines/execute", execute_pipeline, methods=["POST"]),
        Route(
            "/api/v1/pipelines/executions/{pipeline_execution_id}/status",
            pipeline_status,
            methods=["GET"],
        ),
        Route("/_emulator/fail-query", fail_query, methods=["POST"]),
    ]
