"""Dune's function library on DuckDB: the allowlist of Trino functions the emulator runs, the
rewrites that give them Trino's meaning, and the macros and Python UDFs behind those rewrites.

A Trino function is on `ALLOWED` only when its DuckDB translation has been checked to mean the
same (tests/trino_corpus holds the checks); every other name fails as Trino says it:
`Function 'name' not registered`. 256-bit integers and decimal division run as exact Python
arithmetic (UDFs over text), since DuckDB's BIGNUM multiplies through doubles.
"""

from __future__ import annotations

import contextlib
import decimal
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

import duckdb

from .dune_types import dune_type

U256_MAX = 2**256 - 1
I256_MIN, I256_MAX = -(2**255), 2**255 - 1

# -- the allowlist ------------------------------------------------------------------------------

#: Functions whose sqlglot Trino→DuckDB translation already means what Trino means.
_SAME = [
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "cbrt",
    "ceil",
    "ceiling",
    "cos",
    "cosh",
    "degrees",
    "exp",
    "floor",
    "ln",
    "log",
    "log10",
    "log2",
    "mod",
    "pi",
    "power",
    "pow",
    "radians",
    "round",
    "sign",
    "sin",
    "sqrt",
    "tan",
    "tanh",
    "truncate",
    "greatest",
    "least",
    "nullif",
    "coalesce",
    "is_nan",
    "is_finite",
    "is_infinite",
    "nan",
    "infinity",
    "e",
    "random",
    "rand",
    "lower",
    "upper",
    "concat",
    "length",
    "substr",
    "substring",
    "replace",
    "reverse",
    "trim",
    "ltrim",
    "rtrim",
    "lpad",
    "rpad",
    "strpos",
    "position",
    "starts_with",
    "ends_with",
    "split",
    "split_part",
    "chr",
    "codepoint",
    "to_utf8",
    "from_utf8",
    "levenshtein_distance",
    "hamming_distance",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "count_if",
    "bool_and",
    "bool_or",
    "every",
    "arbitrary",
    "any_value",
    "array_agg",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "variance",
    "var_samp",
    "var_pop",
    "corr",
    "covar_samp",
    "covar_pop",
    "approx_distinct",
    "approx_percentile",
    "max_by",
    "min_by",
    "listagg",
    "cardinality",
    "contains",
    "array_distinct",
    "array_max",
    "array_min",
    "array_position",
    "array_join",
    "slice",
    "sequence",
    "transform",
    "filter",
    "flatten",
    "array_intersect",
    "array_union",
    "array_except",
    "arrays_overlap",
    "array_remove",
    "concat_ws",
    "map_keys",
    "map_values",
    "element_at",
    "date_trunc",
    "date_add",
    "date_diff",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "quarter",
    "week",
    "week_of_year",
    "day_of_week",
    "dow",
    "day_of_month",
    "day_of_year",
    "doy",
    "year_of_week",
    "last_day_of_month",
    "from_unixtime",
    "to_unixtime",
    "from_iso8601_timestamp",
    "from_iso8601_date",
    "date",
    "now",
    "current_date",
    "current_timestamp",
    "localtimestamp",
    "date_parse",
    "json_extract",
    "json_extract_scalar",
    "json_parse",
    "json_format",
    "json_array_length",
    "json_size",
    "md5",
    "sha256",
    "sha1",
    "to_hex",
    "from_hex",
    "to_base64",
    "from_base64",
    "regexp_like",
    "regexp_extract",
    "regexp_extract_all",
    "regexp_replace",
    "regexp_count",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    "cast",
    "try_cast",
    "try",
    "if",
    "format",
    "typeof",
    "reduce",
    "array_sort",
    "uuid",
    "width_bucket",
    "map",
    "date_format",
    "format_datetime",
    "parse_datetime",
    "json_query",
    "json_value",
    "json_array_get",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "bitwise_right_shift_arithmetic",
    "approx_count_distinct",
    "transform_values",
    "any_match",
    "all_match",
    "none_match",
    "to_big_endian_32",
    "to_big_endian_64",
    "from_big_endian_32",
    "from_big_endian_64",
    "human_readable_seconds",
]

#: Dune's own functions (DuckDB macros / UDFs registered under the same name).
DUNE_ONLY = [
    "to_base58",
    "tobase58",
    "from_base58",
    "varbinary_to_integer",
    "bytearray_to_integer",
    "from_base",
    "map_concat",
    "map_from_entries",
    "bytearray_substring",
    "varbinary_substring",
    "bytearray_concat",
    "varbinary_concat",
    "bytearray_length",
    "varbinary_length",
    "bytearray_ltrim",
    "varbinary_ltrim",
    "bytearray_rtrim",
    "varbinary_rtrim",
    "bytearray_starts_with",
    "varbinary_starts_with",
    "bytearray_to_uint256",
    "varbinary_to_uint256",
    "bytearray_to_int256",
    "varbinary_to_int256",
    "bytearray_to_bigint",
    "varbinary_to_bigint",
    "bytearray_reverse",
    "varbinary_reverse",
    "bytearray_position",
    "varbinary_position",
    "bytearray_to_decimal",
    "varbinary_to_decimal",
    "keccak",
    "to_tron_address",
    "from_tron_address",
    "address_32_from_hex",
    "initcap",
]

