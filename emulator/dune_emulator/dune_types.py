"""Dune's column types on top of DuckDB: their names, and SQL that renders values as Dune does.

A *storage type* is a DuckDB type string in which a BIGNUM may be spelled `UINT256` or `INT256`
(both registered as DuckDB types over BIGNUM), because DuckDB forgets type aliases and Dune
reports the two differently. Everything here is vectorised SQL: no value passes through Python.

Wire forms (JSON value / CSV field): integers and booleans as numbers / text; uint256, int256 and
decimals as strings of digits; varbinary `0x` lowercase hex; timestamps
`2024-01-02 03:04:05.678 UTC`; dates `2024-01-02T00:00:00Z`; non-finite doubles "NaN",
"Infinity", "-Infinity"; arrays and maps as JSON, rows as positional JSON arrays; json as its
text; NULL as null / an empty field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

#: Names of the types registered by `register_dune_types` (DuckDB aliases of BIGNUM).
SIGNED_256 = "INT256"
UNSIGNED_256 = "UINT256"
_BIG = frozenset({"BIGNUM", "VARINT", "UHUGEINT", SIGNED_256, UNSIGNED_256})

_SIMPLE = {
    "VARCHAR": "varchar",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "UBIGINT": "decimal(20,0)",
    "UINTEGER": "bigint",
    "USMALLINT": "integer",
    "UTINYINT": "smallint",
    "HUGEINT": "bigint",
    "UHUGEINT": "uint256",
    "BIGNUM": "uint256",
    "VARINT": "uint256",
    UNSIGNED_256: "uint256",
    SIGNED_256: "int256",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamp(3) with time zone",
    "TIMESTAMP": "timestamp(3)",
    "TIMESTAMP_MS": "timestamp(3)",
    "TIMESTAMP_NS": "timestamp(3)",
    "TIMESTAMP_S": "timestamp(3)",
    "DATE": "date",
    "TIME": "time(3)",
    "INTERVAL": "interval day to second",
    "BLOB": "varbinary",
    "UUID": "uuid",
    "JSON": "json",
    "NULL": "unknown",
}
_INTEGERS = frozenset(
    {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT"}
)
_FLOATS = frozenset({"DOUBLE", "FLOAT"})
_TS_FORMAT = "'%Y-%m-%d %H:%M:%S.%g'"


def register_dune_types(con: duckdb.DuckDBPyConnection) -> None:
    """Create the DuneSQL names DuckDB lacks: the uint256/int256 types and nan()/infinity()."""
    for name in (UNSIGNED_256, SIGNED_256):
        con.execute(f"CREATE TYPE IF NOT EXISTS {name} AS BIGNUM")
    con.execute("CREATE OR REPLACE MACRO nan() AS CAST('nan' AS DOUBLE)")
    con.execute("CREATE OR REPLACE MACRO infinity() AS CAST('inf' AS DOUBLE)")


# -- parsing DuckDB type strings ---------------------------------------------------------------


@dataclass(frozen=True)
class TypeNode:
    """A parsed storage type: a leaf (`name`), a list, a struct (`fields`) or a map."""

    kind: str  # "leaf" | "list" | "struct" | "map"
    name: str = ""
    children: tuple[TypeNode, ...] = ()
    fields: tuple[str, ...] = ()

    def storage(self) -> str:
        """The DuckDB type string (with the 256-bit markers), accepted by CAST."""
        if self.kind == "list":
            return self.children[0].storage() + "[]"
        if self.kind == "map":
            return f"MAP({self.children[0].storage()}, {self.children[1].storage()})"
        if self.kind == "struct":
            inner = ", ".join(
                f"{quote_ident(f)} {c.storage()}"
                for f, c in zip(self.fields, self.children, strict=True)
            )
            return f"STRUCT({inner})"
        return '"NULL"' if self.name == "NULL" else self.name

    def dune(self) -> str:
        """Dune's (Trino's display) name, e.g. `array(uint256)` or `row(a bigint, b varchar)`."""
        if self.kind == "list":
            return f"array({self.children[0].dune()})"
        if self.kind == "map":
            return f"map({self.children[0].dune()}, {self.children[1].dune()})"
        if self.kind == "struct":
            if all(re.fullmatch(r"_?\d*", f) for f in self.fields):
                return "row(" + ", ".join(c.dune() for c in self.children) + ")"
            pairs = zip(self.fields, self.children, strict=True)
            return "row(" + ", ".join(f"{f} {c.dune()}" for f, c in pairs) + ")"
        if self.name in _SIMPLE:
            return _SIMPLE[self.name]
        m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", self.name)
        if m:
            return f"decimal({m.group(1)},{m.group(2)})"
        if self.name.startswith("ENUM"):
            return "varchar"
        return self.name.lower()

    def with_big(self, name: str) -> TypeNode:
        """This type with every 256-bit leaf renamed to `name` (INT256 or UINT256)."""
        if self.kind == "leaf":
            return TypeNode("leaf", name) if self.name in _BIG - {"UHUGEINT"} else self
        kids = tuple(c.with_big(name) for c in self.children)
        return TypeNode(self.kind, self.name, kids, self.fields)

    @property
    def has_big(self) -> bool:
        if self.kind == "leaf":
            return self.name in _BIG - {"UHUGEINT"}
        return any(c.has_big for c in self.children)


_TOKEN = re.compile(r'\s*("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+|[()\[\],])')
_MULTI = {"TIMESTAMP", "TIMESTAMP WITH", "TIMESTAMP WITH TIME", "TIME", "TIME WITH"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks: list[str] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                if text[pos:].strip():
                    raise ValueError(f"cannot parse type {text!r}")
                break
            self.toks.append(m.group(1))
            pos = m.end()
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i] if self.i < len(self.toks) else ""

    def take(self) -> str:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        if self.take() != tok:
            raise ValueError(f"expected {tok!r} in type")

    def skip_parens(self) -> str:
        """Consume a parenthesised group, returning its tokens joined (for opaque leaves)."""
        depth, out = 0, []
        while True:
            tok = self.take()
            if not tok:
                raise ValueError("unbalanced parentheses in type")
            out.append(tok)
            depth += tok == "("
            depth -= tok == ")"
            if depth == 0:
                return "".join(out)

    def node(self) -> TypeNode:
        word = self.take()
        head = word.upper()
        if head == "STRUCT" and self.peek() == "(":
            self.take()
            names: list[str] = []
            kids: list[TypeNode] = []
            while True:
                names.append(unquote_ident(self.take()))
                kids.append(self.node())
                if self.take() == ")":
                    break
            node = TypeNode("struct", children=tuple(kids), fields=tuple(names))
        elif head == "MAP" and self.peek() == "(":
            self.take()
            key = self.node()
            self.expect(",")
            value = self.node()
            self.expect(")")
            node = TypeNode("map", children=(key, value))
        elif head in ("DECIMAL", "NUMERIC") and self.peek() == "(":
            self.take()
            p = self.take()
            s = "0"
            if self.take() == ",":
                s = self.take()
                self.expect(")")
            node = TypeNode("leaf", f"DECIMAL({p},{s})")
        else:
            name = unquote_ident(word).upper() if word.startswith('"') else head
            while name in _MULTI and self.peek().upper() in ("WITH", "TIME", "ZONE"):
                name += " " + self.take().upper()
            if self.peek() == "(":
                name += self.skip_parens()
            node = TypeNode("leaf", name)
        while self.peek() == "[":
            self.take()
            if self.peek() != "]":
                self.take()
            self.expect("]")
            node = TypeNode("list", children=(node,))
        return node


def parse_type(text: str) -> TypeNode:
    """Parse a DuckDB type string such as `STRUCT(a BIGINT, "b c" DOUBLE[])`."""
    try:
        parser = _Parser(text.strip())
        node = parser.node()
        if parser.peek():
            raise ValueError(f"trailing text in type {text!r}")
        return node
    except (ValueError, IndexError):
        return TypeNode("leaf", text.strip().upper())


def dune_type(duckdb_type: str) -> str:
    """Dune's name for a storage type string such as `DECIMAL(18,3)` or `INT256[]`."""
    return parse_type(duckdb_type).dune()


