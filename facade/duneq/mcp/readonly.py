"""What read-only ``duneq mcp`` lets run: SQL classified by parsing it (sqlglot, Trino dialect),
never by pattern, and saved-query parameters checked against their declared types.

Allowed is exactly one statement of the kinds SELECT, WITH ... SELECT, VALUES, SHOW, DESCRIBE or
EXPLAIN (of one of those, ANALYZE included); anything else, and anything that does not parse,
is refused. A query that reads but contains a write (a CTE ``DELETE``, ``SELECT ... INTO``, a
row lock, a pass-through ``query(...)`` table function) is refused as well."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokenizer_core import Token, TokenType

_TRINO = Dialect.get_or_raise("trino")

#: The kinds a refusal names as allowed.
ALLOWED = "one SELECT, WITH ... SELECT, VALUES, SHOW, DESCRIBE or EXPLAIN statement"

#: First tokens of the statements handed to the parser (SHOW and EXPLAIN are handled here:
#: sqlglot keeps them as opaque commands).
_QUERY_STARTS = {
    TokenType.SELECT,
    TokenType.WITH,
    TokenType.VALUES,
    TokenType.DESCRIBE,
    TokenType.L_PAREN,
}
#: What may follow SHOW in Trino (all of them read the catalog or the session).
_SHOW_KINDS = {
    "catalogs",
    "schemas",
    "tables",
    "columns",
    "create",
    "functions",
    "session",
    "stats",
    "grants",
    "roles",
    "role",
    "current",
    "branches",
}
#: Nodes that write, change the session or run other SQL, wherever they sit in a query.
_WRITE_NODES: tuple[type, ...] = (
    exp.DML,
    exp.DDL,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Into,
    exp.Set,
    exp.Pragma,
    exp.Use,
    exp.Grant,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Lock,
)
#: Table functions that run the SQL text they are given (Trino's ``system.query`` pass-through).
_PASS_THROUGH = {"query", "raw_query"}
_EXPLAIN_OPTIONS = re.compile(r"^\s*(?:analyze\s+)?(?:verbose\s+)?(?:\([^()';\"]*\)\s*)?", re.I)


@dataclass(frozen=True)
class Refusal:
    """Why a SQL text may not run read-only; ``unparsed`` when it did not parse at all."""

    reason: str
    unparsed: bool = False


def read_only_refusal(sql: str) -> Refusal | None:
    """None when ``sql`` is one statement of an allowed kind, else why it is refused."""
    try:
        tokens = _TRINO.tokenize(sql)
    except SqlglotError as exc:
        return _unparsed(exc)
    statements = _statements(tokens)
    if not statements:
        return Refusal("it contains no SQL statement")
    if len(statements) > 1:
        return Refusal(f"it contains {len(statements)} statements")
    first = statements[0][0]
    word = first.text.lower()
    if first.token_type == TokenType.SHOW:
        return _show(sql[first.end + 1 :])
    if first.token_type == TokenType.COMMAND and word == "explain":
        return _explain(sql[first.end + 1 :])
    if first.token_type not in _QUERY_STARTS:
        return Refusal(f"the statement is `{_leading_words(statements[0])}`")
    try:
        parsed = [s for s in sqlglot.parse(sql, read=_TRINO) if s is not None]
    except SqlglotError as exc:
        return _unparsed(exc)
    if len(parsed) != 1:
        return Refusal(f"it contains {len(parsed)} statements")
    return _query(parsed[0])


def _unparsed(exc: SqlglotError) -> Refusal:
    errors = getattr(exc, "errors", None) or []
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        where = (
            f" at line {first.get('line')}, column {first.get('col')}" if "line" in first else ""
        )
        detail = f"{str(first.get('description') or 'syntax error').split('. ')[0]}{where}"
    else:
        detail = re.sub(r"\x1b\[[0-9;]*m", "", " ".join(str(exc).split()))[:120]
    return Refusal(f"it does not parse as DuneSQL ({detail.rstrip('.')})", unparsed=True)


def _statements(tokens: Sequence[Token]) -> list[list[Token]]:
    """Tokens split at semicolons, without empty statements."""
    out: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            out.append([])
        else:
            out[-1].append(token)
    return [s for s in out if s]


def _leading_words(tokens: Sequence[Token]) -> str:
    """The statement's first keywords (``delete from``, ``create table``), for a refusal."""
    words = []
    for token in tokens[:3]:
        if token.token_type in (TokenType.STRING, TokenType.NUMBER, TokenType.L_PAREN):
            break
        words.append(token.text.lower())
        if token.token_type == TokenType.VAR and len(words) > 1:
            words.pop()
            break
    return " ".join(words) or tokens[0].text.lower()


