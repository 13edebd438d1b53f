"""DuneSQL (Trino) → DuckDB: transpile with sqlglot, fall back to native DuckDB SQL, and map
DuckDB error positions back onto the SQL the user wrote."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from . import trino_names


@dataclass(frozen=True)
class PreparedSql:
    """The SQL to run plus how we got it (`trino` = transpiled, `duckdb` = run as written)."""

    original: str
    candidates: tuple[tuple[str, str], ...]  # (dialect, sql) in the order to try


def warm_up() -> None:
    """Import sqlglot and transpile once in a background thread, so start-up stays fast and
    the first execution does not pay for it."""
    threading.Thread(
        target=prepare, args=("select 1",), name="sqlglot-warm-up", daemon=True
    ).start()


def prepare(sql: str) -> PreparedSql:
    """Transpile Trino SQL to DuckDB; when it does not parse as Trino, run it as DuckDB SQL."""
    from sqlglot.errors import SqlglotError  # imported lazily: sqlglot is the slowest import

    try:
        statements = _to_duckdb(sql)  # Trino → DuckDB, naming columns as Trino does
    except SqlglotError:
        return PreparedSql(sql, (("duckdb", sql),))
    except Exception:  # sqlglot can raise plain errors on odd input; treat as "not Trino"
        return PreparedSql(sql, (("duckdb", sql),))
    transpiled = ";\n".join(s for s in statements if s.strip())
    if not transpiled.strip():
        return PreparedSql(sql, (("duckdb", sql),))
    if transpiled.strip() == sql.strip().rstrip(";").strip():
        return PreparedSql(sql, (("duckdb", sql),))
    return PreparedSql(sql, (("trino", transpiled), ("duckdb", sql)))


_LINE_RE = re.compile(r"^LINE (\d+): (.*)$", re.MULTILINE)
_TOKEN_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|\d+|\S')


def error_position(message: str, executed: str, original: str) -> tuple[int, int] | None:
    """1-based (line, column) in `original` of the token DuckDB's caret points at."""
    m = _LINE_RE.search(message)
    if not m:
        return None
    line_no = int(m.group(1))
    fragment = m.group(2)
    rest = message[m.end() :].split("\n", 2)
    if len(rest) < 2 or "^" not in rest[1]:
        return None
    caret = rest[1].index("^") - len(f"LINE {line_no}: ")
    if caret < 0:
        return None
    exec_lines = executed.split("\n")
    if not 1 <= line_no <= len(exec_lines):
        return None
    exec_line = exec_lines[line_no - 1]
    frag = fragment[3:] if fragment.startswith("...") else fragment
    shift = 3 if fragment.startswith("...") else 0
    frag = frag[:-3] if frag.endswith("...") else frag
    start = exec_line.find(frag) if frag else 0
    col0 = max(0, start) + (caret - shift)
    tok = _TOKEN_RE.match(exec_line, col0) if col0 <= len(exec_line) else None
    if executed == original:
        return line_no, col0 + 1
    abs_pos = sum(len(line) + 1 for line in exec_lines[: line_no - 1]) + col0
    rel = abs_pos / max(1, len(executed))
    if tok is None:
        return None
    token = tok.group(0)
    pattern = re.escape(token)
    if re.match(r"\w", token):
        pattern = r"(?<![\w$])" + pattern + r"(?![\w$])"
    hits = [h.start() for h in re.finditer(pattern, original, re.IGNORECASE)]
    if not hits:
        return None
    target = rel * len(original)
    best = min(hits, key=lambda h: abs(h - target))
    line = original.count("\n", 0, best) + 1
    column = best - (original.rfind("\n", 0, best) + 1) + 1
    return line, column


def first_line(message: str) -> str:
    return message.split("\n", 1)[0].strip()


# -- DuneSQL type syntax -------------------------------------------------------------------------
# uint256/int256 casts and literals need nothing here: sqlglot keeps the names and DuckDB knows
# them (dune_types.register_dune_types). 0x... literals become unhex(), timestamp literals casts.

_DECIMAL_TEXT = re.compile(r"\s*[+-]?(\d*)(?:\.(\d*))?\s*")


def _to_duckdb(sql: str) -> list[str]:
    """Each Trino statement of `sql` as DuckDB SQL, with DuneSQL's type rules applied."""
    import sqlglot

    out: list[str] = []
    for tree in sqlglot.parse(sql, read="trino"):
        if tree is None:
            out.append("")
            continue
        trino_names.name_columns(tree)
        out.append(tree.transform(_dune_type_syntax).sql(dialect="duckdb"))
    return out


def _dune_type_syntax(node: Any) -> Any:
    """A bare `decimal` is Trino's decimal(38,0), and `decimal '1.50'` takes the literal's
    digits as precision and scale (DuckDB would pick decimal(18,3))."""
    from sqlglot import exp

    if not (isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DECIMAL)):
        return node
    if node.to.expressions:
        return node
    precision, scale = 38, 0
    literal = node.this
    if isinstance(literal, exp.Literal) and literal.is_string:
        m = _DECIMAL_TEXT.fullmatch(literal.name)
        if m and (m.group(1) or m.group(2)):
            scale = len(m.group(2) or "")
            precision = max(1, len(m.group(1).lstrip("0")) + scale)
    node.set("to", exp.DataType.build(f"DECIMAL({precision}, {scale})"))
    return node