# -- value rendering ---------------------------------------------------------------------------


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unquote_ident(tok: str) -> str:
    if len(tok) >= 2 and tok[0] == tok[-1] == '"':
        return tok[1:-1].replace('""', '"')
    return tok


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text_leaf(x: str, name: str) -> str | None:
    """SQL giving the text of a leaf value that Dune sends as a string, or None if not one."""
    if name.startswith("DECIMAL"):  # DuckDB writes decimal(2,2) 0.14 as ".14"
        return f"regexp_replace(CAST({x} AS VARCHAR), '^(-?)\\.', '\\10.')"
    if name in _BIG or name == "UBIGINT":
        return f"CAST({x} AS VARCHAR)"
    if name == "BLOB":
        return f"('0x' || lower(hex({x})))"
    if name == "TIMESTAMP WITH TIME ZONE":
        return f"(strftime(({x}) AT TIME ZONE 'UTC', {_TS_FORMAT}) || ' UTC')"
    if name.startswith("TIMESTAMP"):
        return f"strftime(CAST({x} AS TIMESTAMP), {_TS_FORMAT})"
    if name == "DATE":
        return f"strftime({x}, '%Y-%m-%dT00:00:00Z')"
    if name in _INTEGERS or name in _FLOATS or name == "BOOLEAN" or name == "NULL":
        return None
    return f"CAST({x} AS VARCHAR)"  # varchar, json (its text), time, interval, uuid, enum


