"""DuneSQL (Trino) → DuckDB with Trino's meaning, or a Trino-style error saying it cannot.

One statement, a query (`SELECT`, `WITH … SELECT`, `VALUES`), parsed by sqlglot's Trino dialect;
anything else is refused as Dune refuses it. Every function must be on the allowlist in
`dune_functions` (the ones known to mean the same, or rewritten to a Dune-compatible macro or UDF);
any other name fails with Trino's `Function 'name' not registered`. Arithmetic follows Trino:
integer division (the connection's `integer_division`), decimal literal types, exact uint256 /
int256 and decimal division through UDFs, array subscripts that fail out of range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import dune_functions as fn
from . import evm_decoding, trino_names
from .type_inference import INT256_COMMENT

#: Statement kinds refused with Trino's access-control wording (Dune users cannot write).
_DENIED = {
    "Insert": "Cannot insert into table",
    "Delete": "Cannot delete from table",
    "Update": "Cannot update columns in table",
    "Merge": "Cannot merge into table",
    "TruncateTable": "Cannot truncate table",
    "Drop": "Cannot drop",
    "Create": "Cannot create",
    "Alter": "Cannot alter",
    "AlterRename": "Cannot rename",
}
#: Trino statements the emulator does not run (they are valid on Dune but not emulated).
_UNSUPPORTED = {"Describe": "DESCRIBE", "Show": "SHOW", "Use": "USE", "Transaction": "START"}
_TRINO_STATEMENTS = frozenset(
    [
        "alter",
        "analyze",
        "call",
        "comment",
        "commit",
        "create",
        "deallocate",
        "delete",
        "deny",
        "desc",
        "describe",
        "drop",
        "execute",
        "explain",
        "grant",
        "insert",
        "merge",
        "prepare",
        "refresh",
        "reset",
        "revoke",
        "rollback",
        "set",
        "show",
        "start",
        "truncate",
        "update",
        "use",
        "values",
        "with",
        "select",
        "table",
    ]
)
_EXPECTING = (
    "'ALTER', 'ANALYZE', 'CALL', 'COMMENT', 'COMMIT', 'CREATE', 'DEALLOCATE', 'DELETE', "
    "'DENY', 'DESC', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', 'GRANT', 'INSERT', 'MERGE', "
    "'PREPARE', 'REFRESH', 'RESET', 'REVOKE', 'ROLLBACK', 'SET', 'SHOW', 'START', 'TRUNCATE', "
    "'UPDATE', 'USE', 'WITH', <query>"
)


class TrinoError(Exception):
    """A failure Dune would report before running anything: text and 1-based position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Schema:
    """Storage types of the columns the emulator's tables hold, for static typing."""

    #: lower-case table name (and schema.table) -> {lower-case column -> DuckDB type}
    tables: dict[str, dict[str, str]] = field(default_factory=dict)


def load_schema(con: Any) -> Schema:
    """Read every user-visible column's storage type from DuckDB (one catalog query)."""
    rows = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name NOT LIKE '\\_emulator%' ESCAPE '\\'"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for schema, table, column, dtype, comment in rows:
        if comment == INT256_COMMENT:
            dtype = str(dtype).upper().replace("BIGNUM", "INT256")
        for key in (str(table).lower(), f"{schema}.{table}".lower()):
            out.setdefault(key, {})[str(column).lower()] = str(dtype)
    return Schema(out)


def _pos(sql: str, offset: int) -> tuple[int, int]:
    line = sql.count("\n", 0, offset) + 1
    return line, offset - (sql.rfind("\n", 0, offset) + 1) + 1


def _first_token(sql: str) -> tuple[str, int]:
    """The first word of `sql` after comments and whitespace, and its offset."""
    i = 0
    while i < len(sql):
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = len(sql) if j < 0 else j + 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = len(sql) if j < 0 else j + 2
        elif sql[i].isspace():
            i += 1
        else:
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*|\S", sql[i:])
            return (m.group(0) if m else sql[i]), i
    return "", len(sql)


