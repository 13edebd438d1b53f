"""Every result page is verified against what was announced before anyone sees it: short or
non-CSV 200 bodies on the CSV route are retried, never returned, written or cached as a
result. Real HTTP to the emulator, whose faults cut a body in half (with a matching
Content-Length) or answer 200 with a JSON error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duneq
import pyarrow as pa
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime

CSV = "GET /api/v1/execution/{execution_id}/results/csv"
ROWS = 5000
SQL = f"select range as n, 'r' || cast(range as varchar) as label from range({ROWS})"
FAULTS: list[dict[str, Any]] = [
    {"kind": "truncate"},  # a 200 with half the body and a matching Content-Length
    {"status": 200, "body": {"error": "oops"}},  # a 200 whose body is not CSV at all
]


def _client(emu: EmulatorHandle, time: EmulatorTime, **kw: Any) -> duneq.Client:
    return duneq.Client(emu.api_key, base_url=emu.base_url, **time.client_kwargs(), **kw)


def _exact(table: pa.Table) -> bool:
    return bool(table.num_rows == ROWS and table.column("n").to_pylist() == list(range(ROWS)))


@pytest.mark.parametrize("fault", FAULTS, ids=["truncated", "not-csv"])
def test_a_short_or_broken_csv_page_is_verified_and_recovered(
    fault: dict[str, Any],
    dune_emulator: EmulatorHandle,
    dune_emulator_time: EmulatorTime,
    tmp_path: Path,
) -> None:
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        dune_emulator.control.add_fault(CSV, count=2, **fault)
        assert _exact(result.to_arrow())  # the faulted pages were fetched again
        dune_emulator.control.add_fault(CSV, count=2, **fault)
        out = tmp_path / "out.csv"
        result.to_csv(out)
        lines = out.read_text().splitlines()
        assert lines[0] == "n,label" and len(lines) == ROWS + 1
        assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(ROWS))
        dune_emulator.control.add_fault(CSV, count=1, **fault)
        again = tmp_path / "again.csv"
        dune.download_csv(result.execution_id, again, page_size=1000)
        assert again.read_text() == out.read_text()
    injected = dune_emulator.control.counters()["faults_injected"]
    assert sum(injected.values()) == 5


def test_a_page_that_stays_short_raises_naming_execution_and_offset(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    with _client(dune_emulator, dune_emulator_time, max_retries=2) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        dune_emulator.control.add_fault(CSV, count=10, kind="truncate")
        with pytest.raises(duneq.ResponseValidationError) as info:
            result.to_arrow()
        message = str(info.value)
        assert result.execution_id in message and "offset 0" in message
        assert "records" in message and "announce" in message
        out = tmp_path / "never.csv"
        dune_emulator.control.add_fault(CSV, count=10, kind="truncate")
        with pytest.raises(duneq.ResponseValidationError):
            result.to_csv(out)
        assert not out.exists()  # nothing unverified reached the file


def test_a_faulted_read_never_caches_a_short_result(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with _client(dune_emulator, dune_emulator_time, cache=cache, max_retries=1) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        eid = result.execution_id
        dune_emulator.control.add_fault(CSV, count=2, kind="truncate")  # one try, one retry
        with pytest.raises(duneq.ResponseValidationError):
            result.to_arrow()
        assert _exact(result.to_arrow())  # the faults are spent: a whole, verified read
    dune_emulator.control.add_fault(CSV, count=10, kind="truncate")  # a fresh client...
    with _client(dune_emulator, dune_emulator_time, cache=cache, offline=True) as offline:
        cached = offline.get_result(eid, page_size=1000)
        assert _exact(cached.to_arrow())  # ...is served the whole result, from the cache
        assert [row["n"] for row in cached.rows] == list(range(ROWS))


def test_pages_fetched_together_never_pass_the_datapoint_budget(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """Pages in flight at once hold their datapoints before they are sent: 3 connections
    never let 4 pages of 100 pass a budget of 450 (each read stops at the 5th page)."""
    for read in ("to_arrow", "rows", "to_csv"):
        with _client(dune_emulator, dune_emulator_time, max_datapoints=450) as dune:
            result = dune.run_sql("select range as n from range(1000)", page_size=100)
            with pytest.raises(duneq.BudgetExceeded):
                if read == "to_arrow":
                    result.to_arrow()
                elif read == "rows":
                    _ = result.rows
                else:
                    result.to_csv(tmp_path / "capped.csv")
            assert dune.spent.datapoints == 400, read


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_on_fetch_tells_each_delivered_page_in_order(
    mode: str, dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """A progress bar's feed: pages, rows and bytes so far, and the totals, after each page."""
    import asyncio

    seen: list[duneq.FetchProgress] = []
    kw = dune_emulator_time.client_kwargs(asynchronous=mode == "async")
    args = (dune_emulator.api_key,)
    opts = {"base_url": dune_emulator.base_url, "on_fetch": seen.append, **kw}

    async def reads() -> None:
        if mode == "sync":
            with duneq.Client(*args, **opts) as dune:
                result = dune.run_sql(SQL, page_size=1000)
                result.to_arrow()
                _ = result.rows
                result.to_csv(tmp_path / "p.csv")
        else:
            async with duneq.AsyncClient(*args, **opts) as adune:
                aresult = await adune.run_sql(SQL, page_size=1000)
                await aresult.to_arrow()
                await aresult.rows
                await aresult.to_csv(tmp_path / "p.csv")

    asyncio.run(reads())
    assert len(seen) == 15  # three reads of five pages
    for read in (seen[0:5], seen[5:10], seen[10:15]):
        assert [p.pages for p in read] == [1, 2, 3, 4, 5]
        assert [p.rows for p in read] == [1000, 2000, 3000, 4000, 5000]
        assert {(p.total_rows, p.total_pages) for p in read} == {(ROWS, 5)}
        assert read[-1].fraction == 1.0
    assert seen[0].bytes > 0 and seen[4].bytes > seen[0].bytes  # CSV pages count their bytes
    assert {p.bytes for p in seen[5:10]} == {0}  # JSON pages do not