#: Dune's table functions that decode with an ABI on Dune's side; refused by name.
DUNE_TABLE_FUNCTIONS = frozenset({"decode_evm_function_call"})
#: Dune's table functions the emulator runs by rewriting the call (see evm_decoding).
EMULATED_TABLE_FUNCTIONS = frozenset({"decode_evm_event"})

ALLOWED = frozenset(_SAME) | frozenset(DUNE_ONLY)
#: Table functions a FROM clause may call (besides UNNEST); none read files. `range(n)` is
#: DuckDB's, kept as the emulator's one convenience for test data (Dune refuses it).
TABLE_FUNCTIONS: frozenset[str] = frozenset({"sequence", "range"})


def _structural() -> tuple[type, ...]:
    from sqlglot import exp

    return (
        exp.Case,
        exp.Array,
        exp.Struct,
        exp.Extract,
        exp.Interval,
        exp.Bracket,
        exp.Unnest,
        exp.Lambda,
        exp.Explode,
        exp.Window,
        exp.Filter,
        exp.ToMap,
        exp.Exists,
    )


STRUCTURAL_NODES: tuple[type, ...]


def __getattr__(name: str) -> Any:
    """STRUCTURAL_NODES is built on first use: sqlglot is imported lazily."""
    if name == "STRUCTURAL_NODES":
        value = _structural()
        globals()[name] = value
        return value
    raise AttributeError(name)


def unsupported_form(name: str, node: Any) -> str | None:
    """A Trino-style message when a known function is used in a form the emulator cannot run."""
    from sqlglot import exp

    if name == "array_sort" and node.args.get("expression") is not None:
        return "array_sort with a comparator lambda is not supported by the emulator"
    if name in ("format_datetime", "parse_datetime"):
        fmt = node.args.get("format") if not isinstance(node, exp.Anonymous) else None
        if isinstance(node, exp.Anonymous):
            fmt = node.expressions[1] if len(node.expressions) > 1 else None
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            return f"{name} needs a literal pattern in the emulator"
        try:
            joda_to_strftime(fmt.name, parsing=name == "parse_datetime")
        except ValueError as exc:
            return str(exc)
    if name == "date_parse":
        fmt = node.expressions[1] if isinstance(node, exp.Anonymous) else node.args.get("format")
        if isinstance(fmt, exp.Literal) and re.search(r"%[zZ]", fmt.name.replace("%%", "")):
            return _PARSED_ZONE.format(name=name)
    return None


_VARCHAR_N = ("dune_varchar_n", "dune_try_varchar_n")

_PARSED_ZONE = (
    "{name} with a time zone in its pattern is not supported by the emulator: a parsed zone "
    "other than UTC would be shifted to UTC, where Trino keeps it"
)
#: Joda zone letters when formatting: every timestamp with time zone the emulator holds is UTC.
_JODA_ZONE = {"Z": "+0000", "ZZ": "+00:00", "ZZZ": "UTC"}


# -- rewrites (Trino AST node -> DuckDB-ready node) ---------------------------------------------


def _call(name: str, *args: Any) -> Any:
    from sqlglot import exp

    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def _args(node: Any) -> list[Any]:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return list(node.expressions)
    out: list[Any] = []
    for key in node.arg_types:
        v = node.args.get(key)
        if v is None:
            continue
        out.extend(v if isinstance(v, list) else [v])
    return out


def _cast(e: Any, to: str) -> Any:
    from sqlglot import exp

    return exp.Cast(this=e, to=exp.DataType.build(to, dialect="duckdb"))


