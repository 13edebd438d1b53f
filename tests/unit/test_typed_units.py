"""Unit tests of typed results on crafted page bytes: the type parser, the Arrow mapping table
(one test per row, JSON and CSV wire paths, Arrow/polars/pandas dtypes), exact values, options
and bad input. No server: the emulator-backed tests come with the results API."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import warnings
from decimal import Decimal
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pytest
from duneq._dunetypes.arrow import PageParser, arrow_type
from duneq._dunetypes.rows import RowTyper, exact_rows
from duneq._dunetypes.tree import DuneType, TypeOptions, UnknownTypeWarning, parse_type
from duneq._errors import InvalidArgument, ResponseValidationError
from duneq._optional import MissingDependency, require
from duneq._results.frames import to_pandas, to_polars

UINT256_MAX = 2**256 - 1
INT256_MIN = -(2**255)
UTC = dt.UTC


def csv_cell(value: Any) -> str:
    """A value as Dune's CSV writes it: NULL empty, nested as JSON text, quoted when needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | dict):
        text = orjson.dumps(value).decode()
    else:
        text = str(value)
    if any(ch in text for ch in ',"\n\r') or text == "":
        text = '"' + text.replace('"', '""') + '"'
    return text


def json_rows(rows: list[dict[str, Any]]) -> bytes:
    """JSON rows text; integers of any width written exactly (orjson cannot write them)."""
    return json.dumps(rows, separators=(",", ":")).encode()


