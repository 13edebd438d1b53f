"""Trino's output column names: an unaliased select item that is not a column reference is
named `_col<position>` (0-based), so `select 1, a` gives `_col0, a` as on Dune."""

from __future__ import annotations

from typing import Any


def transpile(sql: str) -> list[str]:
    """Trino SQL → DuckDB statements, with `_colN` aliases added where Trino would name so."""
    import sqlglot

    out: list[str] = []
    for tree in sqlglot.parse(sql, read="trino"):
        if tree is None:
            continue
        name_columns(tree)
        out.append(tree.sql(dialect="duckdb"))
    return out


def name_columns(tree: Any) -> None:
    """Alias every unnamed expression in each SELECT list of `tree` (in place)."""
    from sqlglot import exp

    for select in list(tree.find_all(exp.Select)):
        for position, item in enumerate(list(select.expressions)):
            if isinstance(item, exp.Alias | exp.Column | exp.Star | exp.Dot):
                continue
            item.replace(exp.alias_(item.copy(), f"_col{position}"))
