"""Split a JSON results page into its small envelope (decoded) and its rows (left as raw JSON).

The envelope (state, metadata, next_offset) is read without building a Python object per row,
so a page can be kept as compact bytes and its rows decoded with orjson only when they are used.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

from ._types import Row

UNSET: Any = msgspec.UNSET


class _ResultPart(msgspec.Struct):
    rows: msgspec.Raw = UNSET
    metadata: Any = UNSET


class _PagePart(msgspec.Struct):
    execution_id: Any = UNSET
    query_id: Any = UNSET
    state: Any = UNSET
    is_execution_finished: Any = UNSET
    queue_position: Any = UNSET
    submitted_at: Any = UNSET
    expires_at: Any = UNSET
    execution_started_at: Any = UNSET
    execution_ended_at: Any = UNSET
    cancelled_at: Any = UNSET
    execution_cost_credits: Any = UNSET
    max_inflight_interactive_executions: Any = UNSET
    max_inflight_interactive_reached: Any = UNSET
    error: Any = UNSET
    result: _ResultPart | None = UNSET
    next_offset: Any = UNSET
    next_uri: Any = UNSET


_DECODER = msgspec.json.Decoder(_PagePart)


class PageFormatError(ValueError):
    """The page is not a JSON object of the results shape (the caller names the request)."""


def split_page(content: bytes) -> tuple[dict[str, Any], msgspec.Raw | None]:
    """The envelope as a dict (``result`` holds only ``metadata``) and the raw ``rows`` array,
    or None when the page has no rows array (``rows`` null or absent)."""
    try:
        part = _DECODER.decode(content)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise PageFormatError(str(exc)) from None
    envelope = {
        name: value
        for name in part.__struct_fields__
        if name != "result" and (value := getattr(part, name)) is not UNSET
    }
    raw: msgspec.Raw | None = None
    if part.result is not UNSET and part.result is not None:
        result: dict[str, Any] = {}
        if part.result.metadata is not UNSET:
            result["metadata"] = part.result.metadata
        envelope["result"] = result
        rows = part.result.rows
        if rows is not UNSET and bytes(memoryview(rows)[:4]) != b"null":
            raw = rows
    elif part.result is None:
        envelope["result"] = None
    return envelope, raw


def decode_rows(raw: msgspec.Raw | None) -> list[Row]:
    """The rows of a raw ``rows`` array, decoded with orjson."""
    if raw is None:
        return []
    try:
        rows = orjson.loads(memoryview(raw))
    except orjson.JSONDecodeError as exc:
        raise PageFormatError(f"result.rows is not valid JSON ({exc})") from None
    if not isinstance(rows, list):
        raise PageFormatError(f"result.rows is not a list but {type(rows).__name__}")
    return rows