def prepare(sql: str, schema: Schema | None = None) -> str:
    """The DuckDB SQL that gives Trino's answer to `sql`, or a TrinoError."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    word, at = _first_token(sql)
    if not word:
        raise TrinoError("mismatched input '<EOF>'. Expecting: " + _EXPECTING, 1, 1)
    if word.lower() not in _TRINO_STATEMENTS and word != "(":
        line, col = _pos(sql, at)
        raise TrinoError(f"mismatched input '{word}'. Expecting: {_EXPECTING}", line, col)
    try:
        trees = [t for t in sqlglot.parse(sql, read="trino") if t is not None]
    except SqlglotError as exc:
        errors = getattr(exc, "errors", None) or [{}]
        e = errors[0]
        token = e.get("highlight") or "<EOF>"
        line = int(e.get("line") or 1)
        col = max(1, int(e.get("col") or 1) - len(token) + 1)
        raise TrinoError(f"mismatched input '{token}'", line, col) from None
    except Exception:  # sqlglot can raise plain errors on odd input
        raise TrinoError("mismatched input: the statement could not be parsed", 1, 1) from None
    if not trees:
        raise TrinoError("mismatched input '<EOF>'. Expecting: " + _EXPECTING, 1, 1)
    if len(trees) > 1:
        semi = sql.find(";")
        line, col = _pos(sql, max(0, semi))
        raise TrinoError("mismatched input ';'. Expecting: <EOF>", line, col)
    tree = trees[0]
    kind = type(tree).__name__
    if kind in _DENIED:
        target = tree.find(exp.Table)
        name = ".".join(p.name for p in target.parts) if target is not None else ""
        verb = _DENIED[kind]
        if kind in ("Drop", "Create", "Alter"):
            verb = f"{verb} {str(tree.args.get('kind') or 'table').lower()}"
        raise TrinoError(f"Access Denied: {verb} {name}".rstrip(), *_pos(sql, at))
    if kind in _UNSUPPORTED or kind == "Command":
        what = word.upper()
        raise TrinoError(
            f"{what} statements are not supported by the emulator; "
            "run a query (SELECT, WITH or VALUES)",
            *_pos(sql, at),
        )
    if isinstance(tree, exp.Values):
        tree = _values_as_select(tree)
    elif not isinstance(tree, exp.Query):
        raise TrinoError(
            f"{word.upper()} statements are not supported by the emulator; "
            "run a query (SELECT, WITH or VALUES)",
            *_pos(sql, at),
        )
    built = evm_decoding.expand(tree, sql, lambda message, node: _refuse_call(sql, message, node))
    _check(tree, sql, built)
    trino_names.name_columns(tree)
    types = _Types(tree, schema or Schema())
    types.sql = sql
    tree = _bottom_up(tree, types)
    return str(tree.sql(dialect="duckdb"))


def _bottom_up(tree: Any, types: _Types) -> Any:
    """Rewrite every node after its children, so each replacement wraps rewritten parts."""
    nodes = list(tree.dfs())
    for node in reversed(nodes):
        parent, key, index = node.parent, node.arg_key, node.index
        new = _rewrite(node, types)  # may wrap `node`, which re-parents it
        if new is not node:
            if node is tree or parent is None:
                tree = new
            else:
                parent.set(key, new, index)
    return tree


def _values_as_select(values: Any) -> Any:
    """Top-level VALUES as a SELECT naming its columns `_col0, _col1, …` as Trino does."""
    from sqlglot import exp

    first = values.expressions[0] if values.expressions else None
    width = len(first.expressions) if isinstance(first, exp.Tuple) else 1
    names = [f"_col{i}" for i in range(width)]
    alias = exp.TableAlias(
        this=exp.to_identifier("_values"), columns=[exp.to_identifier(n) for n in names]
    )
    sub = exp.Subquery(this=values.copy(), alias=alias)
    return exp.select(*names).from_(sub)


# -- the allowlist ------------------------------------------------------------------------------


def trino_function_name(node: Any) -> str | None:
    """The Trino name of a function-call node (lower case), None for syntax that is not one."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, fn.STRUCTURAL_NODES):
        return None
    text = node.sql(dialect="trino")
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text)
    if m:
        return m.group(1).lower()
    return str(node.sql_name()).lower()


def _refuse_call(sql: str, message: str, node: Any) -> TrinoError:
    return TrinoError(message, *_locate_call(sql, node, str(getattr(node, "name", "") or "")))


