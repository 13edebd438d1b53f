"""scripts/spellbook_functions.py finds the functions models call that the emulator lacks, and
ignores jinja, strings, comments, aliases with column lists and CTE column lists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts import spellbook_functions


def _model(root: Path, name: str, sql: str) -> None:
    path = root / "models" / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")


def test_reports_missing_functions_used_by_two_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "{{ config(alias = 'x') }}\n"
        "with c (a, b) as (select 1, 2)\n"
        "select bytearray_substring(data, 1, 2), frobnicate(x), 'quux(' as s -- zap(\n"
        "from {{ source('a', 'b') }} cross join unnest(arr) as t(y) "
        "cross join unnest(z) with ordinality u(v, i)"
    )
    _model(tmp_path, "one", body)
    _model(tmp_path, "two", body + " where max_by(a, b) > 1")
    _model(tmp_path, "three", "select only_once(1)")
    assert spellbook_functions.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("3 models; 2 names called by >= 2 models")
    assert "frobnicate: 2 models" in out
    for absent in ("bytearray_substring:", "quux", "zap", "only_once", " t:", " u:", " c:"):
        assert absent not in out


def test_nested_jinja_leaves_no_stray_quote_and_prod_exclude_models_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `post_hook='{{ hide_spells() }}'` inside `{{ config(...) }}`: a lazy match would stop at the
    # inner `}}` and leave `'` behind, turning every string after it inside out.
    nested = (
        "{{ config(tags=['static'], post_hook='{{ hide_spells() }}') }}\n"
        "select 'Zeroex (0x)' as a, frobnicate(b) from t"
    )
    _model(tmp_path, "one", nested)
    _model(tmp_path, "two", nested)
    spark = "{{ config(tags = ['prod_exclude']) }}\nselect explode(sequence(1, 2))"
    _model(tmp_path, "three", spark)
    _model(tmp_path, "four", spark)
    assert spellbook_functions.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("2 models; 1 names called by >= 2 models")
    assert "frobnicate: 2 models" in out
    assert "zeroex" not in out and "explode" not in out
    assert spellbook_functions.main([str(tmp_path), "--with-excluded"]) == 1
    assert "explode: 2 models" in capsys.readouterr().out


def test_dune_table_functions_are_reported_as_refused_not_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "select * from table(decode_evm_function_call(abi => '', data => table(select 1)))"
    _model(tmp_path, "one", body)
    _model(tmp_path, "two", body)
    assert spellbook_functions.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 refused by name, 0 missing" in out
    assert "decode_evm_function_call: 2 models (refused" in out


def test_decode_evm_event_counts_as_supported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "select * from table(decode_evm_event(abi => '', input => table(select 1)))"
    _model(tmp_path, "one", body)
    _model(tmp_path, "two", body)
    assert spellbook_functions.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "0 refused by name, 0 missing" in out
    assert "decode_evm_event" not in out