def test_on_fetch_must_be_callable() -> None:
    with pytest.raises(duneq.InvalidArgument, match="on_fetch"):
        duneq.Client("k", on_fetch=3)  # type: ignore[arg-type]


def test_a_file_writer_reads_with_one_fetcher_until_the_link_is_the_slow_side(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """to_parquet starts with one fetcher (more would only hold parsed pages and allocator
    heaps while the encoder works) and grows to all of them once it waits on pages; to_arrow
    starts with all. Rows exact either way."""
    import threading

    import pyarrow.parquet as pq
    from duneq._results.fanout import GROWTH_PAGES, WORKERS

    live: list[int] = []

    def fetchers(_: duneq.FetchProgress) -> None:
        live.append(sum(t.name.startswith("duneq-read") for t in threading.enumerate()))

    with _client(dune_emulator, dune_emulator_time, on_fetch=fetchers) as dune:
        result = dune.run_sql(SQL, page_size=250)  # 20 pages
        # every page takes 0.2 s to come: the link, not the writer, is the slow side
        dune_emulator.control.add_fault(CSV, kind="delay", delay_seconds=0.2, count=20)
        assert result.to_parquet(tmp_path / "x.parquet") == ROWS
        assert _exact(pq.read_table(tmp_path / "x.parquet"))
        # page 1 is fetched before any thread (the single fetcher starts on page 2 before page 1
        # is handed over), the next GROWTH_PAGES by that fetcher; by then the caller has waited
        # far longer than it worked, and the read grows
        assert live[:GROWTH_PAGES] == [1] * GROWTH_PAGES, live
        assert max(live) >= WORKERS, live
        written = live
        live = []
        dune_emulator.control.add_fault(CSV, kind="delay", delay_seconds=0.2, count=20)
        assert _exact(result.to_arrow())
        assert live[0] == WORKERS, live  # other reads start with every fetcher
    assert len(written) == 20


JSON = "GET /api/v1/execution/{execution_id}/results"


def _short_json_page(emu: EmulatorHandle, eid: str, *, consistent: bool = False) -> dict[str, Any]:
    """The first 1000-row JSON page of ``eid`` as the emulator sends it, but holding one row:
    valid JSON whose metadata still announces 1000 rows (what a cut body can never be), or
    with ``consistent`` announces the one row it holds."""
    import httpx

    page = httpx.get(
        f"{emu.base_url}/api/v1/execution/{eid}/results",
        params={"limit": 1000, "offset": 0},
        headers={"X-Dune-Api-Key": emu.api_key},
    ).json()
    assert page["result"]["metadata"]["row_count"] == 1000
    page["result"]["rows"] = page["result"]["rows"][:1]
    if consistent:
        page["result"]["metadata"]["row_count"] = 1
    return dict(page)


def test_a_json_page_holding_fewer_rows_than_announced_is_fetched_again(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """``rows`` keeps pages as raw JSON, but each is counted before anyone sees it: a page
    short of its announced rows is retried, raises naming execution and offset when it stays
    short, and is never cached."""
    cache = tmp_path / "cache"
    with _client(dune_emulator, dune_emulator_time, cache=cache, max_retries=2) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        eid = result.execution_id
        short = _short_json_page(dune_emulator, eid)
        dune_emulator.control.add_fault(JSON, count=3, status=200, body=short)
        with pytest.raises(duneq.ResponseValidationError) as info:
            _ = result.rows
        message = str(info.value)
        assert eid in message and "offset 0" in message
        assert "announces 1000 rows but holds 1" in message
        assert dune.cache is not None and dune.cache.size() == 0  # nothing short was sealed
    with _client(dune_emulator, dune_emulator_time, cache=cache) as dune:
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        rows = dune.get_result(eid, page_size=1000).rows
        assert [row["n"] for row in rows] == list(range(ROWS))  # the short page came again
        assert [row["label"] for row in rows[:2]] == ["r0", "r1"]
    with _client(dune_emulator, dune_emulator_time, cache=cache, offline=True) as offline:
        cached = offline.get_result(eid, page_size=1000)
        assert cached.source == "cache"
        assert [row["n"] for row in cached.rows] == list(range(ROWS))


def test_without_a_cache_a_short_json_page_is_fetched_again_when_first_decoded(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """A sync client without a cache counts raw pages when it decodes them: a page short of
    its announced rows is fetched again then; when it stays short, the error names the page."""
    with _client(dune_emulator, dune_emulator_time, max_retries=2) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        short = _short_json_page(dune_emulator, result.execution_id)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        rows = result.rows
        assert len(rows) == ROWS
        assert [row["n"] for row in rows] == list(range(ROWS))
        assert rows[0] == {"n": 0, "label": "r0"} and rows[-1]["n"] == ROWS - 1
        again = dune.get_result(result.execution_id, page_size=1000)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        stays_short = again.rows  # the first page short, then every fetch of it again
        dune_emulator.control.add_fault(JSON, count=10, status=200, body=short)
        with pytest.raises(duneq.ResponseValidationError) as info:
            list(stays_short)
        message = str(info.value)
        assert "offset 0: announced 1000 rows but holds 1" in message
        assert "fetching it again failed" in message
        assert info.value.execution_id == result.execution_id


def test_the_async_client_counts_raw_json_pages_when_it_fetches_them(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    import asyncio

    kw = dune_emulator_time.client_kwargs(asynchronous=True)

    async def read() -> list[int]:
        async with duneq.AsyncClient(
            dune_emulator.api_key, base_url=dune_emulator.base_url, **kw
        ) as adune:
            result = await adune.run_sql(SQL, page_size=1000)
            short = _short_json_page(dune_emulator, result.execution_id)
            dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
            rows = await result.rows
            assert dune_emulator.control.counters()["faults_injected"]
            return [row["n"] for row in rows]

    assert asyncio.run(read()) == list(range(ROWS))


def test_typed_reads_never_build_a_short_table_from_a_short_json_page(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """``to_arrow(wire="json")`` counts each page when fetched, and a table built from the
    pages ``rows`` holds reads a short raw one again through the sequence."""
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        short = _short_json_page(dune_emulator, result.execution_id)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        assert _exact(result.to_arrow(wire="json"))
        held = dune.get_result(result.execution_id, page_size=1000)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        assert len(held.rows) == ROWS  # page 0 kept raw, short and not yet counted
        assert _exact(held.to_arrow())  # built from the held pages, page 0 fetched again
    assert sum(dune_emulator.control.counters()["faults_injected"].values()) == 2


@pytest.mark.parametrize("consistent", [False, True], ids=["page-short", "page-consistent"])
def test_a_short_json_page_re_reading_ambiguous_text_is_fetched_again(
    consistent: bool, dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """CSV cannot tell '' from NULL, so such a text column is re-read as JSON: a short JSON
    page there is fetched again, and the table keeps every empty string."""
    sql = (
        "select range as n, case when range % 2 = 0 then '' else 'x' end as label "
        f"from range({ROWS})"
    )
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql(sql, page_size=1000)
        short = _short_json_page(dune_emulator, result.execution_id, consistent=consistent)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        table = result.to_arrow()
    assert table.column("n").to_pylist() == list(range(ROWS))
    assert table.column("label").to_pylist() == ["" if i % 2 == 0 else "x" for i in range(ROWS)]
    assert sum(dune_emulator.control.counters()["faults_injected"].values()) == 1


@pytest.mark.parametrize("read", ["iter_rows", "iter_pages", "rows_via_iter_after_first"])
def test_streamed_rows_never_skip_what_a_short_json_page_left_out(
    read: str, dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """A decoded page is held to its own metadata's row count too: a page holding 1 of its
    1000 announced rows is fetched again, so streaming never jumps past 999 missing rows."""
    with _client(dune_emulator, dune_emulator_time) as dune:
        result = dune.run_sql(SQL, page_size=1000)
        short = _short_json_page(dune_emulator, result.execution_id)
        dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
        if read == "iter_rows":
            got = [row["n"] for row in result.iter_rows()]
        elif read == "iter_pages":
            got = [row["n"] for page in result.iter_pages() for row in page]
        else:
            got = [row["n"] for row in result.iter_rows()]
            dune_emulator.control.add_fault(JSON, count=1, status=200, body=short)
            got = [row["n"] for row in result.iter_rows()]  # a second pass fetches again
    assert got == list(range(ROWS))