def _check(tree: Any, sql: str, trusted: set[int] | None = None) -> None:
    """Refuse every function not on the allowlist and every table that names a file; `trusted`
    holds the ids of calls the emulator's own rewrites built (decode_evm_event's UDFs)."""
    from sqlglot import exp

    if tree.find(exp.MatchRecognize) is not None:
        raise TrinoError(
            "MATCH_RECOGNIZE is not supported by the emulator", *_locate(sql, "match_recognize")
        )
    for node in tree.walk():
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            name = node.name
            if any(ch in name for ch in "./\\:") or not name:
                raise TrinoError(f"Table '{name}' does not exist", *_locate(sql, name))
        if isinstance(node, exp.Table) and any(
            p.name.lower().startswith("_emulator") for p in node.parts[:-1]
        ):
            raise TrinoError(
                f"Table '{node.sql(dialect='trino')}' does not exist", *_locate(sql, node.name)
            )
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
            called_fn = node.this
            name = trino_function_name(called_fn) or "?"
            if name == "table" and called_fn.expressions:  # FROM TABLE(f(...))
                called_fn = called_fn.expressions[0]
                name = trino_function_name(called_fn) or "?"
            if name in fn.DUNE_TABLE_FUNCTIONS:
                raise TrinoError(
                    f"Table function '{name}' is not supported by the emulator "
                    "(it decodes with Dune's ABI decoder; run it on Dune)",
                    *_locate_call(sql, called_fn, name),
                )
            if name != "unnest" and name not in fn.TABLE_FUNCTIONS:
                raise TrinoError(
                    f"Table function '{name}' not registered", *_locate_call(sql, node.this, name)
                )
        if not isinstance(node, exp.Func) or (trusted and id(node) in trusted):
            continue
        called = trino_function_name(node)
        if called is None:
            continue
        name = called
        if isinstance(node.parent, exp.Table) and name in fn.TABLE_FUNCTIONS:
            continue
        if name not in fn.ALLOWED:
            raise TrinoError(f"Function '{name}' not registered", *_locate_call(sql, node, name))
        problem = fn.unsupported_form(name, node)
        if problem:
            raise TrinoError(problem, *_locate_call(sql, node, name))


def _locate(sql: str, text: str) -> tuple[int, int]:
    i = sql.lower().find(text.lower())
    return _pos(sql, max(0, i))


def _locate_call(sql: str, node: Any, name: str) -> tuple[int, int]:
    start = (node.meta or {}).get("start") if hasattr(node, "meta") else None
    if isinstance(start, int):
        return _pos(sql, start)
    m = re.search(rf"(?<![\w$]){re.escape(name)}\s*\(", sql, re.IGNORECASE)
    return _pos(sql, m.start() if m else 0)


# -- static types -------------------------------------------------------------------------------
# A small inference, enough to pick Trino's arithmetic: ("int", bits) | ("dec", p, s) |
# ("double",) | ("big", signed) | ("map",) | ("list",) | ("json",) | ("blob",) | ("str",) | None.

T = tuple[Any, ...] | None
_INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64, "HUGEINT": 64}
_INT_PRECISION = {8: 3, 16: 5, 32: 10, 64: 19}


def _storage_kind(dtype: str) -> T:
    d = dtype.upper().strip()
    if d in _INT_BITS:
        return ("int", _INT_BITS[d])
    if d in ("UINT256", "BIGNUM", "VARINT"):
        return ("big", False)
    if d == "INT256":
        return ("big", True)
    if d in ("DOUBLE", "FLOAT", "REAL"):
        return ("double",)
    if d.endswith("]"):
        return ("list",)
    if d.startswith("MAP("):
        return ("map",)
    if d == "BLOB":
        return ("blob",)
    if d == "JSON":
        return ("json",)
    if d == "VARCHAR":
        return ("str",)
    if d == "DATE":
        return ("date",)
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", d)
    if m:
        return ("dec", int(m.group(1)), int(m.group(2)))
    return None


