"""Safe parsing of the results `filters` and `sort_by` parameters into parameterized DuckDB SQL.

Supported: `col op value` (=, !=, <>, <, <=, >, >=), AND/OR, parentheses, IN (...), LIKE,
IS [NOT] NULL; string or number literals only; double-quoted identifiers. NOT IN/NOT LIKE
(and any other NOT) are rejected, as on Dune. Values are always bound as parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dune_types import json_value_sql, quote_ident


class FilterError(ValueError):
    """A filters/sort_by string that cannot be accepted; the message says why."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<qid>"(?:[^"]|"")+")
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.$]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "IN", "LIKE", "IS", "NOT", "NULL"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"unexpected character {text[pos:].strip()[:1]!r} at position {pos}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            tokens.append(Token("kw", value.upper()))
        else:
            tokens.append(Token(kind, value))
        pos = m.end()
    return tokens


def _ident(tok: Token) -> str:
    if tok.kind == "qid":
        return tok.text[1:-1].replace('""', '"')
    if tok.kind == "word":
        return tok.text
    raise FilterError(f"expected a column name, got {tok.text!r}")


class _Parser:
    def __init__(self, text: str, columns: dict[str, str]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.columns = columns
        self.params: list[object] = []

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise FilterError(f"filters ended early: expected {what}")
        self.i += 1
        return tok

    def accept_kw(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "kw" and tok.text == word:
            self.i += 1
            return True
        return False

    def parse(self) -> str:
        if not self.tokens:
            raise FilterError("filters is empty")
        sql = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise FilterError(f"unexpected {tok.text!r} in filters")
        return sql

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.accept_kw("OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.atom()]
        while self.accept_kw("AND"):
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def atom(self) -> str:
        tok = self.next("a condition")
        if tok.kind == "punct" and tok.text == "(":
            inner = self.or_expr()
            close = self.next("')'")
            if close.text != ")":
                raise FilterError(f"expected ')', got {close.text!r}")
            return f"({inner})"
        if tok.kind == "kw" and tok.text == "NOT":
            raise FilterError("NOT is not supported in filters")
        name = _ident(tok)
        if name not in self.columns:
            raise FilterError(f"unknown column {name!r} in filters")
        ctype = self.columns[name]
        col = quote_ident(name)
        op = self.next("an operator")
        if op.kind == "kw" and op.text == "NOT":
            raise FilterError("NOT IN / NOT LIKE are not supported in filters")
        if op.kind == "op":
            sql_op = "<>" if op.text == "!=" else op.text
            return f"{col} {sql_op} {self.value(ctype)}"
        if op.kind == "kw" and op.text == "IN":
            if self.next("'('").text != "(":
                raise FilterError("IN must be followed by a parenthesised list")
            items = [self.value(ctype)]
            while True:
                sep = self.next("',' or ')'")
                if sep.text == ")":
                    break
                if sep.text != ",":
                    raise FilterError(f"expected ',' or ')' in IN list, got {sep.text!r}")
                items.append(self.value(ctype))
            return f"{col} IN ({', '.join(items)})"
        if op.kind == "kw" and op.text == "LIKE":
            pattern = self.next("a pattern")
            if pattern.kind != "str":
                raise FilterError("LIKE needs a string pattern")
            self.params.append(pattern.text[1:-1].replace("''", "'"))
            return f"CAST({json_value_sql(name, ctype)} AS VARCHAR) LIKE ?"
        if op.kind == "kw" and op.text == "IS":
            negate = self.accept_kw("NOT")
            if not self.accept_kw("NULL"):
                raise FilterError("IS must be followed by NULL or NOT NULL")
            return f"{col} IS {'NOT ' if negate else ''}NULL"
        raise FilterError(f"expected an operator after {name!r}, got {op.text!r}")

    def value(self, ctype: str) -> str:
        tok = self.next("a value")
        if tok.kind == "str":
            text = tok.text[1:-1].replace("''", "'")
            if ctype == "BLOB":
                hexpart = text[2:] if text.lower().startswith("0x") else text
                try:
                    self.params.append(bytes.fromhex(hexpart))
                except ValueError:
                    raise FilterError(f"{text!r} is not a 0x hex value") from None
                return "?"
            self.params.append(text)
        elif tok.kind == "num":
            self.params.append(tok.text)
        else:
            raise FilterError(
                f"expected a string or number literal, got {tok.text!r} (functions are not allowed)"
            )
        if ctype in ("BLOB",):
            return "?"
        return f"CAST(? AS {ctype})"


def parse_filters(text: str, columns: dict[str, str]) -> tuple[str, list[object]]:
    """`filters` → (DuckDB WHERE clause with `?` placeholders, parameters)."""
    parser = _Parser(text, columns)
    return parser.parse(), parser.params


def parse_sort_by(text: str, columns: dict[str, str]) -> str:
    """`sort_by` (`col [asc|desc], ...`) → DuckDB ORDER BY list with quoted identifiers."""
    tokens = tokenize(text)
    if not tokens:
        raise FilterError("sort_by is empty")
    parts: list[str] = []
    i = 0
    while i < len(tokens):
        name = _ident(tokens[i])
        if name not in columns:
            raise FilterError(f"unknown column {name!r} in sort_by")
        i += 1
        direction = "ASC"
        if (
            i < len(tokens)
            and tokens[i].kind == "word"
            and tokens[i].text.upper() in ("ASC", "DESC")
        ):
            direction = tokens[i].text.upper()
            i += 1
        parts.append(f"{quote_ident(name)} {direction}")
        if i < len(tokens):
            if tokens[i].text != ",":
                raise FilterError(f"unexpected {tokens[i].text!r} in sort_by")
            i += 1
            if i == len(tokens):
                raise FilterError("sort_by ends with a comma")
    return ", ".join(parts)
