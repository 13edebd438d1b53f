"""Fixtures for users' CI: saved queries (with their own ids), executions, uploads and
materialized views from a YAML or JSON file, seeded at start and again after each reset."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .engine import FAILED, TERMINAL, WITH_RESULT
from .errors import ApiError
from .query_store import bind_parameters
from .uploads_store import check_name, parse_schema

if TYPE_CHECKING:
    from .state import EmulatorState

#: Real seconds a seeded execution (or view refresh) may take before start-up gives up.
RUN_TIMEOUT = 120.0
_QUERY_READ_ONLY = {"owner", "query_engine", "is_unsaved", "version", "created_at", "updated_at"}
#: section → (required keys, optional keys)
SECTIONS: dict[str, tuple[set[str], set[str]]] = {
    "queries": (
        {"query_id", "query_sql"},
        {"name", "description", "tags", "parameters", "is_private", "is_archived"}
        | _QUERY_READ_ONLY,
    ),
    "executions": ({"query_id"}, {"query_parameters", "performance"}),
    "uploads": ({"table_name"}, {"namespace", "schema", "rows", "description", "is_private"}),
    "matviews": (
        {"name", "query_id"},
        {"is_private", "performance", "cron_expression", "expires_at"},
    ),
}


class FixtureError(ValueError):
    """A fixtures file that cannot be read or seeded; the message names file, entry and cause."""


@dataclass(frozen=True)
class Fixtures:
    """The parsed file: each section a list of entries (plain dicts), in file order."""

    source: str
    queries: list[dict[str, Any]]
    executions: list[dict[str, Any]]
    uploads: list[dict[str, Any]]
    matviews: list[dict[str, Any]]

    def error(self, section: str, index: int, message: str) -> FixtureError:
        entry = getattr(self, section)[index]
        label = ""
        for key in ("query_id", "table_name", "name"):
            if isinstance(entry.get(key), str | int):
                label = f" ({key} {entry[key]})"
                break
        return FixtureError(f"{self.source}: {section}[{index}]{label}: {message}")


def load_fixtures(path: Path | str) -> Fixtures:
    """Read and check the shape of a fixtures file (`.json`, else YAML, a superset of JSON)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{source}: cannot read the fixtures file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FixtureError(f"{source}: the fixtures file is not UTF-8 text") from None
    raw = _parse(source, text)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise FixtureError(
            f"{source}: the top level must be a mapping with the sections "
            f"{', '.join(SECTIONS)}; got {type(raw).__name__}"
        )
    unknown = sorted(str(k) for k in raw if k not in SECTIONS)
    if unknown:
        raise FixtureError(
            f"{source}: unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}"
        )
    sections: dict[str, list[dict[str, Any]]] = {}
    for section, (required, optional) in SECTIONS.items():
        entries = raw.get(section) or []
        if not isinstance(entries, list):
            raise FixtureError(f"{source}: {section} must be a list of entries")
        for i, entry in enumerate(entries):
            where = f"{source}: {section}[{i}]"
            if not isinstance(entry, dict):
                raise FixtureError(f"{where}: each entry must be a mapping, got {entry!r}")
            missing = sorted(required - set(entry))
            if missing:
                raise FixtureError(f"{where}: missing required key(s) {', '.join(missing)}")
            extra = sorted(str(k) for k in entry if k not in required | optional)
            if extra:
                known = ", ".join(sorted(required | optional))
                raise FixtureError(f"{where}: unknown key(s) {', '.join(extra)}; known: {known}")
        sections[section] = entries
    fx = Fixtures(source, **sections)
    for i, up in enumerate(fx.uploads):
        rows = up.get("rows")
        if rows is not None and not _rows_ok(rows):
            raise fx.error("uploads", i, "rows must be CSV text or a list of mappings")
        if "schema" not in up and not isinstance(rows, str):
            raise fx.error(
                "uploads", i, "without a schema, rows must be CSV text (types are inferred)"
            )
    return fx


