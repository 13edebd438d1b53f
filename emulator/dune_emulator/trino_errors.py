"""DuckDB error text → the Trino message Dune reports for the same mistake (unknown column or
table, syntax error, division by zero, operator type mismatch). Anything else keeps DuckDB's
first line, so no failure loses its explanation."""

from __future__ import annotations

import re

from .dune_types import dune_type

CATALOG = "delta_prod"

_COLUMN = re.compile(
    r'Referenced column "([^"]+)" (?:was )?not found|Referenced column (\S+) not found'
)
_TABLE = re.compile(r'Table with name "?([^"!]+?)"? does not exist')
_SYNTAX_AT = re.compile(r'syntax error at or near "(.*)"')
_SYNTAX_END = re.compile(r"syntax error at end of input")
_DIV_ZERO = re.compile(r"Division by zero", re.IGNORECASE)
_NO_FUNCTION = re.compile(
    r"(?:No function matches the given name and argument types '"
    r"|Could not choose a best candidate function for the function call \")"
    r"(.+?)\((.*?)\)['\"]"
)
_LITERALS = {"INTEGER_LITERAL": "integer", "STRING_LITERAL": "varchar"}
_NO_SCALAR = re.compile(
    r"(?:Scalar|Table|Aggregate) Function with name \"?([^\s\"!]+)\"? does not exist"
)
_CONVERT = re.compile(r"Could not convert string '(.*)' to ([A-Z0-9_]+)")
_OVERFLOW = re.compile(r"Overflow in (addition|subtraction|multiplication) of (INT\d+) \((.*)\)!?")
_NARROW = re.compile(
    r"Type INT128 with value (-?\d+) can't be cast because the value is out of range"
)
_UDF = re.compile(r"Python exception occurred while executing the UDF: (\w+): (.*)")
_CAST_TYPES = {
    "INT32": "INT",
    "INT64": "BIGINT",
    "INT16": "SMALLINT",
    "INT8": "TINYINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "REAL",
    "BOOL": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "BIGNUM": "UINT256",
    "BLOB": "VARBINARY",
}
_INT_NAMES = {"INT8": "tinyint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint"}
_COMPARE = re.compile(r"Cannot compare values of type (.+?) and type (.+?)(?: -|$)")
_OPERATORS = {"+", "-", "*", "/", "%", "//", "=", "<>", "!=", "<", ">", "<=", ">=", "||"}


def translate(message: str) -> str:
    """Trino's wording for a DuckDB error message (first line only when it is not mapped)."""
    first = message.split("\n", 1)[0].strip()
    if m := _COLUMN.search(first):
        return f"Column '{m.group(1) or m.group(2)}' cannot be resolved"
    if m := _UDF.search(first):
        return "Division by zero" if m.group(1) == "ZeroDivisionError" else m.group(2)
    if m := _NO_SCALAR.search(first):
        return f"Function '{m.group(1)}' not registered"
    if m := _CONVERT.search(first):
        target = _CAST_TYPES.get(m.group(2), m.group(2))
        return f"Cannot cast '{m.group(1)}' to {target}"
    if m := _OVERFLOW.search(first):
        return f"{_INT_NAMES.get(m.group(2), 'bigint')} {m.group(1)} overflow: {m.group(3)}"
    if _NARROW.search(first):
        return "bigint addition overflow: the sum is out of range for bigint"
    if first.startswith("Invalid Input Error: ") and not _DIV_ZERO.search(first):
        return first.removeprefix("Invalid Input Error: ")
    if m := _TABLE.search(first):
        return f"Table '{_qualify(m.group(1))}' does not exist"
    if m := _SYNTAX_AT.search(first):
        return f"mismatched input '{m.group(1)}'"
    if _SYNTAX_END.search(first):
        return "mismatched input '<EOF>'"
    if _DIV_ZERO.search(first):
        return "Division by zero"
    if m := _NO_FUNCTION.search(first):
        name, args = m.group(1), _types(m.group(2))
        if name in _OPERATORS and len(args) == 2:
            return f"Cannot apply operator: {args[0]} {name} {args[1]}"
        return f"Unexpected parameters ({', '.join(args)}) for function {name}"
    if m := _COMPARE.search(first):
        return f"Cannot apply operator: {_type(m.group(1))} = {_type(m.group(2))}"
    return first


def _qualify(name: str) -> str:
    parts = [p.strip('"') for p in name.split(".")]
    if len(parts) == 2:
        parts.insert(0, CATALOG)
    return ".".join(parts)


def _type(duckdb_type: str) -> str:
    if duckdb_type.strip() in _LITERALS:
        return _LITERALS[duckdb_type.strip()]
    try:
        return dune_type(duckdb_type.strip())
    except Exception:  # an unknown DuckDB type name: keep it, lower-cased
        return duckdb_type.strip().lower()


def _types(args: str) -> list[str]:
    return [_type(a) for a in args.split(",") if a.strip()] if args.strip() else []