def _float_json(x: str, name: str) -> str:
    finite = f"CAST(CAST({x} AS VARCHAR) AS JSON)" if name == "FLOAT" else f"CAST({x} AS JSON)"
    return (
        f"CASE WHEN isfinite({x}) THEN {finite} WHEN isnan({x}) THEN '\"NaN\"'::JSON "
        f"WHEN {x} > 0 THEN '\"Infinity\"'::JSON WHEN {x} < 0 THEN '\"-Infinity\"'::JSON END"
    )


def _json(x: str, t: TypeNode, depth: int, top: bool) -> str:
    """SQL for the JSON value of `x`; typed JSON unless `top` (json_object takes plain values)."""
    if t.kind == "list":
        v = f"e{depth}"
        inner = _json(v, t.children[0], depth + 1, False)
        return f"to_json(list_transform({x}, lambda {v}: {inner}))"
    if t.kind == "struct":
        items = ", ".join(
            _json(f"struct_extract({x}, {quote_literal(f)})", c, depth + 1, False)
            for f, c in zip(t.fields, t.children, strict=True)
        )
        return f"CASE WHEN {x} IS NOT NULL THEN json_array({items}) END"
    if t.kind == "map":
        v = f"e{depth}"
        key = _csv_text(f"{v}.key", t.children[0], depth + 1)
        val = _json(f"{v}.value", t.children[1], depth + 1, False)
        return (
            f"CASE WHEN {x} IS NOT NULL THEN to_json(map_from_entries("
            f"list_transform(map_entries({x}), lambda {v}: ({key}, {val})))) END"
        )
    if t.name in _FLOATS:
        return _float_json(x, t.name)
    if t.name == "NULL":
        return "CAST(NULL AS JSON)" if not top else "NULL"
    text = _text_leaf(x, t.name)
    if text is not None:
        return text if top else f"to_json({text})"
    return x if top else f"CAST({x} AS JSON)"


def _csv_text(x: str, t: TypeNode, depth: int) -> str:
    """SQL for the unquoted CSV text of `x` (NULL stays NULL)."""
    if t.kind != "leaf":
        return f"CAST({_json(x, t, depth, False)} AS VARCHAR)"
    if t.name in _FLOATS:
        return (
            f"CASE WHEN isfinite({x}) THEN CAST({x} AS VARCHAR) WHEN isnan({x}) THEN 'NaN' "
            f"WHEN {x} > 0 THEN 'Infinity' WHEN {x} < 0 THEN '-Infinity' END"
        )
    return _text_leaf(x, t.name) or f"CAST({x} AS VARCHAR)"


def json_value_sql(column: str, duckdb_type: str) -> str:
    """SQL giving the JSON-ready value of `column` (a value json_object encodes as Dune does)."""
    return _json(quote_ident(column), parse_type(duckdb_type), 0, True)


def csv_value_sql(column: str, duckdb_type: str) -> str:
    """SQL giving the CSV field text of `column`, quoted as RFC 4180 when needed; NULL → empty."""
    text = _csv_text(quote_ident(column), parse_type(duckdb_type), 0)
    quoted = (
        f"CASE WHEN regexp_matches({text}, '[\",\\n\\r]') "
        f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END"
    )
    return f"coalesce({quoted}, '')"


def json_row_sql(columns: list[tuple[str, str]]) -> str:
    """SQL expression giving one row as a JSON object text followed by a comma."""
    if not columns:
        return "'{},'"
    parts = ", ".join(f"{quote_literal(name)}, {json_value_sql(name, t)}" for name, t in columns)
    return f"(CAST(json_object({parts}) AS VARCHAR) || ',')"


def csv_row_sql(columns: list[tuple[str, str]]) -> str:
    """SQL expression giving one CSV line (with its trailing newline)."""
    if not columns:
        return "chr(10)"
    fields = " || ',' || ".join(csv_value_sql(name, t) for name, t in columns)
    return f"({fields} || chr(10))"


def csv_header(names: list[str]) -> bytes:
    out = []
    for n in names:
        if any(ch in n for ch in ',"\n\r'):
            n = '"' + n.replace('"', '""') + '"'
        out.append(n)
    return (",".join(out) + "\n").encode()
