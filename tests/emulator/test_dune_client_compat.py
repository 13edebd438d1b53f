"""The official `dune_client` (1.12.2) driven against the emulator: executions, pagination,
latest results, cancel, query CRUD and uploads (modern and legacy routes)."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator

import pytest
from dune_client.api.table import TableAPI
from dune_client.client import DuneClient
from dune_client.models import ExecutionState
from dune_client.query import QueryBase
from dune_client.types import QueryParameter
from dune_emulator import EmulatorHandle

FAST = 0  # ping_frequency: poll without sleeping (executions take milliseconds here)


@pytest.fixture
def dune(dune_emulator: EmulatorHandle) -> Iterator[DuneClient]:
    client = DuneClient(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url)
    yield client


def _csv_rows(data: io.BytesIO) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.getvalue().decode())))


def test_run_query_with_parameters_and_pagination(dune: DuneClient) -> None:
    q = QueryBase(query_id=2, params=[QueryParameter.number_type("n", 7)])
    res = dune.run_query(q, ping_frequency=FAST, batch_size=3)
    assert res.state == ExecutionState.COMPLETED
    assert res.get_rows() == [{"number": i} for i in range(7)]
    chain = QueryBase(query_id=1, params=[QueryParameter.text_type("chain", "base")])
    rows = dune.run_query(chain, ping_frequency=FAST, columns=["blockchain"]).get_rows()
    assert rows == [{"blockchain": "base"}] * 200


def test_run_sql(dune: DuneClient) -> None:
    res = dune.run_sql("select 1 as a, 'x' as b union all select 2, 'y'", ping_frequency=FAST)
    assert sorted(res.get_rows(), key=lambda r: r["a"]) == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_csv_pagination_default_page_and_batches(dune: DuneClient) -> None:
    big = QueryBase(query_id=2, params=[QueryParameter.number_type("n", 32_005)])
    out = dune.run_query_csv(big, ping_frequency=FAST)  # 32,000-row pages → 2 pages
    rows = _csv_rows(out.data)
    assert rows[0] == ["number"] and len(rows) == 32_006 and rows[-1] == ["32004"]
    small = QueryBase(query_id=2, params=[QueryParameter.number_type("n", 5)])
    dune.run_query(small, ping_frequency=FAST)
    got = dune.download_csv(small, batch_size=2)
    assert _csv_rows(got.data) == [["number"], ["0"], ["1"], ["2"], ["3"], ["4"]]


def test_get_latest_result(dune: DuneClient) -> None:
    q = QueryBase(query_id=2, params=[QueryParameter.number_type("n", 4)])
    dune.run_query(q, ping_frequency=FAST)
    latest = dune.get_latest_result(q, batch_size=3)
    assert latest.get_rows() == [{"number": i} for i in range(4)]


def test_cancel_execution(dune_emulator: EmulatorHandle, dune: DuneClient) -> None:
    dune_emulator.control.pin_next_executions(1, pending_seconds=0, executing_seconds=600)
    job = dune.execute_query(QueryBase(query_id=2)).execution_id
    assert dune.get_execution_status(job).state == ExecutionState.EXECUTING
    assert dune.cancel_execution(job) is True
    status = dune.get_execution_status(job)
    assert status.state == ExecutionState.CANCELLED and status.times.cancelled_at is not None


def test_query_crud(dune: DuneClient) -> None:
    created = dune.create_query(
        "compat", "select {{x}} as x", params=[QueryParameter.text_type("x", "hi")]
    )
    qid = created.base.query_id
    assert created.base.name == "compat" and created.sql == "select {{x}} as x"
    assert dune.update_query(qid, name="renamed", query_sql="select 1 as y", tags=["a"]) == qid
    fetched = dune.get_query(qid)
    assert fetched.base.name == "renamed" and fetched.sql == "select 1 as y"
    assert fetched.meta.tags == ["a"] and fetched.meta.version == 2
    dune.make_private(qid)
    assert dune.get_query(qid).meta.is_private is True
    dune.make_public(qid)
    assert dune.archive_query(qid) is True
    assert dune.unarchive_query(qid) is False


def test_uploads_modern_routes(dune: DuneClient) -> None:
    schema = [{"name": "id", "type": "bigint"}, {"name": "who", "type": "varbinary"}]
    made = dune.create_table("compat", "people", schema, description="d")
    assert made.full_name == "dune.compat.people"
    assert made.example_query == "select * from dune.compat.people limit 10"
    body = io.BytesIO(b"id,who\n1,0xabcd\n2,\n")
    ins = dune.insert_data("compat", "people", body, "text/csv")
    assert (ins.rows_written, ins.name) == (2, "compat.people")
    res = dune.run_sql("select * from dune.compat.people order by id", ping_frequency=FAST)
    assert res.get_rows() == [{"id": 1, "who": "0xabcd"}, {"id": 2, "who": None}]
    listed = dune.list_uploads()
    assert [t.full_name for t in listed.tables] == ["dune.compat.people"]
    assert dune.upload_csv("sheet", "a,b\n1,x\n").table_name == "dataset_sheet"  # as Dune names it
    assert (
        dune.clear_table("compat", "people").message == "Table compat.people successfully cleared"
    )
    deleted = dune.delete_table("compat", "people")
    assert deleted.message == "Table compat.people successfully deleted"
    assert [t.full_name for t in dune.list_uploads().tables] == ["dune.emulator.dataset_sheet"]


def test_uploads_legacy_table_routes(dune: DuneClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        made = TableAPI.create_table(
            dune, "legacy", "t", [{"name": "n", "type": "integer"}], description="x"
        )
        assert made.full_name == "dune.legacy.t" and made.already_existed is False
        ins = TableAPI.insert_table(
            dune, "legacy", "t", io.BytesIO(b'{"n": 5}\n{"n": 6}\n'), "application/x-ndjson"
        )
        assert ins.rows_written == 2
        rows = dune.run_sql("select sum(n) as s from dune.legacy.t", ping_frequency=FAST)
        assert rows.get_rows() == [{"s": 11}]
        up = TableAPI.upload_csv(dune, "old_csv", "c\n1\n", description="d")
        assert up is True
        assert TableAPI.clear_data(dune, "legacy", "t").message.endswith("successfully cleared")
        assert TableAPI.delete_table(dune, "legacy", "t").message.endswith("successfully deleted")


def test_usage_datasets_and_custom_endpoint(
    dune_emulator: EmulatorHandle, dune: DuneClient
) -> None:
    import httpx

    dune.run_sql("select 1", ping_frequency=FAST)
    usage = dune.get_usage()
    assert usage.billing_periods[0].credits_used == 10.0
    names = [d.full_name for d in dune.list_datasets(type="spell").datasets]
    assert names == ["dex.trades", "tokens.transfers"]
    assert dune.get_dataset("tokens.transfers").columns[0].name == "block_time"
    q = QueryBase(query_id=2, params=[QueryParameter.number_type("n", 3)])
    dune.run_query(q, ping_frequency=FAST)
    httpx.post(
        f"{dune_emulator.base_url}/_emulator/endpoints",
        json={"handle": "acme", "slug": "three", "query_id": 2, "parameters": {"n": 3}},
    ).raise_for_status()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        res = dune.get_custom_endpoint_result("acme", "three", limit=10)
    assert res.get_rows() == [{"number": 0}, {"number": 1}, {"number": 2}]
