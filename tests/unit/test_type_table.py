"""The Dune type table, row by row: each kind's Arrow type, its JSON and CSV wire decoding to
exact values, its integer range at both ends, and what the cache and uploads read from it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from duneq._cache.arrow import rows_exact
from duneq._dunetypes.arrow import PageParser, arrow_type
from duneq._dunetypes.tree import INT_RANGES, TYPES, UPLOAD_KINDS, TypeOptions, parse_type
from duneq._dunetypes.values import converter
from duneq._errors import ResponseValidationError
from duneq._resources.uploads import COLUMN_TYPES

UTC = dt.UTC

#: kind -> (a Dune type name, its Arrow type, a JSON wire value, its CSV field, the exact value)
ROWS: dict[str, tuple[str, pa.DataType, Any, str, Any]] = {
    "varchar": ("varchar", pa.string(), "a,b", '"a,b"', "a,b"),
    "bigint": ("bigint", pa.int64(), -(2**63), str(-(2**63)), -(2**63)),
    "integer": ("integer", pa.int32(), 2**31 - 1, str(2**31 - 1), 2**31 - 1),
    "smallint": ("smallint", pa.int16(), -(2**15), str(-(2**15)), -(2**15)),
    "tinyint": ("tinyint", pa.int8(), 127, "127", 127),
    "double": ("double", pa.float64(), 0.1, "0.1", 0.1),
    "real": ("real", pa.float32(), 0.5, "0.5", 0.5),
    "boolean": ("boolean", pa.bool_(), True, "true", True),
    "decimal": ("decimal(38,18)", pa.decimal128(38, 18), "1.5", "1.5", Decimal("1.5")),
    "uint256": ("uint256", pa.string(), str(2**256 - 1), str(2**256 - 1), str(2**256 - 1)),
    "int256": ("int256", pa.string(), str(-(2**255)), str(-(2**255)), str(-(2**255))),
    "varbinary": ("varbinary", pa.binary(), "0xc0ffee", "0xc0ffee", b"\xc0\xff\xee"),
    "date": ("date", pa.date32(), "2024-02-29", "2024-02-29", dt.date(2024, 2, 29)),
    "timestamp": (
        "timestamp(3) with time zone",
        pa.timestamp("ms", tz="UTC"),
        "2024-01-02 03:04:05.678 UTC",
        "2024-01-02 03:04:05.678 UTC",
        dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    ),
    "json": ("json", pa.string(), '{"a":1}', '"{""a"":1}"', '{"a":1}'),
    "null": ("unknown", pa.null(), None, "", None),
    "array": ("array(bigint)", pa.list_(pa.int64()), [1, 2], '"[1,2]"', [1, 2]),
    "map": (
        "map(varchar,bigint)",
        pa.map_(pa.string(), pa.int64()),
        {"k": 1},
        '"{""k"":1}"',
        [("k", 1)],
    ),
    "row": (
        "row(a bigint)",
        pa.struct([pa.field("a", pa.int64())]),
        {"a": 7},
        '"{""a"":7}"',
        {"a": 7},
    ),
    "other": ("ipaddress", pa.string(), "10.0.0.1", "10.0.0.1", "10.0.0.1"),
}


def test_every_kind_has_one_row_and_one_case() -> None:
    assert set(TYPES) == set(ROWS)


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_arrow_type_json_and_csv_decoding_per_row(kind: str) -> None:
    name, arrow, json_value, csv_field, exact = ROWS[kind]
    dtype = parse_type(name)
    assert dtype.kind == kind
    assert arrow_type(dtype, TypeOptions()) == arrow
    with pytest.warns(UserWarning) if kind == "other" else _no_warning():
        parser = PageParser(["c"], [name])
    from_json = parser.from_json_rows(json.dumps([{"c": json_value}]).encode())
    from_csv = parser.from_csv(f"c\n{csv_field}\n".encode()).batch
    for batch in (from_json, from_csv):
        assert batch.schema.field("c").type == arrow
        got = batch.column(0).to_pylist()[0]
        assert got == exact and type(got) is type(exact), (kind, batch, got)


@pytest.mark.parametrize("kind", sorted(INT_RANGES))
def test_integer_ranges_hold_at_both_ends(kind: str) -> None:
    low, high = INT_RANGES[kind]
    assert TYPES[kind].range == (low, high)  # type: ignore[index]
    parser = PageParser(["c"], [kind])
    for inside in (low, high):
        column = parser.from_csv(f"c\n{inside}\n".encode()).batch.column(0).to_pylist()
        assert [int(v) for v in column] == [inside]
    python = converter(parse_type(kind), TypeOptions(), "python")
    assert python(str(high)) == high
    for outside in (low - 1, high + 1):
        with pytest.raises(ResponseValidationError, match="out of range|does not parse|row 0"):
            parser.from_csv(f"c\n{outside}\n".encode())


def test_what_the_cache_and_uploads_read_from_the_table() -> None:
    rebuilt = {kind for kind, row in TYPES.items() if row.rebuilt}
    assert rebuilt == {
        "varchar", "bigint", "integer", "smallint", "tinyint", "double", "boolean",
        "decimal", "uint256", "int256", "varbinary", "date", "timestamp", "null",
    }  # fmt: skip
    assert rows_exact([parse_type("uint256"), parse_type("date")], TypeOptions())
    assert not rows_exact([parse_type("real")], TypeOptions())
    assert not rows_exact([parse_type("uint256")], TypeOptions(big_ints="decimal"))
    assert COLUMN_TYPES == UPLOAD_KINDS
    assert set(UPLOAD_KINDS) == {
        "varchar", "varbinary", "uint256", "int256", "bigint", "integer", "double",
        "boolean", "timestamp", "date",
    }  # fmt: skip
    assert {kind for kind, row in TYPES.items() if row.text} == {"varchar", "json", "other"}


@contextlib.contextmanager
def _no_warning() -> Iterator[None]:
    """A context that fails on any warning (``pytest.warns`` has no 'none' form)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