def _datatype_kind(dt: Any) -> T:
    from sqlglot import exp

    t = dt.this
    T_ = exp.DataType.Type
    ints = {T_.TINYINT: 8, T_.SMALLINT: 16, T_.INT: 32, T_.BIGINT: 64}
    if t in ints:
        return ("int", ints[t])
    if t == T_.UINT256:
        return ("big", False)
    if t == T_.INT256:
        return ("big", True)
    if t in (T_.DOUBLE, T_.FLOAT):
        return ("double",)
    if t == T_.DECIMAL:
        params = [int(p.name) for p in dt.expressions if p.name.isdigit()]
        if len(params) == 2:
            return ("dec", params[0], params[1])
        if len(params) == 1:
            return ("dec", params[0], 0)
        return ("dec", 38, 0)
    if t == T_.ARRAY:
        return ("list",)
    if t == T_.MAP:
        return ("map",)
    if t in (T_.VARBINARY, T_.BINARY):
        return ("blob",)
    if t == T_.JSON:
        return ("json",)
    if t in (T_.VARCHAR, T_.CHAR, T_.TEXT):
        return ("str",)
    if t == T_.DATE:
        return ("date",)
    return None


def decimal_literal_type(text: str) -> tuple[int, int] | None:
    """Trino's decimal(p,s) for a literal such as `0.14` (2,2) or `100.50` (5,2)."""
    m = re.fullmatch(r"(\d*)\.(\d*)", text)
    if not m or not (m.group(1) or m.group(2)):
        return None
    scale = len(m.group(2))
    digits = (m.group(1) + m.group(2)).lstrip("0")
    return max(len(digits), scale, 1), scale


class _Types:
    """Column and alias types of one query, and the static type of an expression."""

    def __init__(self, tree: Any, schema: Schema) -> None:
        from sqlglot import exp

        self.sql = ""
        self.names: dict[str, T] = {}
        conflicting: set[str] = set()
        for table in tree.find_all(exp.Table):
            key = ".".join(p.name for p in table.parts[-2:]).lower()
            cols = schema.tables.get(key) or schema.tables.get(table.name.lower()) or {}
            for col, dtype in cols.items():
                kind = _storage_kind(dtype)
                if col in self.names and self.names[col] != kind:
                    conflicting.add(col)
                self.names[col] = kind
        for values in tree.find_all(exp.Values):
            alias = values.args.get("alias")
            rows = values.expressions
            if alias is None or not alias.columns or not rows:
                continue
            table = [r.expressions if isinstance(r, exp.Tuple) else [r] for r in rows]
            for i, col in enumerate(alias.columns):
                name = col.name.lower()
                # a column's kind only when every row's value has it (Trino unifies 1 and 2.5
                # to decimal; NULLs take any kind)
                kinds = {
                    self.of(row[i])
                    for row in table
                    if i < len(row) and not isinstance(row[i], exp.Null)
                }
                kind = kinds.pop() if len(kinds) == 1 else None
                if name in self.names and self.names[name] != kind:
                    conflicting.add(name)
                self.names[name] = kind
        for _ in range(2):
            for alias in tree.find_all(exp.Alias):
                name = alias.alias.lower()
                kind = self.of(alias.this)
                if name in self.names and self.names[name] != kind and kind is not None:
                    conflicting.add(name)
                elif kind is not None:
                    self.names[name] = kind
        for name in conflicting:
            self.names[name] = None

    def of(self, e: Any) -> T:
        from sqlglot import exp

        if isinstance(e, exp.Paren):
            return self.of(e.this)
        if isinstance(e, exp.Literal):
            if e.is_string:
                return ("str",)
            text = e.name
            if re.fullmatch(r"\d+", text):
                return ("int", 32 if int(text) < 2**31 else 64)
            dec = decimal_literal_type(text)
            return ("dec", *dec) if dec else ("double",)
        if isinstance(e, exp.Neg):
            return self.of(e.this)
        if isinstance(e, exp.Cast | exp.TryCast):
            return _datatype_kind(e.to)
        if isinstance(e, exp.Column):
            return self.names.get(e.name.lower())
        if isinstance(e, exp.Array):
            return ("list",)
        if isinstance(e, exp.Map | exp.VarMap):
            return ("map",)
        if isinstance(e, exp.Add | exp.Sub) and isinstance(e.expression, exp.Interval):
            return self.of(e.this)
        if isinstance(e, exp.Add | exp.Sub | exp.Mul | exp.Mod | exp.Div):
            return _arith(type(e).__name__, self.of(e.this), self.of(e.expression))
        if type(e).__name__ in ("MapConcat", "MapFromEntries", "Map", "ToMap"):
            return ("map",)
        if isinstance(e, exp.Anonymous):
            name = str(e.name).lower()
            if name in ("map_concat", "map_from_entries", "map_filter", "transform_values", "map"):
                return ("map",)
            if name in ("bytearray_to_uint256", "varbinary_to_uint256"):
                return ("big", False)
            if name in ("bytearray_to_int256", "varbinary_to_int256"):
                return ("big", True)
            if name in ("bytearray_to_decimal", "varbinary_to_decimal"):
                return ("dec", 38, 0)
            if name in _BLOB_FUNCTIONS:
                return ("blob",)
            if name in ("nan", "infinity", "dune_cbrt"):
                return ("double",)
            if name in ("to_tron_address", "human_readable_seconds"):
                return ("str",)
            if name == "from_big_endian_64":
                return ("int", 64)
            if name == "from_big_endian_32":
                return ("int", 32)
            if name.startswith(("bytearray_", "varbinary_")) and name.endswith(
                ("substring", "concat", "ltrim", "rtrim", "reverse", "trim")
            ):
                return ("blob",)
            return None
        if isinstance(e, exp.Unhex | exp.HexString | exp.Encode | exp.MD5Digest | exp.SHA2):
            return ("blob",)
        if isinstance(e, exp.ParseJSON | exp.JSONExtract):
            return ("json",)
        if isinstance(e, exp.Sum | exp.Max | exp.Min | exp.Abs | exp.Coalesce):
            return self.of(e.this)
        if isinstance(e, exp.Count):
            return ("int", 64)
        if isinstance(e, _double_nodes()):
            return ("double",)
        return None