def _parse(source: str, text: str) -> Any:
    if source.lower().endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FixtureError(
                f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    try:
        import yaml
    except ImportError:
        raise FixtureError(
            f"{source}: YAML fixtures need PyYAML (pip install pyyaml), or use a .json file"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixtureError(f"{source}: invalid YAML{where}: {problem}") from None


def _rows_ok(rows: Any) -> bool:
    return isinstance(rows, str) or (
        isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    )


def apply_fixtures(state: EmulatorState, fx: Fixtures) -> None:
    """Seed queries, then uploads, then views (waiting for their refreshes), then run the
    executions in order, each to its end, so the last one is each query's latest result."""
    now = state.now_text()
    for i, body in enumerate(fx.queries):
        clean = {k: v for k, v in body.items() if k not in _QUERY_READ_ONLY}
        try:
            state.queries.seed(clean, now)
        except ApiError as exc:
            raise fx.error("queries", i, exc.message) from None
    for i, body in enumerate(fx.uploads):
        try:
            _seed_upload(state, body)
        except ApiError as exc:
            raise fx.error("uploads", i, exc.message) from None
    for i, body in enumerate(fx.matviews):
        try:
            _view, ex = state.matviews.upsert(dict(body))
        except ApiError as exc:
            raise fx.error("matviews", i, exc.message) from None
        _wait(state, ex.execution_id, partial(fx.error, "matviews", i))
    for i, body in enumerate(fx.executions):
        try:
            execution_id = _submit(state, body)
        except ApiError as exc:
            raise fx.error("executions", i, exc.message) from None
        _wait(state, execution_id, partial(fx.error, "executions", i))
    state.save()


def _seed_upload(state: EmulatorState, body: dict[str, Any]) -> None:
    owner = state.config.owner_handle
    namespace = check_name(body.get("namespace", owner), "namespace")
    table_name = check_name(body.get("table_name"), "table_name")
    description = body.get("description", "")
    private = body.get("is_private", False)
    if not isinstance(description, str):
        raise ApiError(400, "description must be a string")
    if not isinstance(private, bool):
        raise ApiError(400, "is_private must be true or false")
    rows = body.get("rows")
    if "schema" not in body:  # as the CSV upload API: dune.<owner>.dataset_<name>, inferred
        if namespace != owner:
            raise ApiError(400, f"a CSV upload (no schema) lands in the owner's namespace {owner}")
        state.uploads.upload_csv(table_name, str(rows), description, private)
        return
    columns = parse_schema(body["schema"])
    if state.uploads.find(namespace, table_name) is not None:
        state.uploads.delete(namespace, table_name)
    state.uploads.create(namespace, table_name, columns, description, private)
    if isinstance(rows, str):
        data = rows if rows.endswith("\n") else rows + "\n"
        state.uploads.insert(namespace, table_name, data.encode(), "text/csv")
    elif rows:
        ndjson = b"".join(orjson.dumps(r) + b"\n" for r in rows)
        state.uploads.insert(namespace, table_name, ndjson, "application/x-ndjson")


def _submit(state: EmulatorState, body: dict[str, Any]) -> str:
    query_id = body["query_id"]
    if not isinstance(query_id, int) or isinstance(query_id, bool):
        raise ApiError(400, "query_id must be an integer")
    provided = body.get("query_parameters") or {}
    if not isinstance(provided, dict):
        raise ApiError(400, "query_parameters must be a mapping of parameter key to value")
    performance = body.get("performance", "medium")
    if performance not in ("medium", "large"):
        raise ApiError(400, f"invalid performance {performance!r}: use 'medium' or 'large'")
    query = state.queries.get(query_id)
    if query.is_archived:
        raise ApiError(400, "the query is archived, so it cannot be executed")
    sql, effective = bind_parameters(query.query_sql, query.parameters, provided)
    return state.engine.submit(query_id, sql, effective, performance).execution_id


def _wait(state: EmulatorState, execution_id: str, error: Callable[[str], FixtureError]) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    engine = state.engine
    while True:
        ex = engine.get(execution_id)
        assert ex is not None
        st = engine.state_of(ex, engine.now_ns())
        if st in TERMINAL:
            break
        if time.monotonic() > deadline:
            raise error(f"still {st} after {RUN_TIMEOUT:.0f} s")
        time.sleep(0.01)
    if st == FAILED:
        message = (ex.error or {}).get("message", "failed")
        raise error(f"the execution failed: {message}")
    if st not in WITH_RESULT:
        raise error(f"the execution ended {st}")
