"""The client-wide credit and datapoint budget, and parameter sweeps, through the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duneq
import orjson
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, count, make, run

EXECUTE_SQL = "POST /api/v1/sql/execute"
EXECUTE_QUERY = "POST /api/v1/query/{query_id}/execute"
RESULTS = "GET /api/v1/execution/{execution_id}/results"
CSV_RESULTS = "GET /api/v1/execution/{execution_id}/results/csv"
POLL = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)


@pytest.mark.parametrize("mode", MODES)
def test_credit_budget_refuses_before_sending(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, max_credits=15, poll=POLL)
        result = await aw(dune.run_sql("select 1 as one"))
        assert len(await aw(result.rows)) == 1
        assert dune.spent.credits == 10 and dune.spent.executions == 1
        assert dune.spent.datapoints == 1
        sent = count(dune_emulator, EXECUTE_SQL)
        with pytest.raises(duneq.BudgetExceeded) as info:
            await aw(dune.run_sql("select 2 as two"))
        err = info.value
        assert (err.unit, err.spent, err.would_cost, err.left) == ("credits", 10, 10, 5)
        assert "nothing was sent" in str(err)
        assert count(dune_emulator, EXECUTE_SQL) == sent  # refused before the request
        assert dune.spent.credits == 10
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_datapoint_budget_refuses_a_results_fetch(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, max_datapoints=10, poll=POLL)
        small = await aw(dune.run_sql("select range as a, range * 2 as b from range(4)"))
        assert len(await aw(small.rows)) == 4  # 8 datapoints
        fetched = count(dune_emulator, RESULTS)
        more = await aw(dune.run_sql("select range as a, range * 2 as b from range(3)"))
        with pytest.raises(duneq.BudgetExceeded) as info:  # refused when its rows are read
            await aw(more.rows)
        assert info.value.unit == "datapoints"
        assert (info.value.spent, info.value.would_cost, info.value.left) == (8, 6, 2)
        assert count(dune_emulator, RESULTS) == fetched
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_csv_downloads_count_and_respect_the_datapoint_budget(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, poll=POLL)
        execution = await aw(dune.execute_sql("select range as a, 'x,\ny' as b from range(5)"))
        await aw(execution.wait())
        out = tmp_path / "all.csv"
        await aw(dune.download_csv(execution.execution_id, out, page_size=2))
        assert out.read_text().count("x,") == 5  # 5 rows, the quoted comma and newline intact
        assert dune.spent.datapoints == 10  # 5 rows x 2 columns, over 3 CSV pages
        await aw(dune.close())

        capped = make(mode, dune_emulator, max_datapoints=8, poll=POLL)
        csv_pages = count(dune_emulator, CSV_RESULTS)
        refused = tmp_path / "refused.csv"
        with pytest.raises(duneq.BudgetExceeded) as info:
            await aw(capped.download_csv(execution.execution_id, refused))
        # the (free) status told the size; the 10-datapoint page was refused unfetched
        assert (info.value.spent, info.value.would_cost) == (0, 10)
        assert count(dune_emulator, CSV_RESULTS) == csv_pages and not refused.exists()
        paged = tmp_path / "paged.csv"
        with pytest.raises(duneq.BudgetExceeded):
            await aw(capped.download_csv(execution.execution_id, paged, page_size=2))
        # two 2-row pages (4 each): the third page would pass 8
        assert capped.spent.datapoints == 8
        assert paged.read_text().count("x,") == 4  # the pages fetched were written, whole
        await aw(capped.close())

    run(scenario)


def test_budget_arguments_are_checked(dune_emulator: EmulatorHandle) -> None:
    with pytest.raises(duneq.InvalidArgument, match="max_credits"):
        make("sync", dune_emulator, max_credits=-1)
    with pytest.raises(duneq.InvalidArgument, match="max_datapoints"):
        make("sync", dune_emulator, max_datapoints=2.5)


# -- sweeps ------------------------------------------------------------------------------------

SWEEP_SQL = "select '{{day}}' as day_text, cast(substr('{{day}}', 9, 2) as integer) as dom"


def sweep_query(dune: Any) -> int:
    qid: int = dune.queries.create(
        "sweep", SWEEP_SQL, parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}]
    )
    return qid


DAYS = [f"2024-01-{d:02d}" for d in range(1, 21)]


def test_sweep_of_20_within_the_cap(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    ctl = dune_emulator.control
    ctl.configure(max_concurrent_executions=3)
    dune = make("sync", dune_emulator, poll=POLL)
    qid = sweep_query(dune)
    ctl.pin_next_executions(1, executing_seconds=0.05, fail="boom on the first day")
    ctl.pin_next_executions(19, executing_seconds=0.3)
    seen: list[duneq.SweepProgress] = []
    runs = dune.sweep(qid, params=[{"day": d} for d in DAYS], on_progress=seen.append)
    assert ctl.counters()["peak_inflight"] <= 3
    assert ctl.counters()["executions_started"] == 20
    assert max(p.running for p in seen) == 3  # the plan's limit was learnt and used
    (failure,) = runs.failed
    assert failure.index == 0 and failure.params == {"day": "2024-01-01"}
    assert isinstance(failure.error, duneq.QueryFailed) and "boom" in str(failure.error)
    rows = runs.rows
    assert [r["day"] for r in rows] == DAYS[1:]
    assert all(r["day_text"] == r["day"] and r["dom"] == int(r["day"][-2:]) for r in rows)
    assert runs.column_names == ["day", "day_text", "dom"]
    table = runs.to_arrow()  # one typed table, parameter values as a column
    assert table.num_rows == 19 and table.column_names == ["day", "day_text", "dom"]
    assert str(table.schema.field("day").type) == "string"
    assert table.column("dom").to_pylist() == [int(d[-2:]) for d in DAYS[1:]]
    assert seen[-1].done == 19 and seen[-1].failed == 1 and seen[-1].credits == 200


class Crash(Exception):
    pass


@pytest.mark.parametrize("mode", MODES)
def test_sweep_resumes_without_rerunning(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        ctl = dune_emulator.control
        ctl.configure(max_concurrent_executions=3)
        dune = make(mode, dune_emulator, poll=POLL)
        qid = await aw(
            dune.queries.create(
                "sweep",
                SWEEP_SQL,
                parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}],
            )
        )
        ctl.pin_next_executions(20, executing_seconds=0.2)
        state = tmp_path / "sweep.json"

        def crash_after_five(progress: duneq.SweepProgress) -> None:
            if progress.done >= 5:
                raise Crash

        params = [{"day": d} for d in DAYS[:12]]
        with pytest.raises(Crash):
            await aw(dune.sweep(qid, params=params, state=state, on_progress=crash_after_five))
        saved = orjson.loads(state.read_bytes())["items"]
        started = {i["execution_id"] for i in saved if i["execution_id"]}
        done = {i["execution_id"] for i in saved if i["outcome"] == "done"}
        assert len(done) >= 4 and ctl.counters()["executions_started"] == len(started)
        runs = await aw(dune.sweep(qid, params=params, state=state))
        assert ctl.counters()["executions_started"] == 12  # no item ran twice
        assert not runs.failed and [r["day"] for r in runs.rows] == DAYS[:12]
        assert started <= set(runs.execution_ids)  # earlier runs were reused, not repeated
        again = await aw(dune.sweep(qid, params=params, state=state))
        assert ctl.counters()["executions_started"] == 12 and len(again.rows) == 12
        with pytest.raises(duneq.InvalidArgument, match="holds a sweep of query"):
            await aw(dune.sweep(qid + 1000, params=params, state=state))
        await aw(dune.close())

    run(scenario)


def test_sweep_arguments_are_checked(dune_emulator: EmulatorHandle) -> None:
    dune = make("sync", dune_emulator)
    with pytest.raises(duneq.InvalidArgument, match="list of parameter mappings"):
        dune.sweep(1, params={"day": "x"})
    with pytest.raises(duneq.InvalidArgument, match="at least one"):
        dune.sweep(1, params=[])
    with pytest.raises(duneq.InvalidArgument, match="max_concurrent"):
        dune.sweep(1, params=[{}], max_concurrent=0)


# -- the sweep flow with scripted replies: a 429 on execute lowers the ceiling ------------------


def test_sweep_flow_adapts_to_429() -> None:
    from duneq._flows.budget import InflightLimit
    from duneq._flows.context import FlowContext
    from duneq._flows.sweep import sweep
    from duneq._flows.wait import WaitArgs
    from duneq._options import ResultOptions
    from duneq._policy.polling import RateConfig, RateLimiter
    from duneq._policy.retry import RetryPolicy
    from duneq._protocol import RawResponse, Request
    from duneq._sweeps.state import SweepState, build_items
    from duneq._wire.adapter import execute_query_request
    from helpers.flowscript import Script, json_reply

    executes: list[float] = []
    polls: dict[str, int] = {}
    throttle = {"left": 1}
    in_flight: set[str] = set()
    peak = [0]

    def respond(req: Request, now: float) -> RawResponse:
        if req.method == "POST":
            if len(in_flight) >= 2 and throttle["left"] > 0:
                throttle["left"] -= 1
                return json_reply({"error": "too many requests"}, status=429)
            eid = f"01HX{len(executes):022d}"
            executes.append(now)
            in_flight.add(eid)
            peak[0] = max(peak[0], len(in_flight))
            return json_reply({"execution_id": eid, "state": "QUERY_STATE_PENDING"})
        eid = req.execution_id or ""
        if req.path.endswith("/status"):
            polls[eid] = polls.get(eid, 0) + 1
            done = polls[eid] >= 2
            if done:
                in_flight.discard(eid)
            return json_reply(
                {
                    "execution_id": eid,
                    "state": "QUERY_STATE_COMPLETED" if done else "QUERY_STATE_EXECUTING",
                    "max_inflight_interactive_executions": 4,
                    "max_inflight_interactive_reached": 0,
                    "result_metadata": {"column_names": ["v"], "total_row_count": 1},
                }
            )
        return json_reply(
            {
                "execution_id": eid,
                "state": "QUERY_STATE_COMPLETED",
                "result": {"rows": [{"v": eid}], "metadata": {"row_count": 1}},
            }
        )

    script = Script(respond)
    ctx = FlowContext(
        retry=RetryPolicy(max_retries=0),
        clock=script.clock,
        rand=lambda: 0.5,
        limiter=RateLimiter(RateConfig(floor=10_000.0, ceiling=10_000.0)),
    )
    items = build_items([{"n": n} for n in range(8)])
    limit = InflightLimit()
    script.run(
        sweep(
            ctx,
            items,
            lambda encoded: execute_query_request(7, encoded, None),
            limit=limit,
            how=WaitArgs(None, None, True),
            options=ResultOptions.build(),
            state=SweepState(None, 7),
            on_progress=None,
        )
    )
    assert all(item.outcome == "done" for item in items)
    assert len(executes) == 8 and throttle["left"] == 0
    assert limit.plan == 4 and peak[0] <= 4  # learnt from the status, lowered once by the 429
    assert ctx.ledger.spent().executions == 8


def test_resumed_sweep_reads_finished_results_from_the_cache(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    ctl = dune_emulator.control
    dune = make("sync", dune_emulator, poll=POLL, cache=tmp_path / "cache")
    qid = sweep_query(dune)
    state = tmp_path / "sweep.json"
    params = [{"day": d} for d in DAYS[:6]]

    def crash_after_three(progress: duneq.SweepProgress) -> None:
        if progress.done >= 3:
            raise Crash

    with pytest.raises(Crash):
        dune.sweep(qid, params=params, state=state, on_progress=crash_after_three)
    saved = orjson.loads(state.read_bytes())["items"]
    done = sum(i["outcome"] == "done" for i in saved)
    fetched = count(dune_emulator, RESULTS)
    runs = dune.sweep(qid, params=params, state=state)
    assert [r["day"] for r in runs.rows] == DAYS[:6]
    assert count(dune_emulator, RESULTS) - fetched == 6 - done  # done items: not paid again
    assert ctl.counters()["executions_started"] == 6
