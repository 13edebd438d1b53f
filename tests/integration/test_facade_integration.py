"""duneq against the emulator over real HTTP; every scenario runs with Client and AsyncClient."""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import Any

import duneq
import orjson
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from helpers.clients import MODES, aw, collect, count, make, run

STATUS = "GET /api/v1/execution/{execution_id}/status"
RESULTS = "GET /api/v1/execution/{execution_id}/results"
EXECUTE_SQL = "POST /api/v1/sql/execute"
EXECUTE_QUERY = "POST /api/v1/query/{query_id}/execute"
CANCEL = "POST /api/v1/execution/{execution_id}/cancel"


def checksum(rows: Any) -> str:
    return hashlib.sha256(orjson.dumps(list(rows), option=orjson.OPT_SORT_KEYS)).hexdigest()


@pytest.mark.parametrize("mode", MODES)
def test_run_query_pages_rows_and_metadata(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_query(2, params={"n": 50}, page_size=7))
        assert result.metadata.total_row_count == 50
        assert result.metadata.pages_fetched == 0  # the status told the size: nothing paid yet
        streamed = await collect(result.iter_rows())
        assert [r["number"] for r in streamed] == list(range(50))
        pages = await collect(result.iter_pages())
        assert [len(p) for p in pages] == [7] * 7 + [1]
        rows = await aw(result.rows)
        assert isinstance(rows, duneq.RowSequence)
        assert len(rows) == 50 and rows[0] == {"number": 0} and rows[-1] == {"number": 49}
        assert rows[10:13] == [{"number": 10}, {"number": 11}, {"number": 12}]
        assert rows == [{"number": n} for n in range(50)]
        assert checksum(rows) == checksum({"number": n} for n in range(50))
        meta = result.metadata
        assert meta.row_count == 50  # summed once per page, not per page x total
        assert meta.datapoint_count == 50 and result.datapoints == 50
        assert meta.pages_fetched == 8
        before = count(dune_emulator, RESULTS)
        assert [r["number"] for r in await collect(result.iter_rows())] == list(range(50))
        assert [len(p) for p in await collect(result.iter_pages())] == [7] * 7 + [1]
        assert count(dune_emulator, RESULTS) == before  # materialized rows are not re-fetched
        assert result.datapoints == 50
        assert meta.column_names == ["number"]
        assert result.cost_credits is not None and result.cost_credits >= 0
        assert meta.execution_ended_at is not None and meta.submitted_at is not None
        assert result.is_partial is False
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_run_sql_and_sample_data(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql("select range as number from range(100)", page_size=30))
        total = sum(r["number"] for r in await collect(result.iter_rows()))
        assert total == sum(range(100))
        assert result.metadata.row_count == 100 and result.metadata.query_id == 0
        trades = await aw(dune.run_query(1, params={"chain": "ethereum"}, page_size=100))
        rows = await aw(trades.rows)
        assert len(rows) == trades.metadata.total_row_count > 0
        assert {r["blockchain"] for r in rows} == {"ethereum"}
        limited = await aw(dune.run_sql("select range as n from range(40)", limit=15, page_size=4))
        assert [r["n"] for r in await aw(limited.rows)] == list(range(15))
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_execution_handle_and_by_id(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        progress: list[duneq.Progress] = []
        run_ = await aw(dune.execute_sql("select range as x from range(5)"))
        status = await aw(run_.wait(timeout=30, on_progress=progress.append))
        assert status.state == duneq.ExecutionState.COMPLETED
        assert progress and progress[-1].polls == len(progress)
        assert progress[-1].execution_id == run_.execution_id
        by_id = await aw(dune.get_result(run_.execution_id))
        assert [r["x"] for r in await aw(by_id.rows)] == [0, 1, 2, 3, 4]
        again = await aw(run_.result())
        assert again.execution_id == run_.execution_id
        assert (await aw(dune.get_status(run_.execution_id))).state == "QUERY_STATE_COMPLETED"
        with pytest.raises(duneq.InvalidArgument, match="not a valid execution id"):
            await aw(dune.get_status("Wonky Job ID"))
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_csv_download_one_header(mode: str, dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql("select range as n, range * 2 as d from range(23)"))
        target = tmp_path / f"{mode}.csv"
        written = await aw(dune.download_csv(result.execution_id, target, page_size=5))
        text = target.read_text()
        assert written == len(text.encode())
        expected = "n,d\n" + "".join(f"{n},{2 * n}\n" for n in range(23))
        assert text == expected
        buffer = io.StringIO()
        await aw(result.to_csv(buffer))
        assert buffer.getvalue() == expected
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_partial_policies(mode: str, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(result_row_cap=10)

    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        sql = "select range as n from range(25)"
        with pytest.warns(duneq.PartialResultWarning):
            warned = await aw(dune.run_sql(sql, page_size=4))
        assert warned.is_partial is True
        assert [r["n"] for r in await aw(warned.rows)] == list(range(10))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            allowed = await aw(dune.run_sql(sql, partial="allow"))
            assert allowed.is_partial and len(await aw(allowed.rows)) == 10
        with pytest.raises(duneq.PartialResultError, match="partial"):
            await aw(dune.run_sql(sql, partial="error"))
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_datapoint_cap_and_budget(mode: str, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(datapoint_cap=30)

    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        sql = "select range as a, range as b from range(40)"
        capped = await aw(dune.run_sql(sql))  # opening reads nothing; the first page is refused
        with pytest.raises(duneq.DatapointLimitExceeded, match="ignore_datapoint_limit=True"):
            await aw(capped.rows)
        lifted = await aw(dune.run_sql(sql, ignore_datapoint_limit=True, page_size=25))
        assert len(await aw(lifted.rows)) == 40
        before = count(dune_emulator, RESULTS)
        with pytest.raises(duneq.ResultTooLarge) as info:
            await aw(dune.run_sql(sql, max_result_datapoints=50))
        assert (info.value.total_rows, info.value.columns, info.value.datapoints) == (40, 2, 80)
        # one BudgetExceeded for every client-side limit: unit, limit and cost as for the totals
        assert isinstance(info.value, duneq.BudgetExceeded)
        assert (info.value.unit, info.value.limit, info.value.would_cost) == ("datapoints", 50, 80)
        assert count(dune_emulator, RESULTS) == before  # nothing downloaded
        # the former names still work: max_datapoints= on a read (with a DeprecationWarning
        # naming the new one) and DatapointBudgetExceeded (the same class)
        assert duneq.DatapointBudgetExceeded is duneq.ResultTooLarge
        deprecated = pytest.warns(DeprecationWarning, match="max_result_datapoints")
        with deprecated as seen, pytest.raises(duneq.DatapointBudgetExceeded):
            await aw(dune.run_sql(sql, max_datapoints=50))
        if mode == "sync":  # an awaited call's caller is the event loop
            assert seen[0].filename == __file__  # reported at the caller's line
        with pytest.raises(duneq.InvalidArgument, match="former name"):
            await aw(dune.run_sql(sql, max_datapoints=50, max_result_datapoints=50))
        ok = await aw(dune.run_sql(sql, max_result_datapoints=80, ignore_datapoint_limit=True))
        assert len(await aw(ok.rows)) == 40
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_failed_query_raises_with_location(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        with pytest.raises(duneq.QueryFailed) as info:
            await aw(dune.run_sql("select no_such_column from range(3)"))
        assert info.value.execution_id
        assert info.value.error_message
        dune_emulator.control.pin_next_executions(
            executing_seconds=0.2, fail="line 1:8: boom at line 1, position 8"
        )
        with pytest.raises(duneq.QueryFailed, match="boom") as pinned:
            await aw(dune.run_sql("select 1"))
        assert pinned.value.line == 1 and pinned.value.column == 8
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_cancelled_and_expired(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        dune_emulator.control.pin_next_executions(executing_seconds=2.0)
        run_ = await aw(dune.execute_sql("select 1 as x"))
        answer = await aw(run_.cancel())
        assert answer and answer.cancelled and answer.execution_id == run_.execution_id
        with pytest.raises(duneq.ExecutionCancelled):
            await aw(run_.wait(timeout=10))
        done = await aw(dune.execute_sql("select 1 as x"))
        await aw(done.wait(timeout=10))
        dune_emulator.control.advance_clock(91 * 24 * 3600)
        with pytest.raises(duneq.ExecutionExpired):
            await aw(dune.get_result(done.execution_id))
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_deadline_cancels_remotely(mode: str, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.pin_next_executions(executing_seconds=2.0)

    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        with pytest.raises(duneq.ExecutionTimeout) as info:
            await aw(dune.run_sql("select 1 as x", timeout=0.5))
        err = info.value
        assert err.cancelled is True and err.execution_id and err.timeout == 0.5
        status = await aw(dune.get_status(err.execution_id))
        assert status.state == duneq.ExecutionState.CANCELLED
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_reads_retry_429_and_503_with_retry_after(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        sleeps: list[float] = []
        dune = make(mode, dune_emulator, sleeps=sleeps)
        run_ = await aw(dune.execute_sql("select range as n from range(3)"))
        await aw(run_.wait(timeout=30))
        dune_emulator.control.add_fault(STATUS, count=1, status=429, retry_after=1)
        dune_emulator.control.add_fault(RESULTS, count=2, status=503, retry_after=0)
        before = count(dune_emulator, RESULTS)
        result = await aw(dune.get_result(run_.execution_id))
        assert len(await aw(result.rows)) == 3
        assert 1.0 in sleeps and sleeps.count(0.0) >= 2
        assert count(dune_emulator, RESULTS) - before == 3
        dune_emulator.control.add_fault(STATUS, count=10, status=503, retry_after=0)
        limited = make(mode, dune_emulator, sleeps=[], max_retries=2)
        with pytest.raises(duneq.ServerError) as info:
            await aw(limited.get_status(run_.execution_id))
        assert info.value.status_code == 503 and info.value.method == "GET"
        await aw(dune.close())
        await aw(limited.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_execute_retry_rules(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, sleeps=[])
        ctl = dune_emulator.control
        ctl.add_fault(EXECUTE_SQL, count=1, status=500, after_handler=True)
        with pytest.raises(duneq.ExecutionMayHaveStarted, match="may have started"):
            await aw(dune.execute_sql("select 1 as x"))
        assert count(dune_emulator, EXECUTE_SQL) == 1
        assert ctl.counters()["executions_started"] == 1

        ctl.add_fault(EXECUTE_SQL, count=2, status=429, retry_after=0)
        run_ = await aw(dune.execute_sql("select 1 as x"))
        assert run_.execution_id
        assert count(dune_emulator, EXECUTE_SQL) == 4
        assert ctl.counters()["executions_started"] == 2

        ctl.add_fault(EXECUTE_QUERY, count=1, kind="drop")
        with pytest.raises(duneq.ExecutionMayHaveStarted):
            await aw(dune.execute_query(2))  # a dropped connection is ambiguous: not retried
        assert count(dune_emulator, EXECUTE_QUERY) == 1
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_latest_result_reuse_and_rerun(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        from datetime import timedelta

        dune = make(mode, dune_emulator, real_time=True)  # max_age is judged on the wall clock
        first = await aw(dune.latest_result(2, params={"n": 6}, max_age=timedelta(hours=1)))
        assert first.reused is False
        assert [r["number"] for r in await aw(first.rows)] == list(range(6))
        again = await aw(dune.latest_result(2, params={"n": 6}, max_age=timedelta(hours=1)))
        assert again.reused is True and again.execution_id == first.execution_id
        stale = await aw(dune.latest_result(2, params={"n": 6}, max_age=timedelta(0)))
        assert stale.reused is False and stale.execution_id != first.execution_id
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_auth_errors(mode: str, dune_emulator: EmulatorHandle, monkeypatch: Any) -> None:
    monkeypatch.delenv("DUNE_API_KEY", raising=False)
    cls = duneq.Client if mode == "sync" else duneq.AsyncClient
    with pytest.raises(duneq.MissingAPIKey, match="DUNE_API_KEY"):
        cls(base_url=dune_emulator.base_url)

    async def scenario() -> None:
        bad = cls(api_key="wrong-key", base_url=dune_emulator.base_url)
        with pytest.raises(duneq.AuthenticationError) as info:
            await aw(bad.execute_query(2))
        assert info.value.status_code == 401
        assert info.value.api_message and "api key" in info.value.api_message.lower()
        assert "wrong-key" not in str(info.value) and "wrong-key" not in repr(bad)
        assert "wrong-key" not in repr(bad.lowlevel)
        await aw(bad.close())

    run(scenario)


def test_client_reads_environment(dune_emulator: EmulatorHandle, monkeypatch: Any) -> None:
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    with duneq.Client(**EmulatorTime(dune_emulator).client_kwargs()) as dune:
        assert dune.base_url == dune_emulator.base_url
        assert isinstance(dune.lowlevel, __import__("dune_api").Client)
        result = dune.run_query(2, params={"n": 3})
        assert len(result.rows) == 3
