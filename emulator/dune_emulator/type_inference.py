"""Tell int256 from uint256 in a result, since DuckDB stores both as BIGNUM and forgets aliases.

The rule follows DuneSQL's: int256 is the bigger type, so an output column is int256 when its
expression casts to int256 or reads an int256 column; any other 256-bit column is uint256.
Table columns declared int256 carry the DuckDB column comment `int256` (see `mark_int256`).
"""

from __future__ import annotations

from typing import Any

import duckdb

from . import evm_decoding
from .dune_types import (
    SIGNED_256,
    UNSIGNED_256,
    TypeNode,
    dune_type,
    parse_type,
    quote_ident,
    quote_literal,
)

INT256_COMMENT = "int256"
_SIGNED_FUNCTIONS = frozenset({"bytearray_to_int256", "varbinary_to_int256"})


def mark_int256(con: duckdb.DuckDBPyConnection, qualified_table: str, column: str) -> None:
    """Record that `column` of a stored table holds int256 values (on `con`, so inside the
    caller's transaction when it passes its cursor)."""
    con.execute(
        f"COMMENT ON COLUMN {qualified_table}.{quote_ident(column)} "
        f"IS {quote_literal(INT256_COMMENT)}"
    )


def keep_int256(
    con: duckdb.DuckDBPyConnection, qualified_table: str, names: list[str], types: list[str]
) -> None:
    """Mark the int256 columns of a table copied from a result with these storage types."""
    signed = [n for n, t in zip(names, types, strict=True) if _has_signed(parse_type(t))]
    if not signed:
        return
    cur = con.cursor()
    try:
        for name in signed:
            mark_int256(cur, qualified_table, name)
    finally:
        cur.close()


def int256_type(duckdb_type: str) -> str:
    """The Dune type of a table column marked int256 (its 256-bit parts are signed)."""
    node = parse_type(duckdb_type)
    return dune_type(node.with_big(SIGNED_256).storage() if node.has_big else duckdb_type)


def _has_signed(node: TypeNode) -> bool:
    if node.kind == "leaf":
        return node.name == SIGNED_256
    return any(_has_signed(c) for c in node.children)


def _int256_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Table name (lower case) → names of its int256 columns."""
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE comment = ?",
            [INT256_COMMENT],
        ).fetchall()
    finally:
        cur.close()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(str(table).lower(), set()).add(str(column).lower())
    return out


def mark_result_types(
    con: duckdb.DuckDBPyConnection, sql: str, names: list[str], types: list[str]
) -> list[str]:
    """`types` with each BIGNUM spelled INT256 or UINT256, as decided for `sql`."""
    if not any(parse_type(t).has_big for t in types):
        return types
    signed = _signed_outputs(sql, [n.lower() for n in names], _int256_columns(con))
    out = []
    for t, is_signed in zip(types, signed, strict=True):
        node = parse_type(t)
        if node.has_big:
            t = node.with_big(SIGNED_256 if is_signed else UNSIGNED_256).storage()
        out.append(t)
    return out


def _signed_outputs(sql: str, names: list[str], registry: dict[str, set[str]]) -> list[bool]:
    import sqlglot
    from sqlglot import exp

    everywhere = set().union(*registry.values()) if registry else set()
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except Exception:  # not Trino SQL: decide by column names alone
        return [n in everywhere for n in names]
    if not statements:
        return [n in everywhere for n in names]
    tree = statements[-1]
    signed_names: set[str] = set()
    for table in tree.find_all(exp.Table):
        signed_names |= registry.get(table.name.lower(), set())
    for call in tree.find_all(exp.Anonymous):  # decode_evm_event's intN columns are int256
        if str(call.name).lower() == "decode_evm_event":
            for i, arg in enumerate(call.expressions):
                named = isinstance(arg, exp.Kwarg)
                abi = arg.expression if named else arg
                if (str(arg.this.name).lower() == "abi" if named else i == 0) and isinstance(
                    abi, exp.Literal
                ):
                    signed_names |= evm_decoding.signed_columns(abi.name)

    def signed(e: Any) -> bool:
        if isinstance(e, exp.Cast | exp.TryCast):
            return any(d.this == exp.DataType.Type.INT256 for d in e.to.find_all(exp.DataType))
        if isinstance(e, exp.Column):
            return e.name.lower() in signed_names
        if isinstance(e, exp.Anonymous) and str(e.name).lower() in _SIGNED_FUNCTIONS:
            return True
        if isinstance(e, exp.Subquery) and isinstance(e.this, exp.Select):
            return bool(e.this.expressions) and signed(e.this.expressions[0])
        return any(signed(c) for c in e.iter_expressions())

    for _ in range(3):  # aliases of signed expressions are signed, through CTEs and subqueries
        for alias in tree.find_all(exp.Alias):
            if alias.alias and signed(alias.this):
                signed_names.add(alias.alias.lower())
        for values in tree.find_all(exp.Values):
            table_alias = values.args.get("alias")
            cols = [c.name.lower() for c in table_alias.columns] if table_alias else []
            for row in values.expressions:
                for name, item in zip(cols, row.expressions, strict=False):
                    if signed(item):
                        signed_names.add(name)

    selects = [tree]
    while any(isinstance(s, exp.SetOperation) for s in selects):
        selects = [
            part
            for s in selects
            for part in ((s.left, s.right) if isinstance(s, exp.SetOperation) else (s,))
        ]
    by_name = [n in signed_names for n in names]
    result = [False] * len(names)
    for select in selects:
        projections = select.expressions if isinstance(select, exp.Select) else []
        starred = any(
            isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
            for p in projections
        )
        row = (
            by_name
            if starred or len(projections) != len(names)
            else ([signed(p) for p in projections])
        )
        result = [a or b for a, b in zip(result, row, strict=True)]
    return result
