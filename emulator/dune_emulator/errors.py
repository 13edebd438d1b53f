"""API errors with Dune's exact bodies, raised by handlers and rendered as `{"error": ...}`."""

from __future__ import annotations

INVALID_API_KEY = "invalid API Key"
INVALID_BODY = "Invalid request body payload"
QUERY_NOT_FOUND = "Query not found"
OBJECT_NOT_FOUND = "Object not found"
NOT_ALLOWED_EXECUTE = (
    "Not allowed to execute query. Query is archived, unsaved or not enough permissions"
)
PARTIAL_RESULT = "Partial Result, please request with 'allows_partial_results=true'"
LIMIT_PER_REQUEST = (
    "This api request would exceed your configured limits per request. "
    "Please visit your settings on dune.com and adjust your limits to continue usage."
)
TOO_MANY_REQUESTS = "Too many requests"
INTERNAL_ERROR = "Internal error"


class ApiError(Exception):
    """An HTTP error answer: status code, message and optional extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def invalid_execution_id(raw: str) -> ApiError:
    return ApiError(400, f"The requested execution ID (ID: {raw}) is invalid.")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)
