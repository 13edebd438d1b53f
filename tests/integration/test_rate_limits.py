"""Pacing on the server's evidence, through real HTTP to the emulator: its RateLimit headers,
its plans' per-minute quotas, 429s, and Dune's deprecation headers."""

from __future__ import annotations

import warnings

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

RESULTS = "GET /api/v1/execution/{execution_id}/results"
CSV = "GET /api/v1/execution/{execution_id}/results/csv"


def _client(emu: EmulatorHandle, time: EmulatorTime) -> duneq.Client:
    return duneq.Client(emu.api_key, base_url=emu.base_url, **time.client_kwargs())


def test_no_request_waits_without_evidence(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """An unlimited key (the default plan still sends headers): 60 pages, no sleep at all."""
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql("select range as n from range(600)", page_size=10)
        slept = dune_emulator_time.slept
        assert [row["n"] for row in result.rows] == list(range(600))
    assert dune_emulator_time.slept == slept  # the pages cost no wait


def test_a_read_larger_than_the_quota_is_spread_over_the_window_without_429s(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """10 reads a minute and a result of 30 pages: exact rows, no 429, about 3 minutes."""
    with _client(dune_emulator, dune_emulator_time) as dune:
        execution = dune.execute_sql("select range as n from range(300)")
        status = execution.wait()
        dune_emulator.control.configure(rate_limit_high_rpm=10)
        start = dune_emulator_time.clock()
        result = dune.get_result(status.execution_id, page_size=10)
        assert [row["n"] for row in result.rows] == list(range(300))
        took = dune_emulator_time.clock() - start
    assert dune_emulator.control.counters()["throttled"] == {}
    assert 120 <= took <= 240, took  # 30 requests at 10 a minute: the quota's time, not more


def test_the_free_plan_reads_a_result_with_no_429(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    dune_emulator.control.configure(rate_limit_plan="free")
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql("select range as n from range(3000)", page_size=100)
        assert sum(row["n"] for row in result.rows) == 3000 * 2999 // 2
    counters = dune_emulator.control.counters()
    assert counters["throttled"] == {}
    assert counters["requests"][RESULTS] >= 30  # the quota (40 a minute) was really in play


def test_deprecation_headers_warn_once_per_client_naming_the_endpoint(
    dune_emulator: EmulatorHandle,
) -> None:
    dune_emulator.control.configure(deprecated_routes=["GET /api/v1/query/{query_id}"])
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        with pytest.warns(DeprecationWarning, match=r"GET /api/v1/query/\{id\}.*2027") as seen:
            dune.queries.get(2)
        assert len([w for w in seen if w.category is DeprecationWarning]) == 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dune.queries.get(1)  # the same endpoint again: already said
    with (
        duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as fresh,
        pytest.warns(DeprecationWarning),
    ):
        fresh.queries.get(2)


def test_a_million_row_typed_read_on_the_free_plan_gets_no_429(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """1M rows read as Arrow in 50 CSV pages against the free plan's 40 reads a minute: the
    read is spread over the quota's window from the server's headers, exact, with no 429."""
    with _client(dune_emulator, dune_emulator_time) as dune:
        status = dune.execute_sql("select range as n, range % 7 as k from range(1000000)").wait()
        dune_emulator.control.configure(rate_limit_plan="free")
        start = dune_emulator_time.clock()
        table = dune.get_result(status.execution_id, page_size=20_000).to_arrow()
        took = dune_emulator_time.clock() - start
    assert table.num_rows == 1_000_000
    assert table.column("n").to_pylist() == list(range(1_000_000))
    assert sum(table.column("k").to_pylist()) == sum(i % 7 for i in range(1_000_000))
    counters = dune_emulator.control.counters()
    assert counters["throttled"] == {}
    assert counters["requests"][CSV] >= 50  # more reads than one minute's quota...
    assert 30 <= took <= 180, took  # ...so they were spread over the next window, not more