_BLOB_FUNCTIONS = frozenset(
    [
        "keccak",
        "from_tron_address",
        "address_32_from_hex",
        "to_big_endian_32",
        "to_big_endian_64",
        "dune_evm_blob",
    ]
)


def _double_nodes() -> tuple[type, ...]:
    from sqlglot import exp

    return (
        exp.Sqrt,
        exp.Rand,
        exp.Avg,
        exp.Pow,
        exp.Ln,
        exp.Exp,
        exp.Stddev,
        exp.StddevPop,
        exp.StddevSamp,
        exp.Variance,
        exp.VariancePop,
        exp.Pi,
        exp.Log,
    )


def _arith(op: str, a: T, b: T) -> T:
    if a is None or b is None:
        return None
    if a[0] not in ("int", "dec", "double", "big") or b[0] not in ("int", "dec", "double", "big"):
        return None
    if a[0] == "big" or b[0] == "big":
        return ("big", (a[0] == "big" and a[1]) or (b[0] == "big" and b[1]))
    if a[0] == "double" or b[0] == "double":
        return ("double",)
    if a[0] == "int" and b[0] == "int":
        return ("int", max(a[1], b[1]))
    da, db = _as_decimal(a), _as_decimal(b)
    if da is None or db is None:
        return None
    (p1, s1), (p2, s2) = da, db
    if op in ("Add", "Sub"):
        s = max(s1, s2)
        return ("dec", min(38, 1 + s + max(p1 - s1, p2 - s2)), s)
    if op == "Mul":
        return ("dec", min(38, p1 + p2), s1 + s2)
    if op == "Div":
        return ("dec", min(38, p1 + s2 + max(s2 - s1, 0)), max(s1, s2))
    if op == "Mod":
        s = max(s1, s2)
        return ("dec", min(p2 - s2, p1 - s1) + s, s)
    return None


def _as_decimal(t: T) -> tuple[int, int] | None:
    if t is None:
        return None
    if t[0] == "dec":
        return int(t[1]), int(t[2])
    if t[0] == "int":
        return _INT_PRECISION[int(t[1])], 0
    return None


# -- rewriting ----------------------------------------------------------------------------------