def rewrite(node: Any, type_of: Callable[[Any], Any]) -> Any:
    """The DuckDB form of one (already allowlisted) function call; `node` when it is fine."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        name = str(node.name).lower()
        a = list(node.expressions)
        if name in ("bitwise_and", "bitwise_or", "bitwise_xor") and len(a) == 2:
            op = {"bitwise_and": exp.BitwiseAnd, "bitwise_or": exp.BitwiseOr}.get(name)
            inner = op(this=a[0], expression=a[1]) if op else _call("xor", a[0], a[1])
            return _cast(exp.Paren(this=inner), "BIGINT")
        if name == "bitwise_not" and len(a) == 1:
            return _cast(exp.BitwiseNot(this=a[0]), "BIGINT")
        if name == "bitwise_left_shift" and len(a) == 2:
            return exp.Paren(this=exp.BitwiseLeftShift(this=_cast(a[0], "BIGINT"), expression=a[1]))
        if name == "bitwise_right_shift_arithmetic" and len(a) == 2:
            shifted = exp.BitwiseRightShift(this=_cast(a[0], "BIGINT"), expression=a[1])
            return exp.Paren(this=shifted)
        if name == "bitwise_right_shift" and len(a) == 2:
            return _call("dune_logical_shift_right", a[0], a[1])
        if name in ("format_datetime", "parse_datetime") and len(a) == 2:
            fmt = exp.Literal.string(joda_to_strftime(a[1].name))
            if name == "format_datetime":
                return _call("strftime", a[0], fmt)
            return _cast(_call("strptime", a[0], fmt), "TIMESTAMPTZ")
        if name == "json_array_get" and len(a) == 2:
            return _call("dune_json_array_get", a[0], a[1])
        if name in ("json_value", "json_query"):
            return _json_path(name, a)
        if name == "json_array_length" and len(a) == 1:
            return _cast(node, "BIGINT")
        if name == "array_union" and len(a) == 2:
            return _call("dune_array_union", a[0], a[1])
        if name == "transform_values" and len(a) == 2 and isinstance(a[1], exp.Lambda):
            return _transform_values(a[0], a[1])
        if name in ("any_match", "all_match", "none_match") and len(a) == 2:
            return _call(f"dune_{name}", _call("list_transform", a[0], a[1]))
        return node
    if isinstance(node, exp.FromISO8601Timestamp):
        return _cast(_call("dune_utc_text", node.this), "TIMESTAMPTZ")
    if isinstance(node, exp.Initcap):
        return _call("dune_initcap", node.this)
    if isinstance(node, exp.Reverse) and type_of(node.this) == ("blob",):
        return _call("bytearray_reverse", node.this)  # Trino's reverse(varbinary): bytes reversed
    if isinstance(node, exp.JSONValue):
        return _json_path("json_value", [node.this, node.args.get("path")])
    if isinstance(node, exp.ParseDatetime) and isinstance(node.args.get("format"), exp.Literal):
        fmt = exp.Literal.string(joda_to_strftime(node.args["format"].name))
        return _cast(_call("strptime", node.this, fmt), "TIMESTAMPTZ")
    if isinstance(node, exp.ArraySize) and type_of(node.this) == ("map",):
        return _cast(_call("cardinality", node.this), "BIGINT")
    if isinstance(node, exp.Sign):
        return _call("cast_to_type", _call("sign", node.this), node.this)
    if isinstance(node, exp.Cbrt):
        return _call("dune_cbrt", _cast(node.this, "DOUBLE"))
    if isinstance(node, exp.SplitPart):
        return _call("dune_split_part", node.this, node.args["delimiter"], node.args["part_index"])
    if isinstance(node, exp.RegexpExtract):
        group = node.args.get("group") or exp.Literal.number(0)
        return _call("dune_regexp_extract", node.this, node.expression, group)
    if isinstance(node, exp.ArraySlice) and node.args.get("end") is not None:
        return _call("dune_slice", node.this, node.args["start"], node.args["end"])
    if isinstance(node, exp.ArrayPosition):
        return _call("dune_array_position", node.this, node.expression)
    if isinstance(node, exp.ArrayDistinct):
        return _call("dune_array_distinct", node.this)
    if isinstance(node, exp.ArrayExcept):
        return _call("dune_array_except", node.this, node.expression)
    if isinstance(node, exp.ArrayIntersect):
        items = _args(node)
        if len(items) == 2:
            return _call("dune_array_intersect", items[0], items[1])
        return node
    if isinstance(node, exp.Unhex):
        return _call("dune_from_hex", node.this)
    if isinstance(node, exp.Length):
        kind = type_of(node.this)
        if kind and kind[0] == "blob":
            return _call("octet_length", node.this)
        if kind and kind[0] == "str":
            return node
        return _call("dune_length", node.this)
    if isinstance(node, exp.Typeof):
        kind = type_of(node.this)
        inner = node.this
        if isinstance(inner, exp.Anonymous) and str(inner.name).lower() in _VARCHAR_N:
            return exp.Literal.string(f"varchar({inner.expressions[2].name})")
        if isinstance(node.this, exp.Literal) and node.this.is_string and kind:
            return exp.Literal.string(f"varchar({len(node.this.name)})")
        return _call("dune_type_name", _call("typeof", node.this))
    if isinstance(node, exp.Format):
        items = _args(node)
        if not items:
            return node
        return _call("dune_format", items[0], _call("json_array", *items[1:]))
    if isinstance(node, exp.RegexpReplace):
        replacement = node.args.get("replacement")
        return _call(
            "dune_regexp_replace",
            node.this,
            node.expression,
            replacement if replacement is not None else exp.Literal.string(""),
        )
    if isinstance(node, exp.JSONExtract) and _is_sql_json_path(node.expression):
        return _json_path("json_query", [node.this, node.expression])
    if isinstance(node, exp.Reduce) and node.args.get("finish") is not None:
        finish = node.args["finish"]
        node.set("finish", None)
        return _inline_lambda(finish, node)
    return node


def _transform_values(m: Any, lam: Any) -> Any:
    """Trino's transform_values(map, (k, v) -> e): the same keys, each value replaced by e."""
    from sqlglot import exp

    params = [p.name for p in lam.expressions]
    if len(params) != 2:
        return _call("transform_values", m, lam)  # DuckDB has none: fails as not registered
    entry = "__dune_entry"
    fields = {params[0]: "key", params[1]: "value"}

    def sub(n: Any) -> Any:
        if isinstance(n, exp.Column) and not n.table and n.name in fields:
            return exp.column(fields[n.name], table=entry)
        if (
            isinstance(n, exp.Identifier)
            and n.name in fields
            and not isinstance(n.parent, exp.Column | exp.Alias | exp.Lambda)
        ):
            return exp.column(fields[n.name], table=entry)
        return n

    body = lam.this.copy().transform(sub)
    values = _call(
        "list_transform",
        _call("map_entries", m),
        exp.Lambda(this=body, expressions=[exp.to_identifier(entry)]),
    )
    return _call("map", _call("map_keys", m), values)


def _is_sql_json_path(path: Any) -> bool:
    from sqlglot import exp

    text = path.name if isinstance(path, exp.Literal) else path.sql()
    return bool(re.match(r"\s*'?\s*(lax|strict)\s", text))


