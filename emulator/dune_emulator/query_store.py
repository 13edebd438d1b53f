"""Saved queries: create, read, update, archive, privacy, list, and parameter binding."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .errors import ApiError, bad_request

PARAM_TYPES = {"text", "number", "datetime", "enum", "date", "list"}
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


@dataclass
class SavedQuery:
    """A saved query as the API describes it."""

    query_id: int
    name: str
    query_sql: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    is_private: bool = False
    is_archived: bool = False
    version: int = 1
    created_at: str = ""
    updated_at: str = ""

    def to_api(self, owner: str) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
            "version": self.version,
            "parameters": [dict(p) for p in self.parameters],
            "query_engine": "v2 Dune SQL",
            "query_sql": self.query_sql,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_unsaved": False,
            "owner": owner,
        }

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


_PARAM_FIELD_KINDS: dict[str, str] = {
    "description": "a string",
    "enumOptions": "a list of strings",
    "values": "a list of strings",
    "isMultiselect": "a boolean",
    "isFreeformAllowed": "a boolean",
    "enumFromResults": "an object",
}


def _check_parameter_fields(p: dict[str, Any]) -> None:
    """400 when an optional parameter field present has the wrong JSON type."""
    for name, kind in _PARAM_FIELD_KINDS.items():
        if name not in p:
            continue
        v = p[name]
        ok = {
            "a string": isinstance(v, str),
            "a list of strings": isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a boolean": isinstance(v, bool),
            "an object": isinstance(v, dict),
        }[kind]
        if not ok:
            raise bad_request(f"parameter {p['key']!r}: {name} must be {kind}")
    source = p.get("enumFromResults")
    if isinstance(source, dict):
        qid, col = source.get("queryId", 0), source.get("columnName", "")
        if not isinstance(qid, int | float) or isinstance(qid, bool) or qid != int(qid):
            raise bad_request(f"parameter {p['key']!r}: enumFromResults.queryId must be an integer")
        if not isinstance(col, str):
            raise bad_request(
                f"parameter {p['key']!r}: enumFromResults.columnName must be a string"
            )


def validate_parameters(raw: Any) -> list[dict[str, Any]]:
    """Check a `parameters` list from a create/update body; returns a clean copy."""
    if not isinstance(raw, list):
        raise bad_request("parameters must be a list of parameter objects")
    out = []
    for p in raw:
        if not isinstance(p, dict) or not isinstance(p.get("key"), str) or not p["key"]:
            raise bad_request("each parameter needs a non-empty string 'key'")
        ptype = p.get("type", "text")
        if not isinstance(ptype, str) or ptype not in PARAM_TYPES:
            raise bad_request(f"parameter {p['key']!r} has unknown type {ptype!r}")
        if ptype == "enum" and not isinstance(p.get("enumOptions"), list):
            raise bad_request(f"enum parameter {p['key']!r} needs 'enumOptions'")
        _check_parameter_fields(p)
        clean = dict(p)
        clean["type"] = ptype
        if "value" in clean and not isinstance(clean["value"], str):
            raise bad_request(f"parameter {p['key']!r}: value must be a string")
        out.append(clean)
    return out


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_stringify(v) for v in value)
    return str(value)


def bind_parameters(
    sql: str, declared: list[dict[str, Any]], provided: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """Substitute `{{name}}` placeholders. Unknown names → 400 `unknown parameters (...)`;
    values are checked against the declared type. Returns (sql, effective values)."""
    by_key = {p["key"]: p for p in declared}
    unknown = [k for k in provided if k not in by_key]
    if unknown:
        raise bad_request(f"unknown parameters ({', '.join(unknown)})")
    effective: dict[str, str] = {}
    for key, p in by_key.items():
        if key in provided:
            value = provided[key]
        elif "value" in p:
            value = p["value"]
        else:
            raise bad_request(f"missing value for parameter {key!r} (it has no default)")
        effective[key] = _check_value(key, p, value)
    return substitute(sql, effective), effective


def substitute(sql: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), sql)


def _check_value(key: str, p: dict[str, Any], value: Any) -> str:
    ptype = p.get("type", "text")
    if isinstance(value, list):
        items = [_stringify(v) for v in value]
        if ptype == "enum":
            for item in items:
                _check_enum(key, p, item)
        return "','".join(items) if ptype in ("enum", "list") else ",".join(items)
    if value is None or isinstance(value, dict):
        raise bad_request(f"invalid value for parameter {key!r}: {value!r}")
    text = _stringify(value)
    if ptype == "number":
        try:
            float(text)
        except ValueError:
            raise bad_request(f"invalid number for parameter {key!r}: {text!r}") from None
    elif ptype in ("datetime", "date"):
        try:
            datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise bad_request(
                f"invalid datetime for parameter {key!r}: {text!r} (use 'YYYY-MM-DD hh:mm:ss')"
            ) from None
    elif ptype == "enum":
        _check_enum(key, p, text)
    return text


def _check_enum(key: str, p: dict[str, Any], text: str) -> None:
    options = p.get("enumOptions") or []
    if options and text not in options and not p.get("isFreeformAllowed"):
        raise bad_request(f"invalid value for enum parameter {key!r}: {text!r}")


class QueryStore:
    """All saved queries in memory; the data dir persists them through `records()`."""

    FIRST_USER_ID = 1000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queries: dict[int, SavedQuery] = {}
        self._next_id = self.FIRST_USER_ID

    def load(self, records: list[dict[str, Any]], next_id: int | None = None) -> None:
        with self._lock:
            for rec in records:
                q = SavedQuery(**rec)
                self._queries[q.query_id] = q
            if next_id is None:
                ids = [self.FIRST_USER_ID - 1, *self._queries]
                next_id = max(ids) + 1
            self._next_id = max(next_id, self.FIRST_USER_ID)

    def replace_all(self, records: list[dict[str, Any]], now: str) -> None:
        with self._lock:
            self._queries.clear()
            self._next_id = self.FIRST_USER_ID
        for rec in records:
            rec = dict(rec)
            rec.setdefault("created_at", now)
            rec.setdefault("updated_at", now)
            self.load([rec], self.FIRST_USER_ID)  # a seeded high id (1215383) keeps ids low

    def records(self) -> tuple[list[dict[str, Any]], int]:
        with self._lock:
            return [q.to_record() for q in self._queries.values()], self._next_id

    def seed(self, body: dict[str, Any], now: str) -> SavedQuery:
        """Create or replace a query keeping the `query_id` given (fixtures); later ids
        handed out by `create` start above it."""
        query_id = body.get("query_id")
        if not isinstance(query_id, int) or isinstance(query_id, bool) or query_id <= 0:
            raise bad_request("query_id is required and must be a positive integer")
        if query_id > 2**63 - 1:
            raise bad_request("query_id must fit in 64 bits")
        name, sql = body.get("name", f"query {query_id}"), body.get("query_sql")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name must be a non-empty string")
        if not isinstance(sql, str) or not sql.strip():
            raise bad_request("query_sql is required and must be a non-empty string")
        fields = _optional_fields(body)
        if "is_archived" in body:
            if not isinstance(body["is_archived"], bool):
                raise bad_request("is_archived must be a boolean")
            fields["is_archived"] = body["is_archived"]
        with self._lock:
            q = SavedQuery(query_id, name, sql, created_at=now, updated_at=now, **fields)
            self._queries[query_id] = q
            self._next_id = max(self._next_id, query_id + 1)
            return q

    def get(self, query_id: int) -> SavedQuery:
        with self._lock:
            q = self._queries.get(query_id)
        if q is None:
            raise ApiError(404, "Query not found")
        return q

    def create(self, body: dict[str, Any], now: str) -> SavedQuery:
        name, sql = body.get("name"), body.get("query_sql")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name is required and must be a non-empty string")
        if not isinstance(sql, str) or not sql.strip():
            raise bad_request("query_sql is required and must be a non-empty string")
        fields = _optional_fields(body)
        with self._lock:
            while self._next_id in self._queries:  # skip seeded ids above FIRST_USER_ID
                self._next_id += 1
            q = SavedQuery(self._next_id, name, sql, created_at=now, updated_at=now, **fields)
            self._queries[q.query_id] = q
            self._next_id += 1
            return q

    def update(self, query_id: int, body: dict[str, Any], now: str) -> SavedQuery:
        q = self.get(query_id)
        changes: dict[str, Any] = _optional_fields(body)
        for key in ("name", "query_sql"):
            if key in body:
                if not isinstance(body[key], str) or not body[key].strip():
                    raise bad_request(f"{key} must be a non-empty string")
                changes[key] = body[key]
        if "is_archived" in body:
            if not isinstance(body["is_archived"], bool):
                raise bad_request("is_archived must be a boolean")
            changes["is_archived"] = body["is_archived"]
        with self._lock:
            if q.is_archived and changes.get("is_archived", True):
                raise ApiError(403, "Not allowed to alter this query")
            for key, value in changes.items():
                setattr(q, key, value)
            if changes:
                q.version += 1
                q.updated_at = now
            return q

    def set_flag(self, query_id: int, flag: str, value: bool, now: str) -> SavedQuery:
        q = self.get(query_id)
        with self._lock:
            if getattr(q, flag) != value:
                setattr(q, flag, value)
                q.updated_at = now
            return q

    def list(self, limit: int, offset: int) -> tuple[list[SavedQuery], int]:
        with self._lock:
            items = sorted(self._queries.values(), key=lambda q: q.query_id)
        return items[offset : offset + limit], len(items)


def _optional_fields(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "description" in body:
        if not isinstance(body["description"], str):
            raise bad_request("description must be a string")
        out["description"] = body["description"]
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_request("tags must be a list of strings")
        out["tags"] = list(tags)
    if "is_private" in body:
        if not isinstance(body["is_private"], bool):
            raise bad_request("is_private must be a boolean")
        out["is_private"] = body["is_private"]
    if "parameters" in body:
        out["parameters"] = validate_parameters(body["parameters"])
    return out
