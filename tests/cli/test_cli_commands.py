"""The duneq command, invoked in-process against the emulator over real HTTP: each command,
each output format, the result flags and every error exit code."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import duneq
import httpx
import orjson
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq import _constants as C
from duneq.cli import main
from helpers.cli_seam import give_cli_clients

EXECUTION_ID = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")
RESULTS = "GET /api/v1/execution/{execution_id}/results"
ANSI = "\x1b["


class Run:
    """The outcome of one ``duneq`` invocation."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    @property
    def execution_id(self) -> str:
        found = EXECUTION_ID.search(self.err)
        assert found, self.err
        return found.group(0)


@pytest.fixture
def duneq_cli(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """Call ``duneq ARGS...`` against the emulator (key and URL from the environment); its
    clients wait on the emulator's clock, so polls, pinned runs and timeouts take no real time."""
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())

    def call(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return call


def result_requests(emu: EmulatorHandle) -> int:
    return int(emu.control.counters()["requests"].get(RESULTS, 0))


def executions(emu: EmulatorHandle) -> int:
    return int(emu.control.counters()["executions_started"])


# --------------------------------------------------------------------------- run and sql


def test_run_saved_query_with_param_as_csv(duneq_cli: Any) -> None:
    res = duneq_cli("run", "2", "--param", "n=7", "-o", "csv")
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["number", *[str(i) for i in range(7)]]
    assert "QUERY_STATE_COMPLETED" in res.err
    assert re.search(
        r"^cost: [\d.]+ credits, 7 datapoints, 7 rows, [\d.]+s \(new run\)$", res.err, re.M
    )


def test_limit_fetches_only_what_it_shows(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    res = duneq_cli("run", "1", "--param", "chain=base", "--limit", "3", "-o", "json")
    assert res.code == 0, res.err
    rows = orjson.loads(res.out)
    assert len(rows) == 3
    assert {row["blockchain"] for row in rows} == {"base"}
    # 3 rows x 15 columns billed: the other 197 rows were never downloaded
    assert "45 datapoints, 3 rows" in res.err
    assert result_requests(dune_emulator) == 1


def test_sql_from_argument_file_and_stdin(
    duneq_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert duneq_cli("sql", "select 41 + 1 as answer", "-o", "csv").out == "answer\n42\n"
    path = tmp_path / "q.sql"
    path.write_text("select 'from file' as source\n", encoding="utf-8")
    assert duneq_cli("sql", "-f", str(path), "-o", "csv").out == "source\nfrom file\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("select 'piped' as source"))
    assert duneq_cli("sql", "-", "-o", "csv").out == "source\npiped\n"


def test_table_output_is_plain_when_not_a_terminal(duneq_cli: Any) -> None:
    res = duneq_cli("run", "2", "--param", "n=3")
    assert res.code == 0
    lines = res.out.splitlines()
    assert lines[0] == "number"
    assert set(lines[1]) == {"-"}
    assert lines[2:] == ["0", "1", "2"]
    assert ANSI not in res.out + res.err


def test_json_and_jsonl_outputs(duneq_cli: Any) -> None:
    sql = "select n, n * 2 as twice from unnest(sequence(1, 4)) as t(n) order by n"
    rows = orjson.loads(duneq_cli("sql", sql, "-o", "json").out)
    assert rows == [{"n": n, "twice": 2 * n} for n in range(1, 5)]
    lines = duneq_cli("sql", sql, "-o", "jsonl").out.splitlines()
    assert [orjson.loads(line) for line in lines] == rows


def test_out_streams_pages_to_file(
    duneq_cli: Any, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    path = tmp_path / "transfers.csv"
    res = duneq_cli(
        "sql", "select * from tokens.transfers", "--page-size", "100", "--out", str(path)
    )
    assert res.code == 0, res.err
    assert res.out == ""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1001
    assert lines[0].startswith("block_time,blockchain,")
    assert result_requests(dune_emulator) == 10
    assert f"wrote 1,000 rows to {path}" in res.err
    assert not list(tmp_path.glob("*.part"))


def test_parquet_output(duneq_cli: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "trades.parquet"
    res = duneq_cli("sql", "select * from dex.trades", "--out", str(path))
    assert res.code == 0, res.err
    table = pq.read_table(path)
    assert table.num_rows == 1000
    assert str(table.schema.field("block_number").type) == "int64"
    assert str(table.schema.field("amount_usd").type) == "double"
    assert table.column("blockchain")[0].as_py() == "ethereum"


def test_parquet_without_pyarrow_says_how_to_install(
    duneq_cli: Any, dune_emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    res = duneq_cli("run", "2", "-o", "parquet", "--out", str(tmp_path / "x.parquet"))
    assert res.code == 2
    assert "pip install 'duneq[arrow]'" in res.err
    assert len(res.err.strip().splitlines()) == 1
    assert executions(dune_emulator) == 0  # refused before spending anything


def test_columns_filters_sort_and_sample(duneq_cli: Any) -> None:
    base = ("sql", "select * from dex.trades", "-o", "json")
    rows = orjson.loads(
        duneq_cli(
            *base,
            "--columns",
            "blockchain,amount_usd",
            "--filters",
            "blockchain = 'base'",
            "--sort-by",
            "amount_usd desc",
            "--limit",
            "5",
        ).out
    )
    assert len(rows) == 5
    assert all(set(row) == {"blockchain", "amount_usd"} for row in rows)
    assert {row["blockchain"] for row in rows} == {"base"}
    amounts = [row["amount_usd"] for row in rows]
    assert amounts == sorted(amounts, reverse=True)
    sample = duneq_cli(*base, "--sample", "20")
    assert sample.code == 0, sample.err
    assert 0 < len(orjson.loads(sample.out)) < 1000


def test_partial_policies(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(result_row_cap=50)
    sql = ("sql", "select * from dex.trades", "-o", "jsonl")
    refused = duneq_cli(*sql, "--partial", "error")
    assert refused.code == 5
    assert "partial" in refused.err and f"[execution_id={refused.execution_id}]" in refused.err
    warned = duneq_cli(*sql, "--partial", "warn")
    assert warned.code == 0
    assert len(warned.out.splitlines()) == 50
    assert re.search(r"^warning: the result is partial", warned.err, re.M)
    allowed = duneq_cli(*sql, "--partial", "allow")
    assert allowed.code == 0 and len(allowed.out.splitlines()) == 50
    assert "warning" not in allowed.err


def test_datapoint_cap_and_budget(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(datapoint_cap=1000)
    capped = duneq_cli("sql", "select * from dex.trades", "-o", "csv")
    assert capped.code == 8
    assert "--ignore-datapoint-limit" in capped.err
    lifted = duneq_cli("sql", "select * from dex.trades", "-o", "csv", "--ignore-datapoint-limit")
    assert lifted.code == 0, lifted.err
    assert len(lifted.out.splitlines()) == 1001
    budget = duneq_cli("sql", "select * from dex.trades", "--max-datapoints", "100")
    assert budget.code == 8
    assert "40 rows x 15 columns = 600 datapoints, over --max-datapoints 100" in budget.err


# --------------------------------------------------------------------------- by execution id


def test_status_results_and_cancel(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    first = duneq_cli("run", "2", "--param", "n=4", "-o", "csv")
    eid = first.execution_id
    status = duneq_cli("status", eid)
    assert status.code == 0
    assert re.search(r"^state\s+QUERY_STATE_COMPLETED$", status.out, re.M)
    as_json = orjson.loads(duneq_cli("status", eid, "-o", "json").out)
    assert as_json["execution_id"] == eid and as_json["total_row_count"] == 4
    results = duneq_cli("results", eid, "-o", "jsonl")
    assert [orjson.loads(line)["number"] for line in results.out.splitlines()] == [0, 1, 2, 3]
    assert "4 rows" in results.err

    dune_emulator.control.pin_next_executions(1, executing_seconds=120)
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as client:
        running = client.execute_sql("select 1").execution_id
    cancelled = duneq_cli("cancel", running)
    assert cancelled.code == 0 and cancelled.out.strip() == f"cancelled {running}"
    assert "QUERY_STATE_CANCELLED" in duneq_cli("status", running).out
    gone = duneq_cli("results", running)
    assert gone.code == 5
    assert f"[execution_id={running}]" in gone.err


def test_latest_reuses_a_fresh_result(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    first = duneq_cli("latest", "2", "-o", "csv")
    assert first.code == 0, first.err
    assert first.out.splitlines()[1:] == [str(i) for i in range(10)]
    started = executions(dune_emulator)
    again = duneq_cli("latest", "2", "--max-age", "6h", "-o", "csv")
    assert again.code == 0, again.err
    assert again.out == first.out
    assert "cost: 0 credits, 10 datapoints, 10 rows" in again.err
    assert "(no new execution: the latest run, ended " in again.err
    assert "10 credits" not in again.err
    assert executions(dune_emulator) == started


def _requests(emu: EmulatorHandle, route: str) -> int:
    return int(emu.control.counters()["requests"].get(route, 0))


def test_latest_csv_comes_from_the_csv_route(
    duneq_cli: Any, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """``latest -o csv`` streams the API's CSV (issue 26 item 14) through ``dune.latest_csv``:
    one small JSON probe finds the latest run, whose CSV route is then read, pinned to it;
    no JSON page is converted, and nothing runs when a latest run exists."""
    csv_route = "GET /api/v1/execution/{execution_id}/results/csv"
    json_route = "GET /api/v1/query/{query_id}/results"
    pages_route = "GET /api/v1/execution/{execution_id}/results"
    ran = duneq_cli("run", "2", "--param", "n=5", "-o", "csv")
    assert ran.code == 0, ran.err
    started, csv_before = executions(dune_emulator), _requests(dune_emulator, csv_route)
    json_before = _requests(dune_emulator, json_route)
    pages_before = _requests(dune_emulator, pages_route)
    res = duneq_cli("latest", "2", "--param", "n=5", "-o", "csv")
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["number", *[str(i) for i in range(5)]]
    assert f"execution {ran.execution_id}" in res.err and "5 rows" in res.err
    assert _requests(dune_emulator, csv_route) == csv_before + 1
    assert _requests(dune_emulator, json_route) == json_before + 1  # the probe only
    assert _requests(dune_emulator, pages_route) == pages_before  # no JSON page read
    out = tmp_path / "latest.csv"
    saved = duneq_cli("latest", "2", "--param", "n=5", "--out", str(out))
    assert saved.code == 0, saved.err
    assert out.read_text() == res.out and f"wrote 5 rows to {out}" in saved.err
    assert not (tmp_path / "latest.csv.part").exists()
    assert executions(dune_emulator) == started


def test_reading_a_finished_execution_says_nothing_new_was_paid(duneq_cli: Any) -> None:
    """`results` never executes: 0 credits, the datapoints it read, and which execution."""
    ran = duneq_cli("run", "2", "--param", "n=3", "-o", "csv")
    assert "cost: 10 credits, 3 datapoints, 3 rows" in ran.err and "(new run)" in ran.err
    eid = ran.execution_id
    for _ in range(2):  # every time, not only the first
        read = duneq_cli("results", eid, "-o", "csv")
        assert read.code == 0, read.err
        assert re.search(
            rf"^cost: 0 credits, 3 datapoints, 3 rows, [\d.]+s \(no new execution: read "
            rf"execution {eid}\)$",
            read.err,
            re.M,
        ), read.err


# --------------------------------------------------------------------------- errors


def test_sql_error_names_line_column_and_execution(duneq_cli: Any) -> None:
    res = duneq_cli("sql", "select *\nfrm dex.trades")
    assert res.code == 5
    error = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert re.search(r"\[line 2, column \d+\]", error[0])
    assert f"[execution_id={res.execution_id}]" in error[0]
    assert "Traceback" not in res.err


def test_auth_errors(duneq_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = duneq_cli("run", "2", "--api-key", "not-the-secret-key")
    assert wrong.code == 3
    assert "not-the-secret-key" not in wrong.out + wrong.err
    monkeypatch.delenv("DUNE_API_KEY")
    missing = duneq_cli("run", "2")
    assert missing.code == 3
    assert missing.err.strip() == "error: no Dune API key: set DUNE_API_KEY or pass --api-key"


def test_not_found_and_debug_traceback(duneq_cli: Any) -> None:
    res = duneq_cli("run", "987654")
    assert res.code == 4
    assert res.err.count("\n") == 1 and res.err.startswith("error:")
    debug = duneq_cli("run", "987654", "--debug")
    assert debug.code == 4 and "Traceback" in debug.err


def test_timeout_cancels_the_execution(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.pin_next_executions(1, executing_seconds=120)
    res = duneq_cli("sql", "select 1", "--timeout", "0.5")
    assert res.code == 6
    assert "cancelled remotely" in res.err
    assert "QUERY_STATE_CANCELLED" in duneq_cli("status", res.execution_id).out


def test_no_cancel_leaves_it_running(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.pin_next_executions(1, executing_seconds=120)
    res = duneq_cli("sql", "select 1", "--timeout", "0.3", "--no-cancel")
    assert res.code == 6
    assert "left running" in res.err
    assert "QUERY_STATE_EXECUTING" in duneq_cli("status", res.execution_id).out


def test_rate_limited(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.add_fault("POST /api/v1/sql/execute", count=20, status=429, retry_after=0)
    res = duneq_cli("sql", "select 1")
    assert res.code == 7
    *retries, last = res.err.splitlines()
    assert last.startswith("error:") and "429" in last
    assert retries == [
        f"POST /api/v1/sql/execute answered HTTP 429; retrying {n}/{C.DEFAULT_MAX_RETRIES} in 0.0 s…"
        for n in range(1, C.DEFAULT_MAX_RETRIES + 1)
    ]
    quiet = duneq_cli("sql", "select 1", "-q")
    assert quiet.code == 7 and quiet.err.startswith("error:")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "abc"], "is not a query id"),
        (["run", "2", "--param", "n"], "expected NAME=VALUE"),
        (["run", "2", "--limit", "0"], "must be a positive whole number"),
        (["latest", "2", "--max-age", "soon"], "is not a duration"),
        (["sql", "select 1", "-f", "x.sql"], "not both"),
        (["sql", "select 1", "--sample", "5", "--limit", "2"], "sample_count cannot be combined"),
        (["status", "not-an-id"], "is not a valid execution id"),
        (["run", "2", "-o", "xml"], "invalid choice"),
        ([], "required: COMMAND"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    duneq_cli: Any, dune_emulator: EmulatorHandle, argv: list[str], expected: str
) -> None:
    res = duneq_cli(*argv)
    assert res.code == 2
    assert res.err.count("\n") == 1 and res.err.startswith("error:")
    assert expected in res.err
    assert executions(dune_emulator) == 0


def test_help_lists_commands_and_exit_codes(duneq_cli: Any) -> None:
    res = duneq_cli("--help")
    assert res.code == 0
    for word in ("run", "sql", "status", "results", "cancel", "latest", "pipeline", "demo"):
        assert word in res.out
    assert "7  rate limited" in res.out
    assert duneq_cli("--version").out.startswith("duneq ")


# --------------------------------------------------------------------------- pipeline


def view_and_reader(emu: EmulatorHandle) -> tuple[int, int]:
    """A view over a saved query and a saved query that reads it; returns (view qid, reader)."""
    emulator_time = EmulatorTime(emu).client_kwargs()
    with duneq.Client(emu.api_key, base_url=emu.base_url, **emulator_time) as client:
        base = client.queries.create("base", "select 3 as x union all select 4")
        view = client.matviews.upsert("result_cli", base)
        view.execution.wait(timeout=30)
        reader = client.queries.create("reader", f"select sum(x) as total from {view.name}")
    return base, reader


def test_pipeline_plan_prints_the_lineage(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    _, reader = view_and_reader(dune_emulator)
    started = executions(dune_emulator)
    res = duneq_cli("pipeline", str(reader), "--plan", "--performance", "large")
    assert res.code == 0, res.err
    assert res.out.splitlines() == [
        f"pipeline of query {reader}: 2 nodes, in run order",
        "  node 1: refresh dune.emulator.result_cli [large]",
        f"  node 2: query {reader} after node 1 [large]",
    ]
    assert executions(dune_emulator) == started  # --plan runs nothing


def test_pipeline_run_prints_every_node(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    _, reader = view_and_reader(dune_emulator)
    dune_emulator.control.pin_next_executions(2, executing_seconds=0.4)
    res = duneq_cli("pipeline", str(reader))
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert len(lines) == 2
    assert re.match(
        r"^node 1 refresh dune\.emulator\.result_cli: QUERY_STATE_COMPLETED \[\w{26}\] "
        r"[\d.]+s 10 credits$",
        lines[0],
    )
    assert re.match(rf"^node 2 query {reader}: QUERY_STATE_COMPLETED \[\w{{26}}\] ", lines[1])
    # not a terminal: plain progress lines, one per node change, no escape codes
    assert "node 1 refresh dune.emulator.result_cli: QUERY_STATE_EXECUTING [" in res.err
    assert f"node 2 query {reader}: QUERY_STATE_EXECUTING [" in res.err
    assert ANSI not in res.err
    assert re.search(r"^cost: 20 credits, 2/2 nodes completed, [\d.]+s$", res.err, re.M)
    node_eid = EXECUTION_ID.findall(lines[1])[0]
    assert duneq_cli("results", node_eid, "-o", "csv").out.splitlines() == ["total", "7"]
    quiet = duneq_cli("pipeline", str(reader), "--quiet")
    assert quiet.code == 0 and quiet.err == "" and len(quiet.out.splitlines()) == 2


def test_pipeline_failure_names_the_node_and_exits_5(
    duneq_cli: Any, dune_emulator: EmulatorHandle
) -> None:
    base, reader = view_and_reader(dune_emulator)
    r = httpx.post(
        f"{dune_emulator.base_url}/_emulator/fail-query",
        json={"query_id": base, "message": "table is on fire"},
    )
    assert r.status_code == 200
    res = duneq_cli("pipeline", str(reader))
    assert res.code == 5
    first, second = res.out.splitlines()
    assert first.startswith("node 1 refresh dune.emulator.result_cli: QUERY_STATE_FAILED [")
    assert first.endswith("-- table is on fire")
    assert second == (
        f"node 2 query {reader}: skipped -- not run: dependency node 1 did not complete"
    )
    failed_eid = EXECUTION_ID.findall(first)[0]
    assert res.err.splitlines()[-1] == (
        "error: node 1 (refresh dune.emulator.result_cli) failed: table is on fire "
        f"[execution_id={failed_eid}]"
    )
    assert "cost: 10 credits, 0/2 nodes completed" in res.err


def test_pipeline_timeout_cancels_and_exits_6(
    duneq_cli: Any, dune_emulator: EmulatorHandle
) -> None:
    _, reader = view_and_reader(dune_emulator)
    dune_emulator.control.pin_next_executions(1, executing_seconds=600)
    res = duneq_cli("pipeline", str(reader), "--timeout", "0.5")
    assert res.code == 6
    assert "did not finish within 0.5 s" in res.err and "cancelled remotely" in res.err
    assert "[pipeline_execution_id=" in res.err.splitlines()[-1]
    first = res.out.splitlines()[0]
    assert first.startswith("node 1 refresh dune.emulator.result_cli: QUERY_STATE_CANCELLED [")
    node_eid = EXECUTION_ID.findall(first)[0]
    assert "QUERY_STATE_CANCELLED" in duneq_cli("status", node_eid).out


# --------------------------------------------------------------------------- typed output


def test_parquet_output_has_the_typed_schema(duneq_cli: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "types.parquet"
    res = duneq_cli("sql", "select * from samples.all_types order by id", "--out", str(path))
    assert res.code == 0, res.err
    table = pq.read_table(path)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["amount_raw"] == "string"
    assert types["block_time"] == "timestamp[ms, tz=UTC]"
    assert types["fee"] == "decimal128(10, 2)"
    assert types["tx_hash"] == "binary"
    assert types["transfer"] == "struct<a: int64, b: string>"
    assert table.column("amount_raw")[1].as_py() == str(2**256 - 1)
    assert str(table.column("fee")[0].as_py()) == "1.50"
    assert table.column("label").to_pylist() == ['swap, "quoted"', "", None]
    assert "wrote 3 rows" in res.err


def test_table_output_shows_typed_values(duneq_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no column is elided
    sql = (
        "select fee, block_time, block_date, amount_raw, tx_hash, samples "
        "from samples.all_types order by id"
    )
    res = duneq_cli("sql", sql)
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[2].split() == [
        "1.50",
        "2024-01-02",
        "03:04:05.678",
        "UTC",
        "2024-01-02",
        "1000000000000000000",
        "0xdeadbeef",
        "[1.5,NaN,Infinity,-Infinity]",
    ]
    assert str(2**256 - 1) in lines[3] and "0.00" in lines[3]


# --------------------------------------------------------------------------- table preview


def test_table_shows_the_first_rows_and_fetches_only_them(
    duneq_cli: Any, dune_emulator: EmulatorHandle
) -> None:
    sql = "select n from unnest(sequence(1, 3000)) as t(n) order by n"
    res = duneq_cli("sql", sql, "--page-size", "200")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[:3] == ["n", "--", "1"] and lines[41] == "40"
    assert lines[42:] == [
        "(2,960 more rows not shown, of 3,000; --all shows every row, "
        "-o csv or --out FILE streams them)"
    ]
    assert result_requests(dune_emulator) == 1  # one request of 40 rows, not 15 pages
    assert "40 datapoints, 40 rows" in res.err


def test_table_all_shows_every_row_and_limit_caps_the_count(
    duneq_cli: Any, dune_emulator: EmulatorHandle
) -> None:
    sql = "select n from unnest(sequence(1, 450)) as t(n) order by n"
    res = duneq_cli("sql", sql, "--page-size", "200", "--all")
    assert res.code == 0, res.err
    assert res.out.splitlines()[2:] == [str(n) for n in range(1, 451)]
    assert result_requests(dune_emulator) == 3
    limited = duneq_cli("sql", sql, "--limit", "100")
    assert limited.out.splitlines()[-1].startswith("(60 more rows not shown, of 100;")
    small = duneq_cli("sql", sql, "--limit", "7")
    assert small.out.splitlines()[2:] == [str(n) for n in range(1, 8)]  # no note: all shown
    # other formats and files are never cut
    assert len(duneq_cli("sql", sql, "-o", "csv").out.splitlines()) == 451


# --------------------------------------------------------------------------- --cache --max-age


def test_cache_max_age_saves_the_rerun_of_run_and_sql(
    duneq_cli: Any, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cache = str(tmp_path / "cc")
    for argv in (["run", "2", "--param", "n=2"], ["sql", "select 7 as seven"]):
        before = executions(dune_emulator)
        first = duneq_cli("--cache", cache, *argv, "--max-age", "1h", "-o", "csv")
        again = duneq_cli("--cache", cache, *argv, "--max-age", "1h", "-o", "csv")
        assert first.code == again.code == 0, first.err + again.err
        assert again.out == first.out and again.out.count("\n") >= 2
        assert executions(dune_emulator) - before == 1  # the repeat made no execution
        assert "(new run)" in first.err
        assert "cost: 0 credits, 0 datapoints" in again.err
        assert "(no request: the local cache, ended " in again.err
    listed = duneq_cli("--cache", cache, "cache", "ls")
    assert 'sql "select 7 as seven"' in listed.out and "query 2" in listed.out


def test_max_age_without_a_cache_is_a_usage_error(
    duneq_cli: Any, dune_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUNEQ_CACHE_DIR", raising=False)
    res = duneq_cli("sql", "select 1", "--max-age", "1h")
    assert res.code == 2 and "--max-age reuses a run from the local cache" in res.err
    assert executions(dune_emulator) == 0


# --------------------------------------------------------------------------- smaller defects


def test_unknown_out_extension_is_refused_before_running(
    duneq_cli: Any, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    target = tmp_path / "x.xlsx"
    res = duneq_cli("sql", "select 1 as one", "--out", str(target))
    assert res.code == 2 and "cannot tell the format from .xlsx" in res.err
    assert not target.exists() and executions(dune_emulator) == 0
    table = tmp_path / "x.txt"  # an explicit -o still writes any name
    assert duneq_cli("sql", "select 1 as one", "-o", "table", "--out", str(table)).code == 0
    assert table.read_text().splitlines()[0] == "one"


def test_a_mistyped_option_gets_a_suggestion(duneq_cli: Any) -> None:
    res = duneq_cli("sql", "select 1", "--limt", "5")
    assert res.code == 2
    assert "unrecognized arguments: --limt 5; did you mean --limit?" in res.err
    assert "did you mean" not in duneq_cli("sql", "select 1", "--zzzzzz").err


def test_running_an_archived_query_is_not_an_authentication_error(
    duneq_cli: Any, dune_emulator: EmulatorHandle
) -> None:
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        qid = dune.queries.create("old", "select 1 as one")
        dune.queries.archive(qid)
    res = duneq_cli("run", str(qid))
    assert res.code == 1, res.err
    assert f"query {qid} is archived, so Dune will not execute it" in res.err


def test_help_wraps_at_60_columns(duneq_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    for command in ("sweep", "run", "sql", "latest"):
        res = duneq_cli(command, "--help")
        assert res.code == 0
        lines = res.out.splitlines()
        assert max(len(line) for line in lines) <= 60, [line for line in lines if len(line) > 60]
        assert "  130  interrupted (Ctrl-C)" in lines  # the exit-code table keeps its rows


# --------------------------------------------------------------------------- matviews


def test_matviews_commands(duneq_cli: Any, dune_emulator: EmulatorHandle) -> None:
    up = duneq_cli("matviews", "upsert", "result_trades", "--query-id", "1", "-o", "json")
    assert up.code == 0, up.err
    made = orjson.loads(up.out)
    assert made["name"].endswith("result_trades") and EXECUTION_ID.fullmatch(made["execution_id"])
    assert duneq_cli("results", made["execution_id"], "-o", "csv").code == 0  # the refresh ran
    listed = duneq_cli("matviews", "list", "-o", "json")
    assert [v["name"] for v in orjson.loads(listed.out)] == [made["name"]]
    got = orjson.loads(duneq_cli("matviews", "get", made["name"], "-o", "json").out)
    assert got["query_id"] == 1
    refreshed = duneq_cli("matviews", "refresh", made["name"])
    assert refreshed.code == 0 and "refresh started, execution " in refreshed.out
    assert duneq_cli("matviews", "delete", made["name"]).code == 0
    assert orjson.loads(duneq_cli("matviews", "list", "-o", "json").out) == []
    assert duneq_cli("matviews", "get", made["name"]).code == 4


def test_downloads_show_rows_total_and_progress(duneq_cli: Any, tmp_path: Path) -> None:
    """A download tells rows done of the total as pages arrive (a pipe gets one line per
    tenth), where the live line used to sit at the execution's state."""
    out = tmp_path / "all.csv"
    res = duneq_cli("run", "2", "--param", "n=5000", "--page-size", "500", "--out", str(out))
    assert res.code == 0, res.err
    fetched = [line for line in res.err.splitlines() if line.startswith("fetched ")]
    assert fetched[0].startswith("fetched 500 of 5,000 rows (1/10 pages")
    assert fetched[-1].startswith("fetched 5,000 of 5,000 rows (10/10 pages")
    assert len(fetched) == 10
    assert len(out.read_text().splitlines()) == 5001