def _json_path(name: str, a: list[Any]) -> Any:
    """json_query / json_value with a literal SQL/JSON path (`lax` or `strict` prefix)."""
    from sqlglot import exp

    path = a[1] if len(a) > 1 else None
    text = path.name if isinstance(path, exp.Literal) else ""
    text = re.sub(r"^\s*(lax|strict)\s+", "", text)
    lit = exp.Literal.string(text or "$")
    if name == "json_value":
        return _call("json_extract_string", a[0], lit)
    return _call("json_extract", a[0], lit)


def _inline_lambda(lam: Any, arg: Any) -> Any:
    """The body of a one-parameter lambda with its parameter replaced by `arg`."""
    from sqlglot import exp

    params = [p.name for p in lam.expressions]
    body = lam.this.copy()
    if len(params) != 1:
        return arg

    def sub(n: Any) -> Any:
        if isinstance(n, exp.Column) and not n.table and n.name == params[0]:
            return exp.Paren(this=arg.copy())
        if (
            isinstance(n, exp.Identifier)
            and n.name == params[0]
            and not isinstance(n.parent, exp.Column | exp.Alias | exp.Lambda)
        ):
            return exp.Paren(this=arg.copy())
        return n

    return body.transform(sub)


# -- Joda patterns --------------------------------------------------------------------------------

