"""Typed results through real HTTP to the emulator, sync and async: every type of
samples.all_types to Arrow, polars and pandas, one page per row so the CSV path, the JSON
settling of empty text and the prefetch all run; Parquet, the PyCapsule stream, typed rows."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import duneq
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, collect, count, make, run

SQL = "select * from samples.all_types order by id"
CSV = "GET /api/v1/execution/{execution_id}/results/csv"
JSON = "GET /api/v1/execution/{execution_id}/results"
UTC = dt.UTC
UINT256_MAX = str(2**256 - 1)
INT256_MIN = str(-(2**255))

TYPES = {
    "id": pa.int64(),
    "amount_raw": pa.string(),
    "delta_raw": pa.string(),
    "tx_hash": pa.binary(),
    "block_time": pa.timestamp("ms", "UTC"),
    "local_time": pa.timestamp("ms", "UTC"),
    "block_date": pa.date32(),
    "price": pa.decimal128(38, 18),
    "fee": pa.decimal128(10, 2),
    "ratio": pa.float64(),
    "ratio_real": pa.float32(),
    "is_contract": pa.bool_(),
    "tiny_n": pa.int8(),
    "small_n": pa.int16(),
    "int_n": pa.int32(),
    "big_n": pa.int64(),
    "label": pa.string(),
    "log_indexes": pa.list_(pa.int64()),
    "amounts": pa.list_(pa.string()),
    "balances": pa.map_(pa.string(), pa.int64()),
    "transfer": pa.struct([("a", pa.int64()), ("b", pa.string())]),
    "payload": pa.string(),
    "samples": pa.list_(pa.float64()),
}
POLARS = {
    "id": pl.Int64,
    "amount_raw": pl.String,
    "delta_raw": pl.String,
    "tx_hash": pl.String,  # frames show varbinary as 0x hex text by default
    "block_time": pl.Datetime("ms", "UTC"),
    "local_time": pl.Datetime("ms", "UTC"),
    "block_date": pl.Date,
    "price": pl.Decimal(38, 18),
    "fee": pl.Decimal(10, 2),
    "ratio": pl.Float64,
    "ratio_real": pl.Float32,
    "is_contract": pl.Boolean,
    "tiny_n": pl.Int8,
    "small_n": pl.Int16,
    "int_n": pl.Int32,
    "big_n": pl.Int64,
    "label": pl.String,
    "log_indexes": pl.List(pl.Int64),
    "amounts": pl.List(pl.String),
    "transfer": pl.Struct({"a": pl.Int64, "b": pl.String}),
    "payload": pl.String,
    "samples": pl.List(pl.Float64),
}  # and "balances": a polars Map (or List of key/value structs in older polars)
ROW_1 = {
    "id": 1,
    "amount_raw": "1000000000000000000",
    "delta_raw": "-5",
    "tx_hash": b"\xde\xad\xbe\xef",
    "block_time": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, UTC),
    "local_time": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, UTC),
    "block_date": dt.date(2024, 1, 2),
    "price": Decimal("1234.500000000000000000"),
    "fee": Decimal("1.50"),
    "ratio": 0.25,
    "ratio_real": float(pa.scalar(0.1, pa.float32()).as_py()),
    "is_contract": True,
    "tiny_n": -8,
    "small_n": 7,
    "int_n": 42,
    "big_n": 9007199254740993,
    "label": 'swap, "quoted"',
    "log_indexes": [1, 2, 3],
    "amounts": ["1", str(2**200)],
    "balances": [("a", 1), ("b", 2)],
    "transfer": {"a": 1, "b": "x"},
    "payload": '{"k":[1,2]}',
    "samples": [1.5, math.nan, math.inf, -math.inf],
}
ROW_2 = {
    "id": 2,
    "amount_raw": UINT256_MAX,
    "delta_raw": INT256_MIN,
    "tx_hash": b"\x00",
    "block_time": dt.datetime(1970, 1, 1, tzinfo=UTC),
    "local_time": dt.datetime(1970, 1, 1, tzinfo=UTC),
    "block_date": dt.date(1970, 1, 1),
    "price": Decimal("99999999999999999999.999999999999999999"),
    "fee": Decimal("0.00"),
    "ratio": math.nan,
    "ratio_real": math.inf,
    "is_contract": False,
    "tiny_n": 127,
    "small_n": 32767,
    "int_n": 2147483647,
    "big_n": -9223372036854775808,
    "label": "",
    "log_indexes": [],
    "amounts": [],
    "balances": [],
    "transfer": {"a": None, "b": None},
    "payload": "null",
    "samples": [],
}
ROW_3 = dict.fromkeys(TYPES) | {"id": 3}


def same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN, recursively."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) and type(a) is type(b)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", ["csv", "json"])
def test_every_type_to_arrow_polars_pandas(
    mode: str, wire: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql(SQL, page_size=1))
        csv_before, json_before = count(dune_emulator, CSV), count(dune_emulator, JSON)
        table = await aw(result.to_arrow(wire=wire))
        assert {f.name: f.type for f in table.schema} == TYPES
        assert table.schema.field("amount_raw").metadata == {b"dune_type": b"uint256"}
        rows = table.to_pylist()
        assert [same(got, want) for got, want in zip(rows, [ROW_1, ROW_2, ROW_3], strict=True)] == [
            True
        ] * 3
        if wire == "csv":
            # every row came as CSV (opening fetched nothing); row 2's empty label and row 3's
            # NULLs are ambiguous in CSV, so only those pages were re-read as JSON (narrowed to
            # the text columns)
            assert count(dune_emulator, CSV) - csv_before == 3
            assert count(dune_emulator, JSON) - json_before == 2
        else:
            assert count(dune_emulator, CSV) == csv_before
        frame = await aw(result.to_polars(wire=wire))
        assert {n: t for n, t in frame.schema.items() if n != "balances"} == POLARS
        assert str(frame.schema["balances"]).startswith(("Map", "List(Struct"))
        assert same(frame.rows(named=True)[1]["amount_raw"], UINT256_MAX)
        assert frame["amount_raw"].to_list() == ["1000000000000000000", UINT256_MAX, None]
        assert frame["fee"].to_list() == [Decimal("1.50"), Decimal("0.00"), None]
        assert frame["label"].to_list() == ['swap, "quoted"', "", None]
        assert frame["tx_hash"].to_list() == ["0xdeadbeef", "0x00", None]
        pdf = await aw(result.to_pandas(wire=wire))
        assert {n: str(pdf[n].dtype) for n in TYPES} == {
            n: f"{pa.string() if n == 'tx_hash' else t}[pyarrow]" for n, t in TYPES.items()
        }
        assert pdf["tx_hash"].tolist()[:2] == ["0xdeadbeef", "0x00"]
        assert same(pdf.iloc[1]["price"], ROW_2["price"]) and pdf.iloc[1]["label"] == ""
        assert str(pdf["big_n"].dtype) == "int64[pyarrow]"
        assert str(pdf["price"].dtype) == "decimal128(38, 18)[pyarrow]"
        assert str(pdf["block_time"].dtype) == "timestamp[ms, tz=UTC][pyarrow]"
        assert pdf["delta_raw"].tolist()[1] == INT256_MIN
        assert pdf["big_n"].isna().tolist() == [False, False, True]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_batches_parquet_and_big_int_options(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(
            dune.run_sql(
                "select range as n, cast(range as uint256) as u from range(25)", page_size=4
            )
        )
        batches = await collect(result.iter_batches())
        assert [b.num_rows for b in batches] == [4] * 6 + [1]
        assert pa.Table.from_batches(batches).column("n").to_pylist() == list(range(25))
        path = tmp_path / "out.parquet"
        assert await aw(result.to_parquet(path)) == 25
        back = pq.read_table(path)
        assert back.schema.field("u").type == pa.string()
        assert back.column("u").to_pylist() == [str(n) for n in range(25)]
        wide = await aw(result.to_arrow(big_ints="decimal"))
        assert wide.schema.field("u").type == pa.decimal128(38, 0)
        assert wide.column("u").to_pylist()[-1] == Decimal(24)
        with pytest.raises(duneq.InvalidArgument, match="big_ints"):
            await aw(result.to_arrow(big_ints="int"))
        with pytest.raises(duneq.InvalidArgument, match="wire"):
            await aw(result.to_arrow(wire="xml"))
        with pytest.raises(duneq.InvalidArgument, match="dtype_backend"):
            await aw(result.to_pandas(dtype_backend="numpy"))
        await aw(dune.close())

    run(scenario)


def test_arrow_c_stream_and_html(dune_emulator: EmulatorHandle) -> None:
    dune = make("sync", dune_emulator)
    result = dune.run_sql(SQL, page_size=2)
    html = result._repr_html_()  # nothing fetched yet: the status's facts, no rows
    assert "QUERY_STATE_COMPLETED" in html and "swap, &quot;quoted&quot;" not in html
    assert "3 rows" in html and "uint256" in html and "no rows fetched yet" in html
    assert len(result.rows) == 3
    assert "swap, &quot;quoted&quot;" in result._repr_html_()
    table = pa.table(result)
    assert table.num_rows == 3 and table.schema.field("amount_raw").type == pa.string()
    frame = pl.DataFrame(result)
    assert frame.shape == (3, 23) and frame["id"].to_list() == [1, 2, 3]
    import duckdb

    relation = duckdb.sql("select count(*), max(length(amount_raw)) from result")
    assert relation is not None and relation.fetchall() == [(3, 78)]
    dune.close()


@pytest.mark.parametrize("mode", MODES)
def test_wide_sum_exact_in_rows_and_refused_by_bigint_column(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        big = 9223372036854775807
        # a sum of bigints past 2^63 fails as on Trino; a wide value needs a wider type
        overflow = f"select sum(x) as s from (values ({big}), ({big}), ({big})) t(x)"
        with pytest.raises(duneq.QueryFailed, match="bigint addition overflow"):
            await aw(dune.run_sql(overflow))
        sql = f"select sum(cast(x as uint256)) as s from (values ({big}), ({big}), ({big})) t(x)"
        result = await aw(dune.run_sql(sql))
        rows = await aw(result.rows)
        assert rows[0]["s"] == "27670116110564327421"  # uint256 travels as text, exact
        assert result.metadata.column_types == ["uint256"]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_typed_rows_empty_and_partial(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql(SQL, page_size=2))
        typed = await collect(result.iter_rows(typed=True))
        assert typed[1]["amount_raw"] == 2**256 - 1 and typed[1]["fee"] == Decimal("0.00")
        assert typed[0]["block_time"] == dt.datetime(2024, 1, 2, 3, 4, 5, 678000, UTC)
        assert typed[0]["tx_hash"] == b"\xde\xad\xbe\xef" and typed[2]["label"] is None
        empty = await aw(dune.run_sql("select * from samples.all_types where id > 99"))
        table = await aw(empty.to_arrow())
        assert table.num_rows == 0 and table.schema.field("price").type == pa.decimal128(38, 18)
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_partial_result_converts_the_rows_it_has(mode: str, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(result_row_cap=10)

    async def scenario() -> None:
        dune = make(mode, dune_emulator, partial="allow")
        result = await aw(dune.run_sql("select range as n from range(25)", page_size=4))
        table = await aw(result.to_arrow())
        assert table.column("n").to_pylist() == list(range(10))
        assert result.is_partial is True
        await aw(dune.close())

    run(scenario)


def test_typed_reads_import_no_pandas_and_a_client_no_pyarrow(
    dune_emulator: EmulatorHandle,
) -> None:
    """pandas costs 0.4-1.4 s to import: only to_pandas() pays for it (a fresh interpreter
    reads a typed table and a polars frame, varbinary as hex, over real HTTP); Client() pays
    for no pyarrow at all."""
    import subprocess
    import sys

    code = (
        "import sys, duneq\n"
        f"dune = duneq.Client({dune_emulator.api_key!r}, base_url={dune_emulator.base_url!r})\n"
        "assert 'pyarrow' not in sys.modules\n"
        "result = dune.run_sql('select range as n, cast(range as uint256) as u, "
        "date \\'2024-01-01\\' as d, from_hex(\\'ab\\') as b, now() as t from range(50)')\n"
        "table = result.to_arrow()\n"
        "batches = list(result.iter_batches())\n"
        "frame = result.to_polars()\n"  # varbinary hex-encoded without pandas too
        "assert frame['b'].to_list() == ['0xab'] * 50, frame['b']\n"
        "print(table.num_rows, sum(b.num_rows for b in batches), 'pandas' in sys.modules)\n"
        "result.to_pandas()\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["50", "50", "False", "True"], out.stderr