def _operator_nodes() -> tuple[type, ...]:
    from sqlglot import exp

    return (
        exp.EQ,
        exp.NEQ,
        exp.LT,
        exp.LTE,
        exp.GT,
        exp.GTE,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Mod,
    )


_SYMBOLS = {
    "EQ": "=",
    "NEQ": "<>",
    "LT": "<",
    "LTE": "<=",
    "GT": ">",
    "GTE": ">=",
    "Add": "+",
    "Sub": "-",
    "Mul": "*",
    "Div": "/",
    "Mod": "%",
}


def _trino_type(t: T) -> str:
    if t is None:
        return "unknown"
    if t[0] == "int":
        return {8: "tinyint", 16: "smallint", 32: "integer", 64: "bigint"}[int(t[1])]
    if t[0] == "dec":
        return f"decimal({t[1]},{t[2]})"
    if t[0] == "big":
        return "int256" if t[1] else "uint256"
    return str(t[0]).replace("str", "varchar")


def _check_operands(node: Any, types: _Types) -> None:
    """Trino refuses a number compared with or added to a string literal (no implicit cast)."""
    from sqlglot import exp

    sides = (node.this, node.expression)
    kinds = [types.of(x) for x in sides]
    numeric = ("int", "dec", "double", "big")
    for i in (0, 1):
        other = sides[1 - i]
        kind = kinds[i]
        if (
            kind is not None
            and kind[0] in numeric
            and isinstance(other, exp.Literal)
            and other.is_string
        ):
            left, right = (
                (kinds[0], f"varchar({len(other.name)})")
                if i == 0
                else (f"varchar({len(other.name)})", kinds[1])
            )
            lt = left if isinstance(left, str) else _trino_type(left)
            rt = right if isinstance(right, str) else _trino_type(right)
            symbol = _SYMBOLS[type(node).__name__]
            m = re.search(re.escape(symbol), types.sql)
            line, col = _pos(types.sql, m.start()) if m else (None, None)
            raise TrinoError(f"Cannot apply operator: {lt} {symbol} {rt}", line, col)


_OPERATOR_NODES: tuple[type, ...] = ()
_BIG_OPS = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Mod": "mod"}


def _call(name: str, *args: Any) -> Any:
    from sqlglot import exp

    return exp.Anonymous(this=name, expressions=list(args))


def _cast(e: Any, to: str) -> Any:
    from sqlglot import exp

    return exp.Cast(this=e, to=exp.DataType.build(to, dialect="duckdb"))