_JODA = [
    ("yyyy", "%Y"),
    ("YYYY", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSSSSS", "%f"),
    ("SSS", "%g"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("a", "%p"),
    ("DDD", "%j"),
]


def joda_to_strftime(pattern: str, parsing: bool = False) -> str:
    """A Joda-Time pattern (format_datetime / parse_datetime) as a DuckDB strftime format."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "Z":
            width = len(pattern[i:]) - len(pattern[i:].lstrip("Z"))
            if parsing:
                raise ValueError(_PARSED_ZONE.format(name="parse_datetime"))
            out.append(_JODA_ZONE[("Z" * width)[:3]])
            i += width
            continue
        if ch == "'":
            j = pattern.find("'", i + 1)
            if j < 0:
                raise ValueError(f"unterminated quote in datetime pattern {pattern!r}")
            out.append("'" if j == i + 1 else pattern[i + 1 : j].replace("%", "%%"))
            i = j + 1
            continue
        if ch.isalpha():
            for joda, strf in _JODA:
                if pattern.startswith(joda, i):
                    out.append(strf)
                    i += len(joda)
                    break
            else:
                run = re.match(r"(.)\1*", pattern[i:])
                raise ValueError(
                    f"datetime pattern letter(s) {run.group(0) if run else ch!r} in "
                    f"{pattern!r} are not supported by the emulator"
                )
            continue
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


# -- Java format strings ----------------------------------------------------------------------------

_SPEC = re.compile(r"%(\d+\$)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])")


def java_format(fmt: str, args: list[Any]) -> str:
    """Trino's format(): Java's String.format for the common conversions."""
    position = 0

    def conv(m: re.Match[str]) -> str:
        nonlocal position
        index, flags, width, precision, kind = m.groups()
        if kind == "%":
            return "%"
        if kind == "n":
            return "\n"
        if index:
            value = args[int(index[:-1]) - 1]
        else:
            if position >= len(args):
                raise ValueError(f"Format specifier '{m.group(0)}' has no argument")
            value = args[position]
            position += 1
        pyflags = flags.replace("(", "")
        spec = f"{pyflags}{width or ''}{precision or ''}"
        if kind in "sS":
            text = "null" if value is None else _java_str(value)
            text = text[: int(precision[1:])] if precision else text
            text = text.rjust(int(width)) if width and "-" not in flags else text
            text = text.ljust(int(width)) if width and "-" in flags else text
            return text.upper() if kind == "S" else text
        if value is None:
            return "null"
        if kind == "d":
            return format(int(value), spec.replace("#", ""))
        if kind in "xX":
            text = format(int(value), spec.replace(",", "") + "x")
            return text.upper() if kind == "X" else text
        if kind in "feEgG":
            return format(float(value), spec or ".6" + kind if not spec else spec + kind)
        if kind == "b":
            return "false" if value is None or value is False else "true"
        raise ValueError(f"Unsupported format conversion '{kind}' in the emulator")

    return _SPEC.sub(conv, fmt)


def _java_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(", ", "="))
    return str(value)


# -- UDF bodies ---------------------------------------------------------------------------------------


def _big(signed: bool, op: str) -> Callable[[str | None, str | None], str | None]:
    name = "int256" if signed else "uint256"
    lo, hi = (I256_MIN, I256_MAX) if signed else (0, U256_MAX)

    def f(a: str | None, b: str | None) -> str | None:
        if a is None or b is None:
            return None
        x, y = int(a), int(b)
        if op in ("div", "mod") and y == 0:
            raise ZeroDivisionError("Division by zero")
        if op == "add":
            r = x + y
        elif op == "sub":
            r = x - y
        elif op == "mul":
            r = x * y
        elif op == "div":
            q = abs(x) // abs(y)
            r = q if (x >= 0) == (y >= 0) else -q
        else:
            r = abs(x) % abs(y)
            r = r if x >= 0 else -r
        if not lo <= r <= hi:
            raise OverflowError(f"{name} {op} overflow: {x} and {y}")
        return str(r)

    return f


def _decimal_div(a: str | None, b: str | None, scale: int) -> str | None:
    if a is None or b is None:
        return None
    x, y = decimal.Decimal(a), decimal.Decimal(b)
    if y == 0:
        raise ZeroDivisionError("Division by zero")
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        q = (x / y).quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP)
    return str(q)


def _bytes_to_int(signed: bool, max_bytes: int, name: str) -> Callable[[bytes | None], str | None]:
    """Dune's varbinary_to_<int type>: big-endian two's complement of `max_bytes` bytes, a shorter
    input padded with zero bytes first (Dune's reference), so 0xff is 255, not -1."""

    def f(b: bytes | None) -> str | None:
        if b is None:
            return None
        if len(b) > max_bytes:
            raise ValueError(f"{name}: the varbinary is longer than {max_bytes} bytes")
        return str(int.from_bytes(b.rjust(max_bytes, b"\0"), "big", signed=signed))

    return f


def _cbrt(x: float | None) -> float | None:
    """Java's Math.cbrt is exact on perfect cubes (DuckDB's cbrt(27) is 3.0000000000000004)."""
    if x is None:
        return None
    r = round(abs(x) ** (1 / 3))
    if r**3 == abs(x):
        return float(r) if x >= 0 else -float(r)
    return math.copysign(abs(x) ** (1 / 3), x)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _to_base58(b: bytes | None) -> str | None:
    """Bitcoin-alphabet base58 (Solana addresses), leading zero bytes as '1'."""
    if b is None:
        return None
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def _from_base58(s: str | None) -> bytes | None:
    if s is None:
        return None
    n = 0
    for ch in s:
        if ch not in _B58:
            raise ValueError(f"Invalid base58 character '{ch}' in '{s}'")
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


def _from_base(s: str | None, radix: int | None) -> int | None:
    if s is None or radix is None:
        return None
    if not 2 <= radix <= 36:
        raise ValueError(f"Radix must be between 2 and 36: {radix}")
    try:
        value = int(s, radix)
    except ValueError:
        raise ValueError(f"Not a valid base-{radix} number: {s}") from None
    if not -(2**63) <= value < 2**63:
        raise OverflowError(f"Not a valid base-{radix} number: {s}")
    return value


# Keccak-256 (Ethereum's hash: the original Keccak padding, not NIST SHA3-256's)
_KECCAK_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]  # fmt: skip
_KECCAK_ROT = [
    [0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56], [27, 20, 39, 8, 14],
]  # fmt: skip
_M64 = (1 << 64) - 1


def _keccak_f(a: list[list[int]]) -> None:
    """The Keccak-f[1600] permutation on a 5x5 lane state, in place."""
    for rc in _KECCAK_RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [
            c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64)
            for x in range(5)
        ]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                r = _KECCAK_ROT[x][y]
                lane = a[x][y]
                b[y][(2 * x + 3 * y) % 5] = ((lane << r) | (lane >> (64 - r))) & _M64 if r else lane
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of `data`, as Dune's keccak() and Ethereum compute it."""
    return sponge_256(data, 0x01)


def sponge_256(data: bytes, domain: int) -> bytes:
    """A 256-bit Keccak sponge (rate 136 bytes): domain byte 0x01 is Keccak-256, 0x06 is NIST
    SHA3-256 (the same permutation, so hashlib's sha3_256 checks it)."""
    rate = 136
    room = rate - len(data) % rate
    if room == 1:  # one padding byte only: the domain bits and the final 0x80 share it
        padded = bytes(data) + bytes([domain | 0x80])
    else:
        padded = bytes(data) + bytes([domain]) + b"\0" * (room - 2) + b"\x80"
    state = [[0] * 5 for _ in range(5)]
    for block in range(0, len(padded), rate):
        for i in range(rate // 8):
            lane = int.from_bytes(padded[block + 8 * i : block + 8 * i + 8], "little")
            state[i % 5][i // 5] ^= lane
        _keccak_f(state)
    return b"".join(state[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def _keccak(b: bytes | None) -> bytes | None:
    return None if b is None else keccak256(b)


def _tron_checksum(body: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4]


def _to_tron_address(b: bytes | None) -> str | None:
    """Tron's base58check form of a 20-byte address: base58(0x41 ‖ address ‖ checksum)."""
    if b is None:
        return None
    if len(b) != 20:
        raise ValueError(f"to_tron_address: expected a 20-byte address, got {len(b)} bytes")
    body = b"\x41" + b
    return _to_base58(body + _tron_checksum(body))


def _from_tron_address(s: str | None) -> bytes | None:
    """The 20-byte address inside a Tron base58check address (prefix and checksum checked)."""
    if s is None:
        return None
    raw = _from_base58(s)
    if raw is None or len(raw) != 25 or raw[0] != 0x41 or _tron_checksum(raw[:21]) != raw[21:]:
        raise ValueError(f"from_tron_address: '{s}' is not a valid Tron address")
    return raw[1:21]


def _address_32_from_hex(s: str | None) -> bytes | None:
    """Dune's address_32_from_hex: hex digits (optional 0x) left-padded with 0x00 to 32 bytes."""
    if s is None:
        return None
    digits = s[2:] if s[:2].lower() == "0x" else s
    if not digits or not re.fullmatch(r"[0-9a-fA-F]+", digits):
        raise ValueError(f"address_32_from_hex: '{s}' is not a hexadecimal string")
    digits = digits.lstrip("0") or "0"
    if len(digits) > 64:
        raise ValueError(f"address_32_from_hex: '{s}' does not fit in 32 bytes")
    return bytes.fromhex(digits.rjust(64, "0"))


def _to_big_endian(size: int) -> Callable[[int | None], bytes | None]:
    def f(x: int | None) -> bytes | None:
        return None if x is None else int(x).to_bytes(size, "big", signed=True)

    return f


def _from_big_endian(size: int) -> Callable[[bytes | None], int | None]:
    def f(b: bytes | None) -> int | None:
        if b is None:
            return None
        if len(b) != size:
            raise ValueError(f"expected {size}-byte input, but got instead: {len(b)}")
        return int.from_bytes(b, "big", signed=True)

    return f


def _human_readable_seconds(x: float | None) -> str | None:
    """Trino's human_readable_seconds: weeks, days, hours, minutes, seconds; zero parts left out."""
    if x is None:
        return None
    if math.isnan(x) or math.isinf(x):
        text = "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
        raise ValueError(f"Invalid argument found: {text}")
    seconds = math.floor(abs(x) + 0.5)  # Java's Math.round
    parts = []
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    if seconds or not parts:
        parts.append(f"{seconds} second{'' if seconds == 1 else 's'}")
    return ", ".join(parts)


def _initcap(s: str | None) -> str | None:
    """Dune's initcap: each run of letters and digits capitalized, the rest lower case."""
    if s is None:
        return None
    return re.sub(r"[^\W_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), s)


def _type_name(duckdb_type: str | None) -> str | None:
    if duckdb_type is None:
        return None
    return dune_type(duckdb_type)


def _format(fmt: str | None, args_json: str | None) -> str | None:
    if fmt is None:
        return None
    args = json.loads(args_json) if args_json else []
    return java_format(fmt, args)


_MACROS = [
    # Trino keeps first-occurrence order in array_distinct / except / intersect / union
    "dune_array_distinct(a) AS list_filter(a, lambda x, i: list_position(a, x) = i)",
    "dune_array_except(a, b) AS dune_array_distinct(list_filter(a, lambda x: NOT "
    "list_contains(b, x)))",
    "dune_array_intersect(a, b) AS dune_array_distinct(list_filter(a, lambda x: "
    "list_contains(b, x)))",
    "dune_array_union(a, b) AS dune_array_distinct(list_concat(a, b))",
    "dune_array_position(a, x) AS CAST(coalesce(list_position(a, x), 0) AS BIGINT)",
    "dune_slice(a, s, n) AS CASE WHEN s > 0 THEN list_slice(a, s, s + n - 1) "
    "ELSE list_slice(a, len(a) + s + 1, len(a) + s + n) END",
    "dune_split_part(s, d, n) AS CASE WHEN n > len(string_split(s, d)) THEN NULL "
    "ELSE split_part(s, d, n) END",
    "dune_regexp_extract(s, p, g) AS CASE WHEN regexp_matches(s, p) "
    "THEN regexp_extract(s, p, g) END",
    # array subscripts fail out of range, as in Trino (element_at stays NULL)
    "dune_array_at(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN a[i] "
    "WHEN i = 0 THEN error('SQL array indices start at 1') "
    "WHEN i < 0 THEN error('Array subscript is negative: ' || i) "
    "WHEN i > len(a) THEN error('Array subscript must be less than or equal to array length: '"
    " || i || ' > ' || len(a)) ELSE a[i] END",
    "dune_map_at(m, k) AS CASE WHEN m IS NULL OR k IS NULL THEN m[k] "
    "WHEN NOT map_contains(m, k) THEN error('Key not present in map: ' || k) ELSE m[k] END",
    "dune_from_hex(s) AS unhex(CASE WHEN lower(s) LIKE '0x%' THEN s[3:] ELSE s END)",
    "dune_length(x) AS CASE WHEN typeof(x) = 'BLOB' THEN octet_length(CAST(x AS BLOB)) "
    "ELSE length(CAST(x AS VARCHAR)) END",
    "dune_regexp_replace(s, p, r) AS regexp_replace(s, p, "
    "regexp_replace(replace(r, '\\', '\\\\'), '\\$(\\d)', '\\\\\\1', 'g'), 'g')",
    "dune_json_scalar(j) AS CASE WHEN json_type(CAST(j AS JSON)) IN ('OBJECT', 'ARRAY') "
    "THEN error('Cannot cast json to varchar: ' || CAST(j AS VARCHAR)) "
    "ELSE CAST(j AS JSON) ->> '$' END",
    "dune_json_array_get(j, i) AS json_extract(CAST(j AS JSON), '$[' || "
    "CASE WHEN i < 0 THEN '#' || i ELSE CAST(i AS VARCHAR) END || ']')",
    "dune_logical_shift_right(x, n) AS CAST((CAST(x AS BIGINT) & 9223372036854775807) >> n "
    "AS BIGINT) | CASE WHEN x < 0 AND n > 0 THEN CAST(1 AS BIGINT) << (63 - n) ELSE 0 END",
    "bytearray_substring(b, s, l) AS unhex(substring(hex(b), 2 * s - 1, 2 * l)), "
    "(b, s) AS unhex(substring(hex(b), 2 * s - 1))",
    "varbinary_substring(b, s, l) AS unhex(substring(hex(b), 2 * s - 1, 2 * l)), "
    "(b, s) AS unhex(substring(hex(b), 2 * s - 1))",
    "bytearray_concat(a, b) AS CAST(a AS BLOB) || CAST(b AS BLOB)",
    "varbinary_concat(a, b) AS CAST(a AS BLOB) || CAST(b AS BLOB)",
    "bytearray_length(b) AS octet_length(b)",
    "is_finite(x) AS isfinite(x)",
    "to_base58(b) AS dune_to_base58(b)",
    "tobase58(b) AS dune_to_base58(b)",
    "from_base58(s) AS dune_from_base58(s)",
    "from_base(s, r) AS dune_from_base(s, r)",
    "varbinary_to_integer(b) AS CAST(dune_bytes_to_i32(b) AS INTEGER)",
    "bytearray_to_integer(b) AS CAST(dune_bytes_to_i32(b) AS INTEGER)",
    "is_infinite(x) AS isinf(x)",
    "e() AS exp(1)",
    "codepoint(c) AS CAST(unicode(c) AS INTEGER)",
    "hamming_distance(a, b) AS CAST(hamming(a, b) AS BIGINT)",
    "arrays_overlap(a, b) AS list_has_any(a, b)",
    "every(x) AS bool_and(x)",
    "width_bucket(x, lo, hi, n) AS CAST(CASE WHEN x < lo THEN 0 WHEN x >= hi THEN n + 1 "
    "ELSE floor((x - lo) / ((hi - lo) / n)) + 1 END AS BIGINT)",
    "json_size(j, p) AS CAST(CASE json_type(json_extract(CAST(j AS JSON), p)) "
    "WHEN 'ARRAY' THEN json_array_length(json_extract(CAST(j AS JSON), p)) "
    "WHEN 'OBJECT' THEN len(json_keys(json_extract(CAST(j AS JSON), p))) ELSE 0 END AS BIGINT)",
    "varbinary_length(b) AS octet_length(b)",
    "bytearray_ltrim(b) AS unhex(regexp_replace(hex(b), '^(00)+', ''))",
    "varbinary_ltrim(b) AS unhex(regexp_replace(hex(b), '^(00)+', ''))",
    "bytearray_rtrim(b) AS unhex(regexp_replace(hex(b), '(00)+$', ''))",
    "varbinary_rtrim(b) AS unhex(regexp_replace(hex(b), '(00)+$', ''))",
    "bytearray_starts_with(a, b) AS starts_with(hex(a), hex(b))",
    "varbinary_starts_with(a, b) AS starts_with(hex(a), hex(b))",
    "bytearray_reverse(b) AS unhex(array_to_string(list_reverse("
    "regexp_extract_all(hex(b), '..')), ''))",
    "varbinary_reverse(b) AS unhex(array_to_string(list_reverse("
    "regexp_extract_all(hex(b), '..')), ''))",
    "bytearray_position(a, b) AS CASE WHEN octet_length(b) = 0 THEN 1 ELSE "
    "(SELECT coalesce(min(i), 0) FROM range(1, octet_length(a) + 1) t(i) "
    "WHERE substring(hex(a), 2 * i - 1, 2 * octet_length(b)) = hex(b)) END",
    "varbinary_position(a, b) AS bytearray_position(a, b)",
    "bytearray_to_uint256(b) AS CAST(dune_bytes_to_u256(b) AS UINT256)",
    "varbinary_to_uint256(b) AS CAST(dune_bytes_to_u256(b) AS UINT256)",
    "bytearray_to_int256(b) AS CAST(dune_bytes_to_i256(b) AS INT256)",
    "varbinary_to_int256(b) AS CAST(dune_bytes_to_i256(b) AS INT256)",
    "bytearray_to_bigint(b) AS CAST(dune_bytes_to_i64(b) AS BIGINT)",
    "varbinary_to_bigint(b) AS CAST(dune_bytes_to_i64(b) AS BIGINT)",
    "bytearray_to_decimal(b) AS CAST(dune_bytes_to_i128(b) AS DECIMAL(38, 0))",
    "varbinary_to_decimal(b) AS CAST(dune_bytes_to_i128(b) AS DECIMAL(38, 0))",
    "keccak(b) AS dune_keccak(b)",
    "to_tron_address(b) AS dune_to_tron_address(b)",
    "from_tron_address(s) AS dune_from_tron_address(s)",
    "address_32_from_hex(s) AS dune_address_32_from_hex(s)",
    "to_big_endian_32(x) AS dune_to_big_endian_32(x)",
    "to_big_endian_64(x) AS dune_to_big_endian_64(x)",
    "from_big_endian_32(b) AS dune_from_big_endian_32(b)",
    "from_big_endian_64(b) AS dune_from_big_endian_64(b)",
    "human_readable_seconds(x) AS dune_human_readable_seconds(x)",
    # Trino's any/all/none_match over the predicate's values: NULL only when it decides
    "dune_any_match(t) AS CASE WHEN t IS NULL THEN NULL WHEN list_bool_or(list_transform(t, "
    "lambda x: coalesce(x, false))) THEN true WHEN list_bool_or(list_transform(t, lambda x: "
    "x IS NULL)) THEN NULL ELSE false END",
    "dune_all_match(t) AS CASE WHEN t IS NULL THEN NULL WHEN list_bool_or(list_transform(t, "
    "lambda x: NOT coalesce(x, true))) THEN false WHEN list_bool_or(list_transform(t, "
    "lambda x: x IS NULL)) THEN NULL ELSE true END",
    "dune_none_match(t) AS NOT dune_any_match(t)",
    # cast(x AS varchar(n)): x is the value cast, v its varchar text (Trino cuts a varchar to n
    # characters; a longer text of any other type cannot be represented)
    "dune_varchar_n(x, v, n) AS CASE WHEN typeof(x) = 'VARCHAR' THEN left(v, n) "
    "WHEN v IS NULL OR length(v) <= n THEN v ELSE error('Value ' || v || "
    "' cannot be represented as varchar(' || n || ')') END",
    "dune_try_varchar_n(x, v, n) AS CASE WHEN typeof(x) = 'VARCHAR' THEN left(v, n) "
    "WHEN v IS NULL OR length(v) <= n THEN v END",
    # a date-time text read as timestamp with time zone: no zone (Dune's session zone, UTC) or a
    # UTC one; another zone fails (Trino would keep it, a DuckDB TIMESTAMPTZ cannot)
    "dune_utc_text(s) AS CASE WHEN s IS NULL OR regexp_full_match(CAST(s AS VARCHAR), "
    "'\\s*\\d{4}-\\d{1,2}-\\d{1,2}([ T]\\d{1,2}:\\d{1,2}(:\\d{1,2}([.,]\\d+)?)?)?\\s*"
    "((?i:z|utc|gmt|ut|uct|etc/utc|etc/gmt|[+-]00(:?00)?))?\\s*') THEN CAST(s AS VARCHAR) "
    "ELSE error('a timestamp with a time zone other than UTC is not supported by the emulator: '"
    " || s) END",
    # Trino compares doubles as IEEE 754 does: NaN is unequal to everything, itself included,
    # and neither below nor above anything (DuckDB orders NaN above every number, equal to NaN)
    *(
        f"dune_double_{name}(a, b) AS CASE WHEN isnan(CAST(a AS DOUBLE)) OR "
        "isnan(CAST(b AS DOUBLE)) THEN CASE WHEN a IS NULL OR b IS NULL THEN NULL "
        f"ELSE {'true' if name == 'neq' else 'false'} END ELSE a {symbol} b END"
        for name, symbol in (
            ("eq", "="),
            ("neq", "<>"),
            ("lt", "<"),
            ("lte", "<="),
            ("gt", ">"),
            ("gte", ">="),
        )
    ),
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Create the UDFs and macros the rewrites call (idempotent; before the lock-down)."""
    v, i, blob = "VARCHAR", "INTEGER", "BLOB"
    udfs: list[tuple[str, Callable[..., Any], list[str], str]] = [
        ("dune_decimal_div", _decimal_div, [v, v, i], v),
        ("dune_bytes_to_u256", _bytes_to_int(False, 32, "bytearray_to_uint256"), [blob], v),
        ("dune_bytes_to_i256", _bytes_to_int(True, 32, "bytearray_to_int256"), [blob], v),
        ("dune_bytes_to_i64", _bytes_to_int(True, 8, "bytearray_to_bigint"), [blob], v),
        ("dune_type_name", _type_name, [v], v),
        ("dune_format", _format, [v, v], v),
        ("dune_cbrt", _cbrt, ["DOUBLE"], "DOUBLE"),
        ("dune_bytes_to_i32", _bytes_to_int(True, 4, "varbinary_to_integer"), [blob], v),
        ("dune_to_base58", _to_base58, [blob], v),
        ("dune_from_base58", _from_base58, [v], blob),
        ("dune_from_base", _from_base, [v, "BIGINT"], "BIGINT"),
        ("dune_bytes_to_i128", _bytes_to_int(True, 16, "varbinary_to_decimal"), [blob], v),
        ("dune_keccak", _keccak, [blob], blob),
        ("dune_to_tron_address", _to_tron_address, [blob], v),
        ("dune_from_tron_address", _from_tron_address, [v], blob),
        ("dune_address_32_from_hex", _address_32_from_hex, [v], blob),
        ("dune_to_big_endian_32", _to_big_endian(4), [i], blob),
        ("dune_to_big_endian_64", _to_big_endian(8), ["BIGINT"], blob),
        ("dune_from_big_endian_32", _from_big_endian(4), [blob], i),
        ("dune_from_big_endian_64", _from_big_endian(8), [blob], "BIGINT"),
        ("dune_human_readable_seconds", _human_readable_seconds, ["DOUBLE"], v),
        ("dune_initcap", _initcap, [v], v),
    ]
    udfs.extend(
        (f"dune_{'i' if signed else 'u'}256_{op}", _big(signed, op), [v, v], v)
        for signed in (False, True)
        for op in ("add", "sub", "mul", "div", "mod")
    )
    for name, func, params, ret in udfs:
        with contextlib.suppress(duckdb.Error):
            con.remove_function(name)
        con.create_function(name, func, params, ret)  # type: ignore[arg-type]
    cur = con.cursor()
    try:
        for macro in _MACROS:
            cur.execute(f"CREATE OR REPLACE MACRO {macro}")
    finally:
        cur.close()
