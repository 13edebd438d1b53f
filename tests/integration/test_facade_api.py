"""Uploads, usage, datasets, custom endpoints and saved queries through real HTTP to the
emulator, each scenario with Client and AsyncClient; outcomes are read back by queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duneq
import httpx
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, collect, count, make, run

SCHEMA = [
    {"name": "id", "type": "bigint"},
    {"name": "label", "type": "varchar"},
    ("amount", "double"),
]


async def table_rows(dune: Any, full_name: str) -> list[dict[str, Any]]:
    """The table's rows, read back by a query (ordered by id)."""
    result = await aw(dune.run_sql(f"select * from {full_name} order by id"))
    return list(await aw(result.rows))


@pytest.mark.parametrize("mode", MODES)
def test_uploads_lifecycle(mode: str, dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        created = await aw(dune.uploads.create("emulator", f"trades_{mode}", SCHEMA))
        assert created.full_name == f"dune.emulator.trades_{mode}"
        full = created.full_name
        csv = b"id,label,amount\n" + b"".join(
            f'{i},"row, {i}",{i / 2}\n'.encode() for i in range(1, 31)
        )
        done = await aw(dune.uploads.insert("emulator", f"trades_{mode}", csv, chunk_bytes=200))
        assert done.rows_written == 30 and done.chunks > 1
        dicts = ({"id": 100 + i, "label": None, "amount": 1.5} for i in range(3))
        assert (await aw(dune.uploads.insert("emulator", f"trades_{mode}", dicts))).chunks == 1
        path = tmp_path / "more.csv"
        path.write_bytes(b'id,label,amount\n200,"two\nlines",2.0\n201,x,3.5\n')
        assert (await aw(dune.uploads.insert("emulator", f"trades_{mode}", path))).rows_written == 2
        nd = tmp_path / "more.ndjson"
        nd.write_bytes(b'{"id": 300, "label": "nd", "amount": 9}\n')
        assert (
            await aw(dune.uploads.insert("emulator", f"trades_{mode}", str(nd)))
        ).rows_written == 1
        rows = await table_rows(dune, full)
        assert len(rows) == 36
        assert rows[0] == {"id": 1, "label": "row, 1", "amount": 0.5}
        assert rows[-3]["label"] == "two\nlines" and rows[-1]["label"] == "nd"
        listed = {t.full_name: t for t in await collect(dune.uploads.list(page_size=1))}
        assert [(c.name, c.type) for c in listed[full].columns] == [
            ("id", "bigint"),
            ("label", "varchar"),
            ("amount", "double"),
        ]
        assert "cleared" in await aw(dune.uploads.clear("emulator", f"trades_{mode}"))
        assert await table_rows(dune, full) == []
        assert "deleted" in await aw(dune.uploads.delete("emulator", f"trades_{mode}"))
        assert full not in {t.full_name for t in await collect(dune.uploads.list())}

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_arrow_table_upload_round_trips(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, None], pa.int64()),
            "flag": pa.array([True, False, None]),
            "price": pa.array([1.25, None, 3.0]),
            "name": pa.array(["a", "b", None]),
            "day": pa.array([dt.date(2024, 1, 1), dt.date(2024, 2, 29), None]),
            "at": pa.array([dt.datetime(2024, 1, 1, 12, 30), None, dt.datetime(2024, 3, 1)]),
            "blob": pa.array([b"\x01\xff", None, b""], pa.binary()),
        }
    )

    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        await aw(dune.uploads.create("emulator", f"typed_{mode}", table))
        got = await aw(dune.datasets.get(f"dune.emulator.typed_{mode}"))
        assert [(c.name, c.type) for c in got.columns] == [
            ("id", "bigint"),
            ("flag", "boolean"),
            ("price", "double"),
            ("name", "varchar"),
            ("day", "date"),
            ("at", "timestamp"),
            ("blob", "varbinary"),
        ]
        await aw(dune.uploads.insert("emulator", f"typed_{mode}", table))
        back = await aw(
            dune.run_sql(f"select * from dune.emulator.typed_{mode} order by id nulls last")
        )
        typed = await aw(back.to_arrow())
        assert [str(f.type) for f in typed.schema] == [
            "int64",
            "bool",
            "double",
            "string",
            "date32[day]",
            "timestamp[ms, tz=UTC]",
            "binary",
        ]
        # the same table, at Dune's millisecond UTC timestamps: equal, types included
        expected = table.cast(
            pa.schema([pa.field(f.name, f.type) for f in typed.schema]), safe=False
        )
        assert typed.select(expected.column_names).to_pylist() == expected.to_pylist()
        pq.write_table(table, tmp_path / "t.parquet")
        await aw(dune.uploads.insert("emulator", f"typed_{mode}", tmp_path / "t.parquet"))
        # DataFrames too: the same rows from polars and from pandas
        await aw(dune.uploads.insert("emulator", f"typed_{mode}", pl.from_arrow(table)))
        await aw(dune.uploads.insert("emulator", f"typed_{mode}", table.to_pandas()))
        result = await aw(dune.run_sql(f"select * from dune.emulator.typed_{mode}"))
        rows = list(await aw(result.rows))
        assert len(rows) == 12
        assert sorted(r["id"] for r in rows if r["id"] is not None) == [1] * 4 + [2] * 4
        assert rows[0]["flag"] is True and rows[0]["price"] == 1.25 and rows[2]["name"] is None
        assert rows[0]["day"].startswith("2024-01-01") and rows[1]["day"].startswith("2024-02-29")
        assert rows[0]["at"].startswith("2024-01-01 12:30")
        assert rows[0]["blob"] == "0x01ff"

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_failed_chunk_says_what_landed(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        await aw(dune.uploads.create("emulator", f"half_{mode}", SCHEMA))
        good = b"".join(f"{i},ok,1.0\n".encode() for i in range(10))
        body = b"id,label,amount\n" + good + b"oops,bad,1.0\n"
        with pytest.raises(duneq.InsertFailed) as info:
            await aw(dune.uploads.insert("emulator", f"half_{mode}", body, chunk_bytes=60))
        err = info.value
        landed = len(await table_rows(dune, f"dune.emulator.half_{mode}"))
        assert err.rows_written == landed and 0 < landed < 10
        assert f"{landed} rows in {err.chunks_written} chunk" in str(err)
        assert isinstance(err.__cause__, duneq.BadRequest)
        # nothing landed: the API's own error
        with pytest.raises(duneq.BadRequest):
            await aw(dune.uploads.insert("emulator", f"half_{mode}", b"id,label,amount\nx,y,z\n"))
        with pytest.raises(duneq.InvalidArgument):
            await aw(dune.uploads.insert("emulator", f"half_{mode}", b"id\n1\n", chunk_bytes=0))

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_upload_csv_and_legacy_routes(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        up = await aw(dune.uploads.upload_csv(f"prices_{mode}", "sym,px\nETH,3000\nBTC,60000\n"))
        assert up.full_name is not None
        result = await aw(dune.run_sql(f"select * from {up.full_name} order by px"))
        assert list(await aw(result.rows)) == [
            {"sym": "ETH", "px": 3000},
            {"sym": "BTC", "px": 60000},
        ]
        await aw(dune.uploads.create("emulator", f"old_{mode}", SCHEMA, legacy=True))
        await aw(
            dune.uploads.insert("emulator", f"old_{mode}", b"id,label,amount\n1,a,2\n", legacy=True)
        )
        assert len(await table_rows(dune, f"dune.emulator.old_{mode}")) == 1
        assert count(dune_emulator, "POST /api/v1/table/create") == 1
        assert count(dune_emulator, "POST /api/v1/uploads") == 0
        await aw(dune.uploads.delete("emulator", f"old_{mode}", legacy=True))

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_usage_reports_credits_and_storage(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        before = await aw(dune.usage())
        await aw(dune.run_sql("select 1 as x"))
        await aw(dune.uploads.upload_csv(f"u_{mode}", "a\n1\n"))
        after = await aw(dune.usage())
        assert after.credits_used > before.credits_used
        assert (after.bytes_used or 0) > (before.bytes_used or 0)
        assert isinstance(after.billing_periods[0], duneq.BillingPeriod)
        assert after.billing_periods[0].credits_included == 2500.0
        span = await aw(dune.usage(start=dt.date(2024, 1, 1), end="2024-03-31"))
        assert [p.start_date for p in span.billing_periods] == [
            dt.date(2024, 1, 1),
            dt.date(2024, 2, 1),
            dt.date(2024, 3, 1),
        ]
        with pytest.raises(duneq.InvalidArgument):
            await aw(dune.usage(start="January"))

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_datasets_list_and_get(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        listing = await aw(dune.datasets.list(type="spell", limit=250))
        assert "dex.trades" in [d.full_name for d in listing.datasets]
        assert listing.total == len(listing.datasets)
        assert all(d.type == "spell" for d in listing.datasets)
        trades = await aw(dune.datasets.get("dex.trades"))
        assert trades.owner == "dune" and trades.description
        names = {c.name: c.type for c in trades.columns}
        assert names["block_time"] == "timestamp(3) with time zone" and "amount_usd" in names
        with pytest.raises(duneq.NotFound):
            await aw(dune.datasets.get("no.such_table"))

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_custom_endpoint_results_page_like_query_results(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        await aw(dune.run_query(2, params={"n": 5}))
        httpx.post(
            f"{dune_emulator.base_url}/_emulator/endpoints",
            json={"handle": "acme", "slug": "five", "query_id": 2, "parameters": {"n": 5}},
        ).raise_for_status()
        result = await aw(dune.endpoints.results("acme", "five", page_size=2))
        assert [r["number"] for r in await collect(result.iter_rows())] == [0, 1, 2, 3, 4]
        assert [len(p) for p in await collect(result.iter_pages())] == [2, 2, 1]
        assert result.metadata.total_row_count == 5
        some = await aw(dune.endpoints.results("acme", "five", limit=2, sort_by="number desc"))
        assert list(await aw(some.rows)) == [{"number": 4}, {"number": 3}]
        with pytest.raises(duneq.NotFound):
            await aw(dune.endpoints.results("acme", "missing"))
        with pytest.raises(duneq.InvalidArgument):
            await aw(some.to_csv(Path("never.csv")))
        assert not Path("never.csv").exists()

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_saved_queries_crud(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        qid = await aw(
            dune.queries.create(
                "top n",
                "select * from unnest(sequence(1, {{n}})) as t(number)",
                description="numbers",
                tags=["a", "b"],
                parameters=[duneq.params.number("n", 3)],
            )
        )
        q = await aw(dune.queries.get(qid))
        assert q.name == "top n" and q.tags == ["a", "b"]
        assert q.parameters[0]["key"] == "n" and q.parameters[0]["type"] == "number"
        await aw(dune.queries.update(qid, name="top numbers", tags=[]))
        q = await aw(dune.queries.get(qid))
        assert (q.name, q.tags, q.description) == ("top numbers", [], "numbers")
        await aw(dune.queries.make_private(qid))
        assert (await aw(dune.queries.get(qid))).is_private is True
        await aw(dune.queries.make_public(qid))
        await aw(dune.queries.archive(qid))
        assert (await aw(dune.queries.get(qid))).is_archived is True
        await aw(dune.queries.unarchive(qid))
        listing = await aw(dune.queries.list(limit=100))
        assert qid in [item["id"] for item in listing.queries]
        result = await aw(dune.run_query(qid, params={"n": 2}))
        assert [r["number"] for r in await aw(result.rows)] == [1, 2]

    run(scenario)


def test_request_timeout_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNE_API_REQUEST_TIMEOUT", "7")
    dune = duneq.Client(api_key="k", base_url="http://127.0.0.1:1")
    assert dune.lowlevel.get_httpx_client().timeout.read == 7.0
    assert duneq.Client(api_key="k", timeout=3).lowlevel.get_httpx_client().timeout.read == 3.0
    monkeypatch.setenv("DUNE_API_REQUEST_TIMEOUT", "soon")
    with pytest.raises(duneq.InvalidArgument):
        duneq.Client(api_key="k")


def test_ndjson_chunks_are_whole_records(tmp_path: Path) -> None:
    from duneq._resources.upload_data import chunks

    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"i": i}) + b"\n" for i in range(100)))
    pieces = list(chunks(path, 64))
    assert sum(p.rows for p in pieces) == 100 and all(len(p.content) <= 64 for p in pieces)
    assert all(p.content.endswith(b"\n") for p in pieces)