def csv_page(names: list[str], rows: list[dict[str, Any]]) -> bytes:
    lines = [",".join(names)] + [",".join(csv_cell(r.get(n)) for n in names) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def both(
    dune_type: str, values: list[Any], options: TypeOptions | None = None
) -> list[pa.RecordBatch]:
    """One batch per wire path for a single column ``c`` of ``dune_type`` holding ``values``."""
    rows = [{"c": v} for v in values]
    parser = PageParser(["c"], [dune_type], options)
    from_json = parser.from_json_rows(json_rows(rows), offset=0)
    from_csv = parser.from_csv(csv_page(["c"], rows), offset=0).batch
    return [from_json, from_csv]


# One row of the mapping table per entry:
# Dune type, wire values (JSON), expected Python values of the Arrow column, Arrow type,
# polars dtype, pandas dtype (Arrow-backed).
MAPPING: list[tuple[str, list[Any], list[Any], pa.DataType, Any, str]] = [
    (
        "varchar",
        ["a,b", 'q"t', None],
        ["a,b", 'q"t', None],
        pa.string(),
        pl.String,
        "string[pyarrow]",
    ),
    (
        "bigint",
        [2**63 - 1, -(2**63), None],
        [2**63 - 1, -(2**63), None],
        pa.int64(),
        pl.Int64,
        "int64[pyarrow]",
    ),
    ("integer", [2**31 - 1, None], [2**31 - 1, None], pa.int32(), pl.Int32, "int32[pyarrow]"),
    ("smallint", [-(2**15), None], [-(2**15), None], pa.int16(), pl.Int16, "int16[pyarrow]"),
    ("tinyint", [127, None], [127, None], pa.int8(), pl.Int8, "int8[pyarrow]"),
    ("double", [1.5, 1e300, None], [1.5, 1e300, None], pa.float64(), pl.Float64, "double[pyarrow]"),
    ("real", [0.5, None], [0.5, None], pa.float32(), pl.Float32, "float[pyarrow]"),
    ("boolean", [True, False, None], [True, False, None], pa.bool_(), pl.Boolean, "bool[pyarrow]"),
    (
        "decimal(38,18)",
        ["1.500000000000000000", "-12345678901234567890.123456789012345678", None],
        [
            Decimal("1.500000000000000000"),
            Decimal("-12345678901234567890.123456789012345678"),
            None,
        ],
        pa.decimal128(38, 18),
        pl.Decimal(38, 18),
        "decimal128(38, 18)[pyarrow]",
    ),
    (
        "decimal(10,2)",
        ["1.50", "0.00", None],
        [Decimal("1.50"), Decimal("0.00"), None],
        pa.decimal128(10, 2),
        pl.Decimal(10, 2),
        "decimal128(10, 2)[pyarrow]",
    ),
    (
        "uint256",
        [str(UINT256_MAX), "0", "27670116110564327421", None],
        [str(UINT256_MAX), "0", "27670116110564327421", None],
        pa.string(),
        pl.String,
        "string[pyarrow]",
    ),
    (
        "int256",
        [str(INT256_MIN), str(2**255 - 1), "-1", None],
        [str(INT256_MIN), str(2**255 - 1), "-1", None],
        pa.string(),
        pl.String,
        "string[pyarrow]",
    ),
    (
        "varbinary",
        ["0xdeadbeef", "0x", None],
        [b"\xde\xad\xbe\xef", b"", None],
        pa.binary(),
        pl.String,  # frames default to binary="hex": "0xdeadbeef", "0x", None
        "string[pyarrow]",
    ),
    (
        "date",
        ["2024-02-29", None],
        [dt.date(2024, 2, 29), None],
        pa.date32(),
        pl.Date,
        "date32[day][pyarrow]",
    ),
    (
        "timestamp(3)",
        ["2024-01-01 00:00:00.123 UTC", "2024-01-01T00:00:00.5Z", None],
        [
            dt.datetime(2024, 1, 1, 0, 0, 0, 123000, UTC),
            dt.datetime(2024, 1, 1, 0, 0, 0, 500000, UTC),
            None,
        ],
        pa.timestamp("ms", "UTC"),
        pl.Datetime("ms", "UTC"),
        "timestamp[ms, tz=UTC][pyarrow]",
    ),
    (
        "timestamp(3) with time zone",
        ["2021-06-07 13:21:10.000 UTC", "2021-06-07T13:21:10Z", None],
        [dt.datetime(2021, 6, 7, 13, 21, 10, tzinfo=UTC)] * 2 + [None],
        pa.timestamp("ms", "UTC"),
        pl.Datetime("ms", "UTC"),
        "timestamp[ms, tz=UTC][pyarrow]",
    ),
    (
        "array(bigint)",
        [[1, None, 2**63 - 1], [], None],
        [[1, None, 2**63 - 1], [], None],
        pa.list_(pa.int64()),
        pl.List(pl.Int64),
        "list<item: int64>[pyarrow]",
    ),
    (
        "map(varchar,bigint)",
        [{"a": 1, "b": None}, None],
        [[("a", 1), ("b", None)], None],
        pa.map_(pa.string(), pa.int64()),
        None,  # polars maps are version dependent; checked by dtype name below
        "map<string, int64>[pyarrow]",
    ),
    (
        "row(a bigint, b varchar)",
        [{"a": 1, "b": "x"}, [2, None], None],
        [{"a": 1, "b": "x"}, {"a": 2, "b": None}, None],
        pa.struct([("a", pa.int64()), ("b", pa.string())]),
        pl.Struct({"a": pl.Int64, "b": pl.String}),
        "struct<a: int64, b: string>[pyarrow]",
    ),
    (
        "json",
        ['{"k":[1,2]}', None],
        ['{"k":[1,2]}', None],
        pa.string(),
        pl.String,
        "string[pyarrow]",
    ),
    ("unknown", [None, None], [None, None], pa.null(), pl.Null, "null[pyarrow]"),
]


@pytest.mark.parametrize(
    ("dune_type", "wire", "expected", "arrow", "polars", "pandas"),
    MAPPING,
    ids=[m[0] for m in MAPPING],
)
def test_mapping_table_row(
    dune_type: str,
    wire: list[Any],
    expected: list[Any],
    arrow: pa.DataType,
    polars: Any,
    pandas: str,
) -> None:
    for batch in both(dune_type, wire):
        assert batch.schema.field("c").type == arrow
        assert batch.schema.field("c").metadata == {b"dune_type": dune_type.encode()}
        assert batch.column(0).to_pylist() == expected
        table = pa.Table.from_batches([batch])
        frame = to_polars(table)
        if polars is not None:
            assert frame.schema["c"] == polars
        else:
            assert str(frame.schema["c"]).startswith(("Map", "List(Struct"))
        pdf = to_pandas(table)
        assert str(pdf["c"].dtype) == pandas
        assert len(pdf) == len(expected)


def test_nested_array_of_rows_with_timestamps_and_big_ints() -> None:
    dune_type = "array(row(t timestamp(3), u uint256, d decimal(5,2)))"
    wire = [[{"t": "2024-01-01 00:00:00.001 UTC", "u": str(UINT256_MAX), "d": "1.10"}, None], None]
    for batch in both(dune_type, wire):
        assert batch.column(0).to_pylist() == [
            [
                {
                    "t": dt.datetime(2024, 1, 1, 0, 0, 0, 1000, UTC),
                    "u": str(UINT256_MAX),
                    "d": Decimal("1.10"),
                },
                None,
            ],
            None,
        ]


def test_map_with_integer_keys_from_json_object_keys() -> None:
    batch = both("map(bigint,array(varchar))", [{"1": ["a"], "-2": []}])[0]
    assert batch.column(0).to_pylist() == [[(1, ["a"]), (-2, [])]]


def test_bigint_overflow_names_column_row_and_exact_value() -> None:
    parser = PageParser(["id", "total"], ["bigint", "bigint"])
    raw = b'[{"id":1,"total":5},{"id":2,"total":27670116110564327421}]'
    with pytest.raises(ResponseValidationError) as info:
        parser.from_json_rows(raw, offset=64000)
    message = str(info.value)
    assert "'total'" in message and "row 64001" in message and "27670116110564327421" in message
    with pytest.raises(
        ResponseValidationError, match=r"'total' \(bigint\) row 64001: value '27670116110564327421'"
    ):
        parser.from_csv(b"id,total\n1,5\n2,27670116110564327421\n", offset=64000)


def test_wide_integer_sum_is_exact_as_uint256_and_as_python_int() -> None:
    raw = b'[{"s":27670116110564327421}]'  # a JSON number, as a sum may arrive
    batch = PageParser(["s"], ["uint256"]).from_json_rows(raw)
    assert batch.column(0).to_pylist() == ["27670116110564327421"]
    assert exact_rows(raw) == [{"s": 27670116110564327421}]
    assert orjson.loads(raw) != [{"s": 27670116110564327421}]  # the corruption being avoided


@pytest.mark.parametrize(
    ("dune_type", "value", "reason"),
    [
        ("uint256", str(2**256), "out of range for uint256"),
        ("uint256", "-1", "out of range for uint256"),
        ("int256", str(-(2**255) - 1), "out of range for int256"),
        ("int256", "12x", "not an integer"),
        ("integer", 2**31, "out of range for integer"),
        ("tinyint", 128, "out of range for tinyint"),
        ("decimal(10,2)", "1.505", "more than 2 fraction digits"),
        ("decimal(4,2)", "123.4", "more than 4 digits"),
        ("timestamp(3)", "2024-01-01 00:00:00.0001 UTC", "more precision"),
        ("timestamp(3)", "yesterday", "not a timestamp"),
        ("date", "2024-01-01T10:00:00Z", "time of day"),
        ("varbinary", "deadbeef", "not 0x-prefixed hex"),
        ("varbinary", "0xabc", "not 0x-prefixed hex"),
        ("boolean", "yes", "not a boolean"),
        ("double", "lots", "not a number"),
        ("unknown", "x", "non-null value"),
    ],
)
def test_value_that_does_not_fit_raises_never_null(dune_type: str, value: Any, reason: str) -> None:
    rows = [{"c": None}, {"c": value}]
    parser = PageParser(["c"], [dune_type])
    with pytest.raises(ResponseValidationError, match=reason) as info:
        parser.from_json_rows(json_rows(rows), offset=10)
    assert "row 11" in str(info.value) and "'c'" in str(info.value)
    if dune_type not in ("varchar", "unknown"):
        with pytest.raises(ResponseValidationError, match="row 11"):
            parser.from_csv(csv_page(["c"], rows), offset=10)


def test_varchar_with_a_number_is_an_error() -> None:
    with pytest.raises(ResponseValidationError, match="not a string"):
        PageParser(["c"], ["varchar"]).from_json_rows(b'[{"c":1}]')


def test_double_nan_and_infinity_as_strings() -> None:
    for batch in both("double", ["NaN", "Infinity", "-Infinity", 2]):
        values = batch.column(0).to_pylist()
        assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf, 2.0]


