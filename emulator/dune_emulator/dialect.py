"""Map DuckDB error positions back onto the SQL the user wrote (the translation itself is in
`trino_sql`)."""

from __future__ import annotations

import re
import threading


def warm_up() -> None:
    """Import sqlglot and translate once in a background thread, so start-up stays fast and
    the first execution does not pay for it."""
    from . import trino_sql

    threading.Thread(
        target=trino_sql.prepare, args=("select 1",), name="sqlglot-warm-up", daemon=True
    ).start()


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
