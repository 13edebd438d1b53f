"""Helpers shared by the route modules: JSON responses, request parsing, execution lookup."""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..engine import Execution
from ..errors import INVALID_BODY, OBJECT_NOT_FOUND, ApiError, invalid_execution_id
from ..state import EmulatorState

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
#: Ids are int64 on Dune; anything larger names no object (404), never a server error.
MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
#: Request-body fields the spec types; a null there is a 400. Unknown fields are ignored.
TYPED_FIELDS = frozenset(
    [
        "sql",
        "performance",
        "query_parameters",
        "name",
        "query_sql",
        "description",
        "is_private",
        "is_archived",
        "parameters",
        "tags",
        "namespace",
        "table_name",
        "schema",
        "data",
        "query_id",
        "cron_expression",
        "expires_at",
        "start_date",
        "end_date",
        "pipeline",
    ]
)


def emulator(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": message}, status, headers)


async def json_body(
    request: Request, *, required: bool = False, allow_null: bool = False
) -> dict[str, Any]:
    """The JSON object body; an empty body is `{}` unless required. Anything else → 400.
    A top-level null is a 400 too (the spec types every field), unless `allow_null`."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, INVALID_BODY)
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, INVALID_BODY) from None
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_BODY)
    if not allow_null:
        nulls = sorted(k for k, v in body.items() if v is None and k in TYPED_FIELDS)
        if nulls:
            raise ApiError(400, f"{', '.join(nulls)} must not be null")
    return body


def int_path(request: Request, name: str, not_found: str) -> int:
    raw = request.path_params[name]
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"invalid {name} {raw!r}: expected an integer") from None
    if value <= 0 or value > MAX_ID:
        raise ApiError(404, not_found)
    return value


def int_param(
    request: Request, name: str, default: int | None, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """An integer query parameter within [minimum, maximum], else 400 naming the parameter
    (an empty value, ``limit=``, is not an integer either)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ApiError(400, f"{name} must be >= {minimum}, got {value}")
    if value > maximum:
        raise ApiError(400, f"{name} must be <= {maximum}, got {value}")
    return value


def bool_param(request: Request, *names: str) -> bool:
    for name in names:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        low = raw.strip().lower()
        if low in ("true", "1", "yes", ""):
            return True
        if low in ("false", "0", "no"):
            continue
        raise ApiError(400, f"{name} must be true or false, got {raw!r}")
    return False


def lookup_execution(request: Request) -> Execution:
    raw = request.path_params["execution_id"]
    if not _ULID.match(raw.upper()):
        raise invalid_execution_id(raw)
    ex = emulator(request).engine.get(raw.upper())
    if ex is None:
        raise ApiError(404, OBJECT_NOT_FOUND)
    return ex
