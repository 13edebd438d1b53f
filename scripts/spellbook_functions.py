"""Which functions that spellbook models call does the emulator lack?

Usage: uv run python scripts/spellbook_functions.py PATH_TO_SPELLBOOK_CHECKOUT [--min-models 2]

Reads every `models/**/*.sql` under the checkout, drops jinja (`{{ }}`, `{% %}`, `{# #}`),
comments and string literals, collects the names called as `name(` and counts in how many models
each appears. Models tagged `prod_exclude` (Spark leftovers that Dune does not build) are skipped
unless `--with-excluded` is given. Names used by at least `--min-models` models that the emulator's allowlist
(`dune_emulator.dune_functions`) lacks are printed, most used first. Exit status 1 when any is
missing. The spellbook itself is read, never copied.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from dune_emulator import dune_functions

#: An innermost jinja block (one holding no other); removed repeatedly, so a `{{ }}` inside a
#: `{{ config(post_hook='{{ … }}') }}` goes first and leaves no stray quote behind.
_JINJA = re.compile(r"\{\{(?:(?!\{\{|\}\}).)*\}\}|\{%(?:(?!\{%|%\}).)*%\}|\{#.*?#\}", re.DOTALL)
#: A string literal, a quoted identifier or a comment, in one pass (a `--` inside a string is
#: not a comment, and a quote inside a comment opens no string).
_LEXEMES = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
_PROD_EXCLUDE = re.compile(r"tags\s*=\s*\[[^\]]*['\"]prod_exclude['\"]")
_CALL = re.compile(r"(?<![\w.$\"])([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_ALIAS_COLUMNS = re.compile(r"\b(?:as|ordinality)\s+$", re.IGNORECASE)
_CTE_AFTER = re.compile(r"\s*as\s*\(", re.IGNORECASE)

#: SQL syntax written like a call (keywords, type constructors), not functions.
SYNTAX = frozenset(
    [
        "as",
        "in",
        "over",
        "exists",
        "values",
        "when",
        "then",
        "else",
        "and",
        "or",
        "not",
        "on",
        "using",
        "from",
        "join",
        "select",
        "where",
        "filter",
        "within",
        "group",
        "by",
        "partition",
        "order",
        "into",
        "table",
        "with",
        "union",
        "all",
        "any",
        "some",
        "cast",
        "try_cast",
        "decimal",
        "varchar",
        "char",
        "varbinary",
        "row",
        "array",
        "map",
        "timestamp",
        "date",
        "time",
        "interval",
        "double",
        "real",
        "integer",
        "int",
        "bigint",
        "smallint",
        "tinyint",
        "uint256",
        "int256",
        "boolean",
        "json",
        "unnest",
        "lateral",
        "ipaddress",
        "uuid",
        "char_length",
        "if",
        "case",
        "coalesce",
        "nullif",
        "extract",
        "trim",
        "position",
        "substring",
        "recursive",
        "tablesample",
        "rows",
        "range",
        "between",
        "like",
        "escape",
        "is",
        "distinct",
        "set",
        "having",
    ]
)


def strip_model(text: str) -> str:
    """The model's SQL without jinja, comments or string literals."""
    while True:
        stripped = _JINJA.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    return _LEXEMES.sub(lambda m: "''" if m.group(0)[0] in "'\"" else " ", text)


def called_functions(sql: str) -> set[str]:
    """Lower-case names called as functions in one (stripped) model."""
    out: set[str] = set()
    for m in _CALL.finditer(sql):
        name = m.group(1).lower()
        if name in SYNTAX:
            continue
        before = sql[max(0, m.start() - 12) : m.start()]
        if _ALIAS_COLUMNS.search(before) or before.rstrip().endswith(")"):
            continue  # `as t(x)` / `(…) t(x)`: a table alias with column names
        if _CTE_AFTER.match(sql, _close(sql, m.end() - 1)):
            continue  # `name (a, b) as (…)`: a CTE with column names
        out.add(name)
    return out


def _close(sql: str, open_at: int) -> int:
    """The index just after the parenthesis matching the one at `open_at`."""
    depth = 0
    for i in range(open_at, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return i + 1
    return len(sql)


def model_functions(checkout: Path, with_excluded: bool = False) -> tuple[int, Counter[str]]:
    """(number of models, function name -> number of models calling it)."""
    counts: Counter[str] = Counter()
    models = 0
    for path in sorted(checkout.rglob("*.sql")):
        if "models" not in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if not with_excluded and _PROD_EXCLUDE.search(text):
            continue
        models += 1
        sql = strip_model(text)
        counts.update(called_functions(sql))
    return models, counts


def supported(name: str) -> bool:
    return (
        name in dune_functions.ALLOWED
        or name in dune_functions.TABLE_FUNCTIONS
        or name in dune_functions.EMULATED_TABLE_FUNCTIONS
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--min-models", type=int, default=2)
    parser.add_argument("--with-excluded", action="store_true", help="count prod_exclude models")
    args = parser.parse_args(argv)
    if not args.checkout.is_dir():
        print(f"error: {args.checkout} is not a directory", file=sys.stderr)
        return 2
    models, counts = model_functions(args.checkout, args.with_excluded)
    used = {n: c for n, c in counts.items() if c >= args.min_models}
    refused = sorted(
        ((c, n) for n, c in used.items() if n in dune_functions.DUNE_TABLE_FUNCTIONS), reverse=True
    )
    missing = sorted(
        ((c, n) for n, c in used.items() if not supported(n) and (c, n) not in refused),
        reverse=True,
    )
    print(
        f"{models} models; {len(used)} names called by >= {args.min_models} models; "
        f"{len(used) - len(missing) - len(refused)} supported, {len(refused)} refused by name, "
        f"{len(missing)} missing"
    )
    for count, name in refused:
        print(f"  {name}: {count} models (refused: not supported by the emulator)")
    for count, name in missing:
        print(f"  {name}: {count} models")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