def _rewrite(node: Any, types: _Types) -> Any:
    from sqlglot import exp

    global _OPERATOR_NODES
    if not _OPERATOR_NODES:
        _OPERATOR_NODES = _operator_nodes()

    if isinstance(node, exp.Literal) and not node.is_string:
        if node.name.isdigit() and int(node.name) > 2**63 - 1:
            m = re.search(node.name, types.sql)
            line, col = _pos(types.sql, m.start()) if m else (None, None)
            raise TrinoError(f"Invalid numeric literal: {node.name}", line, col)
        dec = decimal_literal_type(node.name)
        if dec is not None and dec[0] <= 38:
            return _cast(exp.Literal.string(node.name), f"DECIMAL({dec[0]}, {dec[1]})")
        return node
    if isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval):
        kind = types.of(node.this)
        return _cast(node, "DATE") if kind == ("date",) else node
    if isinstance(node, exp.BitwiseAnd | exp.BitwiseOr | exp.BitwiseXor | exp.BitwiseNot):
        return _cast(exp.Paren(this=node), "BIGINT")  # Trino has only bitwise_*(), bigint
    if isinstance(node, _OPERATOR_NODES):
        _check_operands(node, types)
    if isinstance(node, exp.EQ | exp.NEQ | exp.LT | exp.LTE | exp.GT | exp.GTE) and (
        types.of(node.this) == ("double",) or types.of(node.expression) == ("double",)
    ):
        # IEEE comparisons as Trino: NaN equals nothing, itself included (DuckDB: NaN = NaN)
        op = type(node).__name__.lower()
        return _call(f"dune_double_{op}", node.this, node.expression)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
        op = type(node).__name__
        a, b = types.of(node.this), types.of(node.expression)
        if (a and a[0] == "big") or (b and b[0] == "big"):
            result = _arith(op, a or ("int", 64), b or ("int", 64))
            signed = bool(result and result[1])
            udf = f"dune_{'i' if signed else 'u'}256_{_BIG_OPS[op]}"
            call = _call(udf, _cast(node.this, "VARCHAR"), _cast(node.expression, "VARCHAR"))
            return _cast(call, "INT256" if signed else "UINT256")
        if op == "Div" and a and b and "dec" in (a[0], b[0]) and a[0] != "double" != b[0]:
            result = _arith(op, a, b)
            if result is not None and result[0] == "dec":
                p, s = result[1], result[2]
                text = _call(
                    "dune_decimal_div",
                    _cast(node.this, "VARCHAR"),
                    _cast(node.expression, "VARCHAR"),
                    exp.Literal.number(s),
                )
                return _cast(text, f"DECIMAL({p}, {s})")
        return node
    if (
        isinstance(node, exp.In)
        and node.expressions
        and not node.args.get("query")
        and any(types.of(e) == ("double",) for e in [node.this, *node.expressions])
    ):
        # x IN (a, b) is x = a OR x = b in Trino: with doubles, NaN is in no list
        tests = [_call("dune_double_eq", node.this.copy(), e) for e in node.expressions]
        out = tests[0]
        for t in tests[1:]:
            out = exp.Or(this=out, expression=t)
        return exp.Paren(this=out)
    if isinstance(node, exp.Cast | exp.TryCast):
        return _rewrite_cast(node, types)
    if isinstance(node, exp.AtTimeZone):
        return _rewrite_at_time_zone(node, types)
    if isinstance(node, exp.Bracket) and not node.args.get("safe"):
        index = node.expressions[0] if len(node.expressions) == 1 else None
        base = types.of(node.this)
        if index is None:
            return node
        literal = index.this if isinstance(index, exp.Neg) else index
        if isinstance(literal, exp.Literal) and not literal.is_string and literal.name.isdigit():
            value = -int(literal.name) if isinstance(index, exp.Neg) else int(literal.name)
            index = exp.Literal.number(value + 1)  # sqlglot keeps literal indexes 0-based
        if (isinstance(index, exp.Literal) and index.is_string) or (base and base[0] == "map"):
            return _call("dune_map_at", node.this, index)
        if base is None or base[0] == "list":
            return _call("dune_array_at", node.this, index)
        return node
    if isinstance(node, exp.Sum):
        kind = types.of(node.this)
        if kind and kind[0] == "int" and not isinstance(node.parent, exp.Window):
            return _cast(node, "BIGINT")
        return node
    if isinstance(node, exp.TimestampTrunc | exp.DateAdd | exp.DateTrunc):
        kind = types.of(node.this)
        return _cast(node, "DATE") if kind == ("date",) else node
    if isinstance(node, exp.Func | exp.JSONValue):
        return fn.rewrite(node, types.of)
    return node


#: Zone names Trino treats as UTC itself (shown as `UTC`); any other zone is refused, since a
#: DuckDB TIMESTAMPTZ holds an instant only and Trino's timestamp with time zone keeps its zone.
UTC_ZONES = frozenset(
    ["utc", "z", "gmt", "ut", "uct", "zulu", "universal", "greenwich", "gmt0", "+00:00", "-00:00"]
    + [f"etc/{z}" for z in ("utc", "gmt", "uct", "ut", "zulu", "universal", "greenwich", "gmt0")]
)
_TS_TEXT = re.compile(
    r"\s*(\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d{1,12})?)?)?)\s*(.*?)\s*"
)


def _zone_unsupported(what: str, sql: str, near: str) -> TrinoError:
    return TrinoError(
        f"{what} is not supported by the emulator: only UTC "
        "(Trino keeps the zone in a timestamp with time zone; the emulator holds instants in UTC)",
        *_locate(sql, near),
    )


def _rewrite_timestamptz_literal(node: Any, types: _Types) -> Any:
    """`TIMESTAMP '… zone'`: a UTC zone is kept (shown `UTC`), any other refused, never shifted."""
    from sqlglot import exp

    text = node.this.name
    m = _TS_TEXT.fullmatch(text)
    if m is None or not m.group(2):
        return node
    zone = m.group(2)
    if zone.lower() not in UTC_ZONES:
        raise _zone_unsupported(f"TIMESTAMP literal with time zone '{zone}'", types.sql, text)
    node.set("this", exp.Literal.string(f"{m.group(1)} UTC"))
    return node


