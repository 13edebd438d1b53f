"""Dune's wire encoding of every column type, through real HTTP to the emulator: the exact JSON
value, the exact CSV field and the exact `column_types` entry, plus DuneSQL's type syntax."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from dune_emulator.dune_types import dune_type, parse_type
from dune_emulator.testing import wait_terminal

RunSql = Callable[..., tuple[str, dict[str, Any]]]
UINT256_MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
INT256_MIN = "-57896044618658097711785492504343953926634992332820282019728792003956564819968"


def _strict_json(text: str) -> Any:
    """Parse as RFC 8259 JSON: a bare NaN or Infinity token is an error, as in most clients."""

    def reject(token: str) -> Any:
        raise ValueError(f"invalid JSON token {token}")

    return json.loads(text, parse_constant=reject)


def _fetch(emu_api: httpx.Client, run_sql: RunSql, sql: str) -> tuple[dict[str, Any], str]:
    """(JSON results body, CSV text) of `sql`, which must complete."""
    eid, status = run_sql(sql)
    assert status["state"] == "QUERY_STATE_COMPLETED", status
    body = _strict_json(emu_api.get(f"/execution/{eid}/results").text)
    return body, emu_api.get(f"/execution/{eid}/results/csv").text


def _types(body: dict[str, Any]) -> dict[str, str]:
    meta = body["result"]["metadata"]
    return dict(zip(meta["column_names"], meta["column_types"], strict=True))


ALL_TYPES = {
    "id": "bigint",
    "amount_raw": "uint256",
    "delta_raw": "int256",
    "tx_hash": "varbinary",
    "block_time": "timestamp(3) with time zone",
    "local_time": "timestamp(3)",
    "block_date": "date",
    "price": "decimal(38,18)",
    "fee": "decimal(10,2)",
    "ratio": "double",
    "ratio_real": "real",
    "is_contract": "boolean",
    "tiny_n": "tinyint",
    "small_n": "smallint",
    "int_n": "integer",
    "big_n": "bigint",
    "label": "varchar",
    "log_indexes": "array(bigint)",
    "amounts": "array(uint256)",
    "balances": "map(varchar, bigint)",
    "transfer": "row(a bigint, b varchar)",
    "payload": "json",
    "samples": "array(double)",
}
ROW_1 = {
    "id": 1,
    "amount_raw": "1000000000000000000",
    "delta_raw": "-5",
    "tx_hash": "0xdeadbeef",
    "block_time": "2024-01-02 03:04:05.678 UTC",
    "local_time": "2024-01-02 03:04:05.678",
    "block_date": "2024-01-02T00:00:00Z",
    "price": "1234.500000000000000000",
    "fee": "1.50",
    "ratio": 0.25,
    "ratio_real": 0.1,
    "is_contract": True,
    "tiny_n": -8,
    "small_n": 7,
    "int_n": 42,
    "big_n": 9007199254740993,
    "label": 'swap, "quoted"',
    "log_indexes": [1, 2, 3],
    "amounts": ["1", str(2**200)],
    "balances": {"a": 1, "b": 2},
    "transfer": [1, "x"],
    "payload": '{"k":[1,2]}',
    "samples": [1.5, "NaN", "Infinity", "-Infinity"],
}
ROW_2 = {
    "id": 2,
    "amount_raw": UINT256_MAX,
    "delta_raw": INT256_MIN,
    "tx_hash": "0x00",
    "block_time": "1970-01-01 00:00:00.000 UTC",
    "local_time": "1970-01-01 00:00:00.000",
    "block_date": "1970-01-01T00:00:00Z",
    "price": "99999999999999999999.999999999999999999",
    "fee": "0.00",
    "ratio": "NaN",
    "ratio_real": "Infinity",
    "is_contract": False,
    "tiny_n": 127,
    "small_n": 32767,
    "int_n": 2147483647,
    "big_n": -9223372036854775808,
    "label": "",
    "log_indexes": [],
    "amounts": [],
    "balances": {},
    "transfer": [None, None],
    "payload": "null",
    "samples": [],
}
CSV_1 = (
    "1,1000000000000000000,-5,0xdeadbeef,2024-01-02 03:04:05.678 UTC,2024-01-02 03:04:05.678,"
    "2024-01-02T00:00:00Z,1234.500000000000000000,1.50,0.25,0.1,true,-8,7,42,9007199254740993,"
    '"swap, ""quoted""","[1,2,3]","[""1"",""' + str(2**200) + '""]","{""a"":1,""b"":2}",'
    '"[1,""x""]","{""k"":[1,2]}","[1.5,""NaN"",""Infinity"",""-Infinity""]"'
)
CSV_2 = (
    f"2,{UINT256_MAX},{INT256_MIN},0x00,1970-01-01 00:00:00.000 UTC,1970-01-01 00:00:00.000,"
    "1970-01-01T00:00:00Z,99999999999999999999.999999999999999999,0.00,NaN,Infinity,false,127,"
    '32767,2147483647,-9223372036854775808,,[],[],{},"[null,null]",null,[]'
)