def test_timestamp_offsets_and_precisions() -> None:
    batch = both("timestamp(6)", ["2024-01-01 02:00:00.123456+02:00", "2024-01-01 00:00:00 UTC"])[0]
    assert batch.schema.field("c").type == pa.timestamp("us", "UTC")
    assert batch.column(0).to_pylist() == [
        dt.datetime(2024, 1, 1, 0, 0, 0, 123456, UTC),
        dt.datetime(2024, 1, 1, tzinfo=UTC),
    ]
    nine = PageParser(["c"], ["timestamp(9)"]).from_json_rows(
        b'[{"c":"1970-01-01 00:00:00.000000001 UTC"}]'
    )
    assert nine.column(0).cast(pa.int64()).to_pylist() == [1]


def test_big_ints_options() -> None:
    wire = [str(10**38 - 1), "-5", None]
    decimal = both("int256", wire, TypeOptions(big_ints="decimal"))
    for batch in decimal:
        assert batch.schema.field("c").type == pa.decimal128(38, 0)
        assert batch.column(0).to_pylist() == [Decimal(10**38 - 1), Decimal(-5), None]
    for batch in both("uint256", [str(UINT256_MAX // 10**2)], TypeOptions(big_ints="decimal256")):
        assert batch.column(0).to_pylist() == [Decimal(UINT256_MAX // 10**2)]
    for batch in both("uint256", [str(UINT256_MAX), "3"], TypeOptions(big_ints="float")):
        assert batch.column(0).to_pylist() == [float(UINT256_MAX), 3.0]
    with pytest.raises(
        ResponseValidationError, match=r"more than 38 digits \(big_ints='decimal'\)"
    ):
        both("uint256", [str(10**38)], TypeOptions(big_ints="decimal"))
    with pytest.raises(ResponseValidationError, match="more than 76 digits"):
        both("uint256", [str(UINT256_MAX)], TypeOptions(big_ints="decimal256"))


def test_polars_refuses_decimal256_with_a_clear_error() -> None:
    batch = both("uint256", ["1"], TypeOptions(big_ints="decimal256"))[0]
    with pytest.raises(InvalidArgument, match="polars cannot hold decimal256"):
        to_polars(pa.Table.from_batches([batch]))


def test_binary_as_hex_option() -> None:
    for batch in both("varbinary", ["0xDeadBeef", None], TypeOptions(binary="hex")):
        assert batch.schema.field("c").type == pa.string()
        assert batch.column(0).to_pylist() == ["0xdeadbeef", None]  # Dune's lower-case form


def test_invalid_options_raise_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match="big_ints must be one of"):
        TypeOptions(big_ints="int")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="binary must be one of"):
        TypeOptions(binary="base64")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="dtype_backend"):
        to_pandas(pa.table({"a": [1]}), dtype_backend="numpy")


def test_unknown_type_is_kept_as_string_with_a_warning() -> None:
    with pytest.warns(UnknownTypeWarning, match="'ip'.*ipaddress"):
        parser = PageParser(["ip", "n"], ["ipaddress", "bigint"])
    assert parser.schema.field("ip").type == pa.string()
    batch = parser.from_json_rows(b'[{"ip":"10.0.0.1","n":1},{"ip":{"weird":1},"n":null}]')
    assert batch.column(0).to_pylist() == ["10.0.0.1", '{"weird":1}']
    with pytest.warns(UnknownTypeWarning):
        missing = PageParser(["a"], None)
    assert missing.from_csv(b"a\nx\n").batch.column(0).to_pylist() == ["x"]


def test_empty_pages_keep_the_schema() -> None:
    parser = PageParser(["a", "t"], ["bigint", "timestamp(3)"])
    for batch in (
        parser.from_json_rows(b"[]"),
        parser.from_json_rows(None),
        parser.from_csv(b"a,t\n").batch,
        parser.from_csv(b"").batch,
        parser.empty(),
    ):
        assert batch.num_rows == 0
        assert batch.schema == parser.schema
    assert to_polars(pa.Table.from_batches([parser.empty()])).schema["t"] == pl.Datetime(
        "ms", "UTC"
    )


def test_rows_missing_a_key_give_null_and_non_objects_are_errors() -> None:
    parser = PageParser(["a", "b"], ["bigint", "varchar"])
    assert parser.from_json_rows(b'[{"a":1},{"b":"x"}]').to_pylist() == [
        {"a": 1, "b": None},
        {"a": None, "b": "x"},
    ]
    with pytest.raises(ResponseValidationError, match="not a list of row objects"):
        parser.from_json_rows(b"[[1,2]]")


def test_csv_reports_text_columns_where_empty_and_null_are_ambiguous() -> None:
    parser = PageParser(["s", "n", "q"], ["varchar", "bigint", "varchar"])
    page = parser.from_csv(b's,n,q\n,,""\nx,1,y\n')
    assert page.batch.to_pylist() == [{"s": None, "n": None, "q": ""}, {"s": "x", "n": 1, "q": "y"}]
    assert page.ambiguous == ("s",)


def test_csv_values_with_newlines_and_quotes() -> None:
    parser = PageParser(["s", "n"], ["varchar", "bigint"])
    batch = parser.from_csv(b's,n\n"a\nb ""c""",1\n').batch
    assert batch.to_pylist() == [{"s": 'a\nb "c"', "n": 1}]


def test_exact_rows_and_typed_rows() -> None:
    raw = json_rows(
        [
            {
                "u": str(UINT256_MAX),
                "n": 27670116110564327421,
                "d": "1.50",
                "t": "2024-01-01 00:00:00.123 UTC",
                "b": "0x00ff",
                "dt": "2024-01-01",
                "r": [1, "x"],
                "m": {"k": "2"},
                "x": None,
            }
        ]
    )
    rows = exact_rows(raw)
    assert rows[0]["n"] == 27670116110564327421 and isinstance(rows[0]["n"], int)
    assert rows[0]["u"] == str(UINT256_MAX)  # default rows keep the wire values
    names = list(rows[0])
    types = ["uint256", "uint256", "decimal(10,2)", "timestamp(3)", "varbinary", "date"]
    types += ["row(a bigint, b varchar)", "map(varchar,int256)", "bigint"]
    typed = RowTyper(names, types).convert(rows)
    assert typed == [
        {
            "u": UINT256_MAX,
            "n": 27670116110564327421,
            "d": Decimal("1.50"),
            "t": dt.datetime(2024, 1, 1, 0, 0, 0, 123000, UTC),
            "b": b"\x00\xff",
            "dt": dt.date(2024, 1, 1),
            "r": {"a": 1, "b": "x"},
            "m": {"k": 2},
            "x": None,
        }
    ]
    assert str(typed[0]["d"]) == "1.50"
    with pytest.raises(ResponseValidationError, match=r"'d' \(decimal\(10,2\)\) row 7: value 'x'"):
        RowTyper(["d"], ["decimal(10,2)"]).convert([{"d": "x"}], offset=7)


@pytest.mark.parametrize(
    ("text", "kind", "extra"),
    [
        ("varchar", "varchar", {}),
        ("varchar(42)", "varchar", {}),
        ("VARCHAR", "varchar", {}),
        ("decimal(38,18)", "decimal", {"precision": 38, "scale": 18}),
        ("decimal", "decimal", {"precision": 38, "scale": 0}),
        ("timestamp(3)", "timestamp", {"precision": 3, "tz": False}),
        ("timestamp(6) with time zone", "timestamp", {"precision": 6, "tz": True}),
        ("timestamp", "timestamp", {"precision": 3}),
        ("double precision", "double", {}),
        ("unknown", "null", {}),
        ("ipaddress", "other", {}),
        ("array(foo)", "other", {}),
        ("map(varchar", "other", {}),
        ("", "other", {}),
    ],
)
def test_parse_type(text: str, kind: str, extra: dict[str, Any]) -> None:
    parsed = parse_type(text)
    assert parsed.kind == kind
    assert parsed.text == text
    for name, value in extra.items():
        assert getattr(parsed, name) == value


def test_parse_nested_row_names() -> None:
    parsed = parse_type('row(a bigint, "b c" array(timestamp(3) with time zone), double precision)')
    assert parsed.fields == ("a", "b c", "field2")
    assert [c.kind for c in parsed.children] == ["bigint", "array", "double"]
    assert parsed.children[1].children[0] == DuneType(
        "timestamp", "timestamp(3) with time zone", precision=3, tz=True
    )
    assert arrow_type(parse_type("map(varchar, row(x uint256))"), TypeOptions()) == pa.map_(
        pa.string(), pa.struct([("x", pa.string())])
    )


def test_missing_extra_names_the_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(MissingDependency, match=r"pip install 'duneq\[polars\]'"):
        require("polars")
    with pytest.raises(MissingDependency, match=r"duneq\[polars\]"):
        to_polars(pa.table({"a": [1]}))


def test_import_duneq_stays_light() -> None:
    code = (
        "import sys, duneq, duneq._dunetypes.tree, duneq._dunetypes.values, duneq._dunetypes.rows, duneq._results.frames;"
        "print(sorted(m for m in ('pyarrow', 'polars', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_warnings_for_known_types() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PageParser([m[0] for m in MAPPING], [m[0] for m in MAPPING])


def test_typed_rows_fast_paths_keep_the_exact_rules() -> None:
    typer = RowTyper(
        ["t0", "t3", "d", "u"], ["timestamp(0)", "timestamp(3)", "decimal(5,2)", "uint256"]
    )
    assert typer.convert([{"t0": "2024-01-01 00:00:01.000 UTC", "d": "1.5", "u": "+7"}]) == [
        {
            "t0": dt.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
            "t3": None,
            "d": Decimal("1.50"),
            "u": 7,
        }
    ]
    for row, message in [
        ({"t0": "2024-01-01 00:00:00.500 UTC"}, "more precision"),
        ({"t3": "2024-01-01T00:00:00.123456Z"}, "more precision"),
        ({"d": "1234.50"}, "more than 5 digits"),
        ({"u": str(2**256)}, "out of range"),
        ({"u": "1_000"}, "not an integer"),
    ]:
        with pytest.raises(ResponseValidationError, match=message):
            typer.convert([row])


def test_csv_dates_are_read_as_midnights_and_anything_else_is_refused() -> None:
    parser = PageParser(["d"], ["date"])
    data = b"d\n2024-01-01T00:00:00Z\n2024-01-02\n\n2024-03-01 00:00:00.000 UTC\n"
    batch = parser.from_csv(data).batch
    assert batch.column(0).type == pa.date32()
    assert batch.column(0).to_pylist() == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 2),
        None,
        dt.date(2024, 3, 1),
    ]
    with pytest.raises(ResponseValidationError, match="row 1"):
        parser.from_csv(b"d\n2024-01-01T00:00:00Z\n2024-01-01T05:00:00Z\n")


def test_csv_text_that_is_not_utf8_is_refused() -> None:
    parser = PageParser(["s", "n"], ["varchar", "bigint"])
    assert parser.from_csv("s,n\ncafé,1\n".encode()).batch.column(0).to_pylist() == ["café"]
    with pytest.raises(ResponseValidationError, match="not UTF-8"):
        parser.from_csv(b"s,n\ncaf\xe9,1\n")
