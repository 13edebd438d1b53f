"""Map DuckDB column types to Dune's type names and to SQL that renders values as Dune does.

uint256/int256 are stored as DuckDB BIGNUM (arbitrary precision), reported as `uint256` and
rendered as decimal strings; varbinary is BLOB rendered as lowercase `0x` hex; timestamps
render as `2021-06-07 13:21:10.000 UTC`.
"""

from __future__ import annotations

import re

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
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamp(3) with time zone",
    "TIMESTAMP": "timestamp(3)",
    "TIMESTAMP_MS": "timestamp(3)",
    "TIMESTAMP_NS": "timestamp(9)",
    "TIMESTAMP_S": "timestamp(0)",
    "DATE": "date",
    "TIME": "time(3)",
    "INTERVAL": "interval day to second",
    "BLOB": "varbinary",
    "UUID": "uuid",
    "JSON": "json",
    "NULL": "unknown",
    '"NULL"': "unknown",
}


def dune_type(duckdb_type: str) -> str:
    """Dune's name for a DuckDB type string such as `DECIMAL(18,3)` or `INTEGER[]`."""
    t = duckdb_type.strip()
    if t in _SIMPLE:
        return _SIMPLE[t]
    if t.endswith("[]"):
        return f"array({dune_type(t[:-2])})"
    m = re.fullmatch(r"(.*)\[\d+\]", t)
    if m:
        return f"array({dune_type(m.group(1))})"
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return f"decimal({m.group(1)},{m.group(2)})"
    if t.startswith("STRUCT("):
        return "row" + t[len("STRUCT") :].lower()
    if t.startswith("MAP("):
        return "map" + t[len("MAP") :].lower()
    return t.lower()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_value_sql(column: str, duckdb_type: str) -> str:
    """SQL giving the JSON-ready value of `column` (strings/numbers that json_object encodes)."""
    c = quote_ident(column)
    t = duckdb_type.strip()
    if t in ("BIGNUM", "VARINT", "UHUGEINT", "HUGEINT", "UBIGINT"):
        return f"CAST({c} AS VARCHAR)" if t in ("BIGNUM", "VARINT", "UHUGEINT") else c
    if t == "BLOB":
        return f"('0x' || lower(hex({c})))"
    if t == "TIMESTAMP WITH TIME ZONE":
        return f"(strftime(({c}) AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g') || ' UTC')"
    if t.startswith("TIMESTAMP"):
        return f"strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g')"
    if t in ("DOUBLE", "FLOAT"):
        return f"(CASE WHEN isfinite({c}) THEN {c} END)"
    if t in ("DATE", "TIME", "INTERVAL", "UUID", "JSON") or t.startswith("DECIMAL"):
        return f"CAST({c} AS VARCHAR)" if not t.startswith("DECIMAL") else f"CAST({c} AS DOUBLE)"
    return c


def csv_value_sql(column: str, duckdb_type: str) -> str:
    """SQL giving the CSV field text of `column`, quoted as RFC 4180 when needed; NULL → empty."""
    t = duckdb_type.strip()
    inner = json_value_sql(column, duckdb_type)
    if t.endswith("]") or t.startswith(("STRUCT", "MAP")):
        text = f"CAST(to_json({inner}) AS VARCHAR)"
    elif t == "DOUBLE" or t == "FLOAT":
        text = f"CAST({inner} AS VARCHAR)"
    else:
        text = f"CAST({inner} AS VARCHAR)"
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