def _rewrite_at_time_zone(node: Any, types: _Types) -> Any:
    """`x AT TIME ZONE 'UTC'` is x as a timestamp with time zone in UTC (a timestamp without one is
    read in Dune's session zone, UTC); another zone is refused."""
    zone = node.args.get("zone")
    from sqlglot import exp

    if not (isinstance(zone, exp.Literal) and zone.is_string):
        raise TrinoError(
            "AT TIME ZONE with a non-literal zone is not supported by the emulator",
            *_locate(types.sql, "at time zone"),
        )
    if zone.name.strip().lower() not in UTC_ZONES:
        raise _zone_unsupported(f"AT TIME ZONE '{zone.name}'", types.sql, f"'{zone.name}'")
    return _cast(node.this, "TIMESTAMPTZ")


def _varchar_length(to: Any) -> int | None:
    """n of a `varchar(n)` target type, None for a bare varchar or another type."""
    from sqlglot import exp

    if not to.is_type(exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT) or not to.expressions:
        return None
    size = to.expressions[0]
    text = size.this.name if isinstance(size, exp.DataTypeParam) else size.name
    return int(text) if str(text).isdigit() else None


def _rewrite_cast(node: Any, types: _Types) -> Any:
    from sqlglot import exp

    if (
        node.to.is_type(exp.DataType.Type.TIMESTAMPTZ)
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ):
        return _rewrite_timestamptz_literal(node, types)
    if node.to.is_type(exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR):
        raise TrinoError(
            "char(n) is not supported by the emulator (Trino pads it with spaces); use varchar",
            *_locate(types.sql, "char"),
        )
    length = _varchar_length(node.to)
    if length is not None:
        # Trino: a varchar is cut to n characters; any other value longer than n fails
        # (DuckDB ignores the length); try_cast gives NULL instead of failing
        source = node.this.copy()
        node.set("to", exp.DataType.build("VARCHAR", dialect="duckdb"))
        inner = _rewrite_cast(node, types)
        udf = "dune_try_varchar_n" if isinstance(node, exp.TryCast) else "dune_varchar_n"
        return _call(udf, source, inner, exp.Literal.number(length))
    src = types.of(node.this)
    dst = _datatype_kind(node.to)
    if node.to.is_type(exp.DataType.Type.TIMESTAMPTZ) and src in (("str",), None):
        node.set("this", _call("dune_utc_text", node.this))  # a text's own zone must be UTC
        return node
    if src and src[0] == "big" and dst and dst[0] == "dec":
        node.set("this", _cast(node.this, "VARCHAR"))
        return node
    if dst and dst[0] == "big" and src and src[0] in ("dec", "double"):
        node.set("this", _cast(_cast(node.this, "DECIMAL(38, 0)"), "VARCHAR"))
        return node
    if src and src[0] == "blob" and dst and dst[0] == "str":
        raise TrinoError("Cannot cast varbinary to varchar")
    if src and src[0] == "double" and dst and dst[0] == "int":
        node.set("this", _call("round", node.this))  # Trino rounds half away from zero
        return node
    if src and src[0] == "json" and dst and dst[0] in ("str", "int", "double", "dec"):
        node.set("this", _call("dune_json_scalar", node.this))
        return node
    if node.to.is_type(exp.DataType.Type.DECIMAL) and not node.to.expressions:
        # a bare `decimal` is decimal(38,0); `decimal '1.50'` takes the literal's digits
        precision, scale = 38, 0
        if isinstance(node.this, exp.Literal) and node.this.is_string:
            dec = decimal_literal_type(node.this.name.strip().lstrip("+-"))
            if dec is not None:
                precision, scale = dec
            elif node.this.name.strip().lstrip("+-").isdigit():
                precision = max(1, len(node.this.name.strip().lstrip("+-").lstrip("0")))
        node.set("to", exp.DataType.build(f"DECIMAL({precision}, {scale})", dialect="duckdb"))
    return node
