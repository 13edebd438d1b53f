"""Plain answers of the public hooks: a raw API response (``client.request``) and the API's
reply to a cancel (``client.cancel``), both without any I/O of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ._errors import InvalidArgument, ResponseValidationError

_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class APIResponse:
    """A 2xx answer to ``client.request(...)``: status, headers and the body as received."""

    method: str
    path: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (CSV routes, for example)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON; ResponseValidationError when it is not JSON."""
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError as exc:
            raise ResponseValidationError(
                f"the answer is not JSON ({exc})",
                status_code=self.status_code,
                method=self.method,
                path=self.path,
            ) from None


@dataclass(frozen=True)
class Cancellation:
    """The API's answer to a cancel: ``cancelled`` when it confirmed, and its ``message``
    (e.g. why nothing was cancelled). True in a boolean context exactly when confirmed."""

    execution_id: str
    cancelled: bool
    message: str | None = None

    def __bool__(self) -> bool:
        return self.cancelled


def cancellation_from_wire(execution_id: str, data: Mapping[str, Any]) -> Cancellation:
    """A Cancellation from the cancel route's JSON object (``success``, ``message``)."""
    message = data.get("message") or data.get("error")
    return Cancellation(
        execution_id=execution_id,
        cancelled=data.get("success") is True,
        message=message if isinstance(message, str) and message else None,
    )


def api_path(method: object, path: object) -> tuple[str, str]:
    """The upper-case method and the path under ``{base}/api`` (``/v1/...``) of a raw request;
    InvalidArgument for anything else (a full URL, a query string, another API root)."""
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise InvalidArgument(
            f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}"
        )
    if not isinstance(path, str) or not path.strip():
        raise InvalidArgument("path must be a non-empty string such as '/v1/query/1'")
    text = path.strip()
    if "://" in text:
        raise InvalidArgument(
            f"path must be relative to the client's base URL (like '/v1/usage'), got {text!r}"
        )
    if "?" in text or "#" in text:
        raise InvalidArgument("path must not carry a query string: pass params={...} instead")
    text = "/" + text.lstrip("/")
    text = text.removeprefix("/api") if text.startswith("/api/") else text
    if not text.startswith("/v1/"):
        raise InvalidArgument(f"path must start with /v1/ (the API's version root), got {path!r}")
    return method.upper(), text