def _show(rest: str) -> Refusal | None:
    try:
        tokens = _TRINO.tokenize(rest)
    except SqlglotError as exc:
        return _unparsed(exc)
    statements = _statements(tokens)
    if len(statements) != 1:
        return Refusal("it contains more than one statement" if statements else "SHOW what?")
    kind = statements[0][0].text.lower()
    if kind not in _SHOW_KINDS:
        return Refusal(f"the statement is `show {kind}`, not a Trino SHOW")
    return None


def _explain(rest: str) -> Refusal | None:
    """EXPLAIN [ANALYZE] [VERBOSE] [(options)] of a statement that itself may run."""
    inner = rest[_EXPLAIN_OPTIONS.match(rest).end() :]  # type: ignore[union-attr]
    refusal = read_only_refusal(inner)
    if refusal is None:
        return None
    reason = refusal.reason.removeprefix("it ").replace("the statement is", "it is", 1)
    return Refusal(f"it explains a statement that may not run ({reason})", refusal.unparsed)


def _query(root: exp.Expr) -> Refusal | None:
    if not isinstance(root, exp.Query | exp.Values | exp.Describe):
        return Refusal(f"the statement is `{root.key}`")
    for node in root.walk():
        if isinstance(node, _WRITE_NODES):
            return Refusal(f"it contains `{_node_name(node)}`")
        if isinstance(node, exp.Select) and node.args.get("locks"):
            return Refusal("it locks rows (`for update`)")
        if isinstance(node, exp.Func) and _function_name(node) in _PASS_THROUGH:
            return Refusal(f"it calls `{_function_name(node)}(...)`, which runs other SQL")
    return None


def _node_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Create | exp.Drop):
        kind = str(node.args.get("kind") or "").lower()
        return f"{node.key} {kind}".strip()
    if isinstance(node, exp.Into):
        return "select ... into"
    names = {"truncatetable": "truncate", "insert": "insert into", "delete": "delete from"}
    return names.get(node.key, node.key)


def _function_name(node: exp.Func) -> str:
    name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    return str(name).lower().rsplit(".", 1)[-1]


# -------------------------------------------------------------------------------- parameters

_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


class ParameterError(ValueError):
    """A parameter value does not fit the saved query's declared parameter; says which."""


def check_parameters(
    query_id: int, declared: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, str]:
    """Each value checked against its declared type (a number numeric, a datetime a datetime,
    an enum one of its options); returns every declared parameter's text as Dune renders it
    (the caller's value, else the default)."""
    by_key = {str(p.get("key") or p.get("name") or ""): p for p in declared}
    unknown = sorted(set(params) - set(by_key))
    if unknown:
        known = ", ".join(sorted(by_key)) or "none"
        raise ParameterError(
            f"query {query_id} has no parameter {', '.join(map(repr, unknown))} "
            f"(its parameters: {known})"
        )
    rendered: dict[str, str] = {}
    for key, p in by_key.items():
        if key in params:
            rendered[key] = _checked(query_id, key, p, params[key])
        elif isinstance(p.get("value"), str):
            rendered[key] = str(p["value"])
    return rendered


def _checked(query_id: int, key: str, p: Mapping[str, Any], value: object) -> str:
    kind = str(p.get("type") or "text").lower()
    where = f"parameter {key!r} of query {query_id} is a {kind}"
    if isinstance(value, list | tuple):
        if kind != "enum" or not p.get("isMultiselect"):
            raise ParameterError(f"{where} and takes one value, not a list")
        return "','".join(_enum(where, p, item) for item in value)
    if kind == "number":
        if isinstance(value, bool):
            raise ParameterError(f"{where}, got {value!r}")
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise ParameterError(f"{where} and needs a finite number, got {value!r}")
            return repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            return value.strip()
        raise ParameterError(f"{where} and needs a number, got {value!r}")
    if kind in ("datetime", "date"):
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.strip().replace(" ", "T", 1))
                return value.strip()
            except ValueError:
                pass
        raise ParameterError(f"{where} and needs 'YYYY-MM-DD hh:mm:ss', got {value!r}")
    if kind == "enum":
        return _enum(where, p, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _enum(where: str, p: Mapping[str, Any], value: object) -> str:
    text = "true" if value is True else "false" if value is False else str(value)
    options = [str(o) for o in p.get("enumOptions") or []]
    if options and text not in options and not p.get("isFreeformAllowed"):
        raise ParameterError(f"{where} and needs one of {options}, got {value!r}")
    return text


def render(sql: str, values: Mapping[str, str]) -> str:
    """The SQL Dune runs: each ``{{name}}`` replaced by its parameter's text, as Dune does."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), sql)
