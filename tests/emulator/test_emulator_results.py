"""Results on the emulator: JSON/CSV envelopes, encodings, pagination, columns, filters,
sort_by, sample_count, the datapoint cap, partial results and latest results."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import wait_terminal


@pytest.fixture
def trades(run_sql: Any) -> str:
    eid, status = run_sql("select * from dex.trades order by block_number")
    assert status["state"] == "QUERY_STATE_COMPLETED"
    return str(eid)


def _checksum(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)).hexdigest()


def test_types_and_encodings(emu_api: httpx.Client, trades: str) -> None:
    body = emu_api.get(f"/execution/{trades}/results", params={"limit": 1}).json()
    meta = body["result"]["metadata"]
    assert dict(zip(meta["column_names"], meta["column_types"], strict=True)) == {
        "block_time": "timestamp(3) with time zone",
        "blockchain": "varchar",
        "project": "varchar",
        "token_bought_symbol": "varchar",
        "amount_usd": "double",
        "tx_hash": "varbinary",
        "taker": "varbinary",
        "token_bought_amount_raw": "uint256",
        "block_number": "bigint",
        "block_date": "date",
        "block_month": "date",
        "version": "varchar",
        "token_sold_symbol": "varchar",
        "token_pair": "varchar",
        "evt_index": "bigint",
    }
    row = body["result"]["rows"][0]
    assert row["block_time"] == "2024-01-01 00:00:00.000 UTC"
    assert row["tx_hash"].startswith("0x") and len(row["tx_hash"]) == 66
    assert row["token_bought_amount_raw"] == "1" + "0" * 40  # beyond 128 bits, as a string
    assert isinstance(row["amount_usd"], float) and row["block_number"] == 18900000
    assert meta["row_count"] == 1 and meta["total_row_count"] == 1000
    assert row["block_date"] == "2024-01-01T00:00:00Z" and row["token_pair"] == "USDC-WETH"
    assert row["token_sold_symbol"] != row["token_bought_symbol"]
    assert meta["datapoint_count"] == 15
    assert body["next_offset"] == 1


def test_json_pagination(emu_api: httpx.Client, trades: str) -> None:
    whole = emu_api.get(f"/execution/{trades}/results").json()
    assert "next_offset" not in whole and "next_uri" not in whole
    all_rows = whole["result"]["rows"]
    assert len(all_rows) == 1000
    pages: list[list[dict[str, Any]]] = []
    url: str = f"/execution/{trades}/results"
    params: dict[str, Any] | None = {"limit": 300}
    while True:
        body = emu_api.get(url, params=params).json()
        pages.append(body["result"]["rows"])
        assert body["result"]["metadata"]["row_count"] == len(body["result"]["rows"])
        if "next_uri" not in body:
            assert "next_offset" not in body
            break
        url, params = body["next_uri"], None
    assert [len(p) for p in pages] == [300, 300, 300, 100]
    assert _checksum([r for p in pages for r in p]) == _checksum(all_rows)
    past = emu_api.get(f"/execution/{trades}/results", params={"offset": 5000, "limit": 5}).json()
    assert past["result"]["rows"] == [] and past["result"]["metadata"]["total_row_count"] == 1000


def test_next_uri_form(dune_emulator: EmulatorHandle, trades: str) -> None:
    r = httpx.get(
        f"{dune_emulator.base_url}/api/v1/execution/{trades}/results",
        params={
            "limit": 10,
            "filters": "blockchain = 'base'",
            "columns": "blockchain,amount_usd",
            "api_key": dune_emulator.api_key,
        },
    )
    uri = r.json()["next_uri"]
    parts = urlsplit(uri)
    assert f"{parts.scheme}://{parts.netloc}" == dune_emulator.base_url
    assert parts.path == f"/api/v1/execution/{trades}/results"
    assert parts.query == (
        "columns=blockchain%2Camount_usd&filters=blockchain+%3D+%27base%27&limit=10&offset=10"
    )
    assert "api_key" not in uri


def test_csv_pages(emu_api: httpx.Client, trades: str) -> None:
    r = emu_api.get(f"/execution/{trades}/results/csv", params={"limit": 400})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-dune-next-offset"] == "400"
    assert r.headers["x-dune-next-uri"].endswith(
        f"/execution/{trades}/results/csv?limit=400&offset=400"
    )
    texts = [r.text]
    while "x-dune-next-uri" in r.headers:
        r = emu_api.get(r.headers["x-dune-next-uri"])
        texts.append(r.text)
    assert len(texts) == 3
    rows: list[list[str]] = []
    for text in texts:
        page = list(csv.reader(io.StringIO(text)))
        assert page[0][0] == "block_time" and len(page[0]) == 15  # one header row per page
        assert all(line[0] != "block_time" for line in page[1:])
        rows += page[1:]
    assert len(rows) == 1000 and rows[0][0] == "2024-01-01 00:00:00.000 UTC"
    small = emu_api.get(
        f"/execution/{trades}/results/csv", params={"limit": 3, "columns": "block_number"}
    )
    assert small.text == "block_number\n18900000\n18900051\n18900102\n"


def test_columns_filters_sort_sample(emu_api: httpx.Client, trades: str) -> None:
    url = f"/execution/{trades}/results"
    body = emu_api.get(url, params={"columns": "amount_usd,blockchain", "limit": 2}).json()
    assert body["result"]["metadata"]["column_names"] == ["amount_usd", "blockchain"]
    assert list(body["result"]["rows"][0]) == ["amount_usd", "blockchain"]
    assert body["result"]["metadata"]["datapoint_count"] == 4
    f = "(blockchain = 'base' OR blockchain IN ('optimism')) AND amount_usd > 5000 AND project LIKE 'uni%'"
    body = emu_api.get(url, params={"filters": f}).json()
    rows = body["result"]["rows"]
    assert rows and all(
        r["blockchain"] in ("base", "optimism")
        and r["amount_usd"] > 5000
        and r["project"] == "uniswap"
        for r in rows
    )
    assert body["result"]["metadata"]["total_row_count"] == len(rows)
    ts = emu_api.get(
        url, params={"filters": "block_time < '2024-01-01 00:30:00' AND taker IS NOT NULL"}
    ).json()
    assert ts["result"]["metadata"]["total_row_count"] == 3
    srt = emu_api.get(url, params={"sort_by": "amount_usd desc, block_number", "limit": 50}).json()
    amounts = [r["amount_usd"] for r in srt["result"]["rows"]]
    assert amounts == sorted(amounts, reverse=True)
    sample = emu_api.get(url, params={"sample_count": 25, "columns": "block_number"}).json()
    assert len(sample["result"]["rows"]) == 25 and "next_offset" not in sample
    evil = emu_api.get(url, params={"filters": "blockchain = 'x'' OR 1=1 --'"}).json()
    assert evil["result"]["rows"] == []


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"columns": "nope"}, "nope"),
        ({"filters": "nope = 1"}, "nope"),
        ({"filters": "blockchain NOT IN ('base')"}, "NOT"),
        ({"filters": "blockchain NOT LIKE 'b%'"}, "NOT"),
        ({"filters": "block_time > now()"}, "function"),
        ({"filters": "blockchain = 'a'; drop table x"}, "unexpected"),
        ({"sort_by": "nope desc"}, "nope"),
        ({"sample_count": 5, "limit": 5}, "sample_count"),
        ({"sample_count": 5, "filters": "blockchain = 'base'"}, "sample_count"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_result_params(
    emu_api: httpx.Client, trades: str, params: dict[str, Any], needle: str
) -> None:
    r = emu_api.get(f"/execution/{trades}/results", params=params)
    assert r.status_code == 400 and needle in r.json()["error"], r.text


def test_datapoint_cap_and_flags(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle, trades: str
) -> None:
    dune_emulator.control.configure(datapoint_cap=1500)
    url = f"/execution/{trades}/results"
    assert emu_api.get(url, params={"limit": 100}).status_code == 200  # 100 x 15 = 1500
    r = emu_api.get(url, params={"limit": 101})
    assert r.status_code == 402 and "configured limits per request" in r.json()["error"]
    for flag in ("ignore_max_datapoints_per_request", "ignore_max_credits_per_request"):
        ok = emu_api.get(url, params={"limit": 500, flag: "true"})
        assert ok.status_code == 200 and len(ok.json()["result"]["rows"]) == 500
    assert (
        emu_api.get(
            url, params={"limit": 300, "columns": "blockchain,project,amount_usd"}
        ).status_code
        == 200
    )
    assert emu_api.get(f"{url}/csv", params={"limit": 101}).status_code == 402


def test_partial_results(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle, run_sql: Any
) -> None:
    dune_emulator.control.configure(result_row_cap=50)
    eid, status = run_sql("select * from dex.trades")
    assert status["state"] == "QUERY_STATE_COMPLETED_PARTIAL"
    r = emu_api.get(f"/execution/{eid}/results")
    assert r.status_code == 400
    assert r.json() == {
        "error": "Partial Result, please request with 'allows_partial_results=true'"
    }
    ok = emu_api.get(f"/execution/{eid}/results", params={"allow_partial_results": "true"}).json()
    assert ok["state"] == "QUERY_STATE_COMPLETED_PARTIAL" and len(ok["result"]["rows"]) == 50


def test_latest_results_with_params(emu_api: httpx.Client) -> None:
    assert emu_api.get("/query/1/results").status_code == 404
    for chain in ("base", "ethereum"):
        eid = emu_api.post("/query/1/execute", json={"query_parameters": {"chain": chain}}).json()[
            "execution_id"
        ]
        wait_terminal(emu_api, eid)
    default = emu_api.get("/query/1/results", params={"limit": 5}).json()
    assert {r["blockchain"] for r in default["result"]["rows"]} == {"ethereum"}
    assert "/api/v1/execution/" in default["next_uri"]
    base = emu_api.get("/query/1/results", params={"params.chain": "base"}).json()
    assert len(base["result"]["rows"]) == 200 and base["result"]["rows"][0]["blockchain"] == "base"
    assert emu_api.get("/query/1/results", params={"params.chain": "polygon"}).status_code == 404
    assert (
        emu_api.get("/query/1/results/csv", params={"params.chain": "base", "limit": 1}).text.count(
            "\n"
        )
        == 2
    )
    assert emu_api.get("/query/999999/results").json() == {"error": "Query not found"}


def test_million_rows_page_by_page(run_sql: Any, emu_api: httpx.Client) -> None:
    eid, status = run_sql(
        "select i as a, i * 2 as b, i % 7 as c, 'x' || i::varchar as d, i * 0.5 as e, "
        "i + 1 as f, i + 2 as g, i + 3 as h from range(1000000) t(i)"
    )
    assert status["state"] == "QUERY_STATE_COMPLETED"
    total, offset, last_a = 0, 0, -1
    while True:
        r = emu_api.get(
            f"/execution/{eid}/results",
            params={"limit": 32000, "offset": offset, "ignore_max_datapoints_per_request": "true"},
        )
        body = orjson.loads(r.content)
        rows = body["result"]["rows"]
        assert rows[0]["a"] == last_a + 1
        last_a = rows[-1]["a"]
        total += len(rows)
        if "next_offset" not in body:
            break
        offset = body["next_offset"]
    assert total == 1_000_000 and last_a == 999_999