def test_every_type_json_csv_and_column_types(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, csv_text = _fetch(emu_api, run_sql, "select * from samples.all_types order by id")
    assert _types(body) == ALL_TYPES
    rows = body["result"]["rows"]
    assert rows == [ROW_1, ROW_2, dict.fromkeys(ALL_TYPES, None) | {"id": 3}]
    assert csv_text.split("\n") == [",".join(ALL_TYPES), CSV_1, CSV_2, "3" + "," * 22, ""]


def test_dunesql_type_syntax(emu_api: httpx.Client, run_sql: RunSql) -> None:
    sql = f"""select
        cast('{UINT256_MAX}' as uint256) as u,
        cast(-42 as int256) as i,
        uint256 '7' as ul,
        cast(1.50 as decimal(10,2)) as d,
        decimal '1.50' as dl,
        cast('123456789012345678.123456789012345678' as decimal(38,18)) as d38,
        0xDEADbeef as vb,
        from_hex('00FF') as fh,
        X'65683F' as xb,
        timestamp '2024-01-02 03:04:05.678 UTC' as tz,
        timestamp '2024-01-02 03:04:05.678' as ts,
        date '2024-01-02' as dt,
        cast(0.1 as real) as r,
        cast(2.5 as double) as db,
        cast(1 as tinyint) as ti,
        cast(2 as smallint) as si,
        cast(3 as integer) as it,
        cast(4 as bigint) as bi,
        json_parse('{{"a": [1, 2]}}') as j,
        map(array['k'], array[cast(5 as bigint)]) as m,
        array[array[0xab]] as nested"""
    body, csv_text = _fetch(emu_api, run_sql, sql)
    assert _types(body) == {
        "u": "uint256",
        "i": "int256",
        "ul": "uint256",
        "d": "decimal(10,2)",
        "dl": "decimal(3,2)",
        "d38": "decimal(38,18)",
        "vb": "varbinary",
        "fh": "varbinary",
        "xb": "varbinary",
        "tz": "timestamp(3) with time zone",
        "ts": "timestamp(3)",
        "dt": "date",
        "r": "real",
        "db": "double",
        "ti": "tinyint",
        "si": "smallint",
        "it": "integer",
        "bi": "bigint",
        "j": "json",
        "m": "map(varchar, bigint)",
        "nested": "array(array(varbinary))",
    }
    assert body["result"]["rows"] == [
        {
            "u": UINT256_MAX,
            "i": "-42",
            "ul": "7",
            "d": "1.50",
            "dl": "1.50",
            "d38": "123456789012345678.123456789012345678",
            "vb": "0xdeadbeef",
            "fh": "0x00ff",
            "xb": "0x65683f",
            "tz": "2024-01-02 03:04:05.678 UTC",
            "ts": "2024-01-02 03:04:05.678",
            "dt": "2024-01-02T00:00:00Z",
            "r": 0.1,
            "db": 2.5,
            "ti": 1,
            "si": 2,
            "it": 3,
            "bi": 4,
            "j": '{"a":[1,2]}',
            "m": {"k": 5},
            "nested": [["0xab"]],
        }
    ]
    assert csv_text.split("\n")[1] == (
        f"{UINT256_MAX},-42,7,1.50,1.50,123456789012345678.123456789012345678,0xdeadbeef,0x00ff,"
        "0x65683f,2024-01-02 03:04:05.678 UTC,2024-01-02 03:04:05.678,2024-01-02T00:00:00Z,0.1,"
        '2.5,1,2,3,4,"{""a"":[1,2]}","{""k"":5}","[[""0xab""]]"'
    )


def test_uint256_sum_beyond_64_bits_is_exact(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, csv_text = _fetch(
        emu_api,
        run_sql,
        "select sum(x) as total from (values (cast('18446744073709551615' as uint256)), "
        "(cast(9223372036854775806 as uint256))) as t(x)",
    )
    assert _types(body) == {"total": "uint256"}
    assert body["result"]["rows"] == [{"total": "27670116110564327421"}]
    assert csv_text == "total\n27670116110564327421\n"


def test_non_finite_doubles_are_valid_json(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, csv_text = _fetch(
        emu_api,
        run_sql,
        "select nan() as n, infinity() as p, -infinity() as m, "
        "array[nan(), infinity(), -infinity(), 1.5, null] as a",
    )
    assert _types(body) == {"n": "double", "p": "double", "m": "double", "a": "array(double)"}
    assert body["result"]["rows"] == [
        {
            "n": "NaN",
            "p": "Infinity",
            "m": "-Infinity",
            "a": ["NaN", "Infinity", "-Infinity", 1.5, None],
        }
    ]
    assert (
        csv_text
        == 'n,p,m,a\nNaN,Infinity,-Infinity,"[""NaN"",""Infinity"",""-Infinity"",1.5,null]"\n'
    )


def test_nested_types(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, csv_text = _fetch(
        emu_api,
        run_sql,
        "select array[cast(row(cast(1 as uint256), array[0x01]) as row(v uint256, h array(varbinary)))]"
        " as r, map(array[1], array[array[timestamp '2024-01-01 00:00:00 UTC']]) as m, "
        "row(1, 'x') as anon",
    )
    assert _types(body) == {
        "r": "array(row(v uint256, h array(varbinary)))",
        "m": "map(integer, array(timestamp(3) with time zone))",
        "anon": "row(integer, varchar)",
    }
    assert body["result"]["rows"] == [
        {
            "r": [["1", ["0x01"]]],
            "m": {"1": ["2024-01-01 00:00:00.000 UTC"]},
            "anon": [1, "x"],
        }
    ]
    assert csv_text.split("\n")[1] == (
        '"[[""1"",[""0x01""]]]","{""1"":[""2024-01-01 00:00:00.000 UTC""]}","[1,""x""]"'
    )


def test_int256_follows_casts_and_int256_columns(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, _ = _fetch(
        emu_api,
        run_sql,
        "with x as (select delta_raw + 1 as d, amount_raw as a from samples.all_types where id = 1) "
        "select d, a, (select min(delta_raw) from samples.all_types) as m, "
        "cast(a as int256) as s from x",
    )
    assert _types(body) == {"d": "int256", "a": "uint256", "m": "int256", "s": "int256"}
    assert body["result"]["rows"] == [
        {"d": "-4", "a": "1000000000000000000", "m": INT256_MIN, "s": "1000000000000000000"}
    ]
    star, _ = _fetch(
        emu_api, run_sql, "select * from (select amount_raw, delta_raw from samples.all_types)"
    )
    assert _types(star) == {"amount_raw": "uint256", "delta_raw": "int256"}


def test_empty_and_null_results_keep_types(emu_api: httpx.Client, run_sql: RunSql) -> None:
    body, csv_text = _fetch(
        emu_api,
        run_sql,
        "select amount_raw, delta_raw, price, block_time from samples.all_types where false",
    )
    assert _types(body) == {
        "amount_raw": "uint256",
        "delta_raw": "int256",
        "price": "decimal(38,18)",
        "block_time": "timestamp(3) with time zone",
    }
    assert body["result"]["rows"] == [] and csv_text == "amount_raw,delta_raw,price,block_time\n"
    nulls, csv_text = _fetch(emu_api, run_sql, "select null as z, array[null] as za")
    assert _types(nulls) == {"z": "unknown", "za": "array(unknown)"}
    assert nulls["result"]["rows"] == [{"z": None, "za": [None]}]
    assert csv_text == "z,za\n,[null]\n"


def test_filters_and_sorting_on_wide_types(emu_api: httpx.Client, run_sql: RunSql) -> None:
    eid, _ = run_sql("select id, amount_raw, delta_raw, price from samples.all_types")
    body = emu_api.get(
        f"/execution/{eid}/results",
        params={"filters": "delta_raw < 0 and amount_raw > 1", "sort_by": "amount_raw desc"},
    ).json()
    assert [r["id"] for r in body["result"]["rows"]] == [2, 1]
    assert body["result"]["metadata"]["column_types"] == [
        "bigint",
        "uint256",
        "int256",
        "decimal(38,18)",
    ]


def test_uploaded_wide_types(emu_api: httpx.Client, run_sql: RunSql) -> None:
    schema = [
        {"name": "amount", "type": "uint256"},
        {"name": "delta", "type": "int256"},
        {"name": "addr", "type": "varbinary"},
        {"name": "ts", "type": "timestamp"},
    ]
    created = emu_api.post(
        "/uploads", json={"namespace": "carol", "table_name": "wide", "schema": schema}
    )
    assert created.status_code in (200, 201), created.text
    data = f"amount,delta,addr,ts\n{UINT256_MAX},{INT256_MIN},0xAB,2024-01-02 03:04:05.678\n"
    ins = emu_api.post(
        "/uploads/carol/wide/insert", content=data.encode(), headers={"Content-Type": "text/csv"}
    )
    assert ins.status_code == 200, ins.text
    body, csv_text = _fetch(emu_api, run_sql, "select * from dune.carol.wide")
    assert _types(body) == {
        "amount": "uint256",
        "delta": "int256",
        "addr": "varbinary",
        "ts": "timestamp(3)",
    }
    assert body["result"]["rows"] == [
        {
            "amount": UINT256_MAX,
            "delta": INT256_MIN,
            "addr": "0xab",
            "ts": "2024-01-02 03:04:05.678",
        }
    ]
    assert csv_text.split("\n")[1] == f"{UINT256_MAX},{INT256_MIN},0xab,2024-01-02 03:04:05.678"


@pytest.mark.parametrize(
    ("duckdb_type", "dune"),
    [
        ("BIGNUM", "uint256"),
        ("INT256", "int256"),
        ("UINT256[]", "array(uint256)"),
        ("DECIMAL(38,18)", "decimal(38,18)"),
        ("TIMESTAMP WITH TIME ZONE[]", "array(timestamp(3) with time zone)"),
        (
            'STRUCT("from" BLOB, b MAP(VARCHAR, INT256[]))',
            "row(from varbinary, b map(varchar, array(int256)))",
        ),
        ('"NULL"', "unknown"),
        ("INTEGER[3]", "array(integer)"),
        ("JSON", "json"),
    ],
)
def test_type_names(duckdb_type: str, dune: str) -> None:
    node = parse_type(duckdb_type)
    assert dune_type(duckdb_type) == dune
    assert parse_type(node.storage()) == node


def test_materialized_view_keeps_int256(emu_api: httpx.Client, run_sql: RunSql) -> None:
    created = emu_api.post(
        "/query", json={"name": "wide", "query_sql": "select cast(-3 as int256) as d"}
    )
    qid = created.json()["query_id"]
    mv = emu_api.post("/materialized-views", json={"name": "result_wide", "query_id": qid})
    assert mv.status_code == 200, mv.text
    wait_terminal(emu_api, mv.json()["execution_id"])
    body, _ = _fetch(emu_api, run_sql, "select d, d - 1 as e from dune.emulator.result_wide")
    assert _types(body) == {"d": "int256", "e": "int256"}
    assert body["result"]["rows"] == [{"d": "-3", "e": "-4"}]
