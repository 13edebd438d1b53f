"""dune.pipelines and dune.matviews against the emulator over real HTTP, with Client and
AsyncClient: lineage, run order, parallel siblings, failures, deadlines, results and events."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import duneq
import httpx
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, collect, make, run

BASE_SQL = "select n, n * 2 as doubled from unnest(sequence(1, {last})) as t(n)"
STATUS_ROUTE = "GET /api/v1/pipelines/executions/{pipeline_execution_id}/status"
LIST_ROUTE = "GET /api/v1/materialized-views"
COMPLETED = duneq.ExecutionState.COMPLETED


async def make_view(dune: Any, name: str, sql: str) -> tuple[int, str]:
    """A saved query and a view over it, first refresh done; returns (query id, full name)."""
    qid = await aw(dune.queries.create(name, sql))
    view = await aw(dune.matviews.upsert(name, qid))
    assert isinstance(view, duneq.UpsertedView)
    assert view.name == f"dune.emulator.{name}"
    status = await aw(view.execution.wait(timeout=30))
    assert status.state == COMPLETED
    return qid, view.name


async def three_levels(dune: Any) -> tuple[int, int, int]:
    """result_base <- result_mid <- final query; returns (base qid, mid qid, final qid)."""
    base, base_name = await make_view(dune, "result_base", BASE_SQL.format(last=4))
    mid, mid_name = await make_view(
        dune, "result_mid", f"select sum(doubled) as total from {base_name}"
    )
    final = await aw(dune.queries.create("final", f"select total + 1 as answer from {mid_name}"))
    return base, mid, final


async def rows_of(result: Any) -> list[dict[str, Any]]:
    return list(await aw(result.rows))


def fail_query(emu: EmulatorHandle, query_id: int, message: str) -> None:
    r = httpx.post(
        f"{emu.base_url}/_emulator/fail-query", json={"query_id": query_id, "message": message}
    )
    assert r.status_code == 200


def by_node(events: list[duneq.PipelineEvent]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for event in events:
        out.setdefault(event.node_id, []).append(event.kind)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_three_level_lineage_order_results_and_events(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        base, mid, final = await three_levels(dune)
        plan = await aw(dune.pipelines.get_query_pipeline(final, performance="large"))
        assert isinstance(plan, duneq.Pipeline)
        assert [(n.id, n.dependencies, n.kind) for n in plan.nodes] == [
            (1, (), "materialized_view_refresh"),
            (2, (1,), "materialized_view_refresh"),
            (3, (2,), "query_execution"),
        ]
        assert [n.name for n in plan.nodes[:2]] == [
            "dune.emulator.result_base",
            "dune.emulator.result_mid",
        ]
        assert plan.nodes[2].query_id == final and plan.node(3).label == f"query {final}"
        assert {n.performance for n in plan.nodes} == {"large"}

        # new base data: the run must refresh base, then mid, then run the query
        await aw(dune.queries.update(base, query_sql=BASE_SQL.format(last=10)))
        dune_emulator.control.pin_next_executions(count=3, executing_seconds=0.3)
        pipeline_run = await aw(dune.pipelines.execute_query_pipeline(final, performance="medium"))
        assert pipeline_run.nodes == () and pipeline_run.pipeline_execution_id
        events: list[duneq.PipelineEvent] = []
        status = await aw(pipeline_run.wait(timeout=60, on_progress=events.append))
        assert status.state == duneq.PipelineState.COMPLETED
        assert [n.state for n in pipeline_run.nodes] == [COMPLETED] * 3
        assert pipeline_run.failed_nodes == ()
        assert [n.kind for n in status.nodes] == [
            "materialized_view_refresh",
            "materialized_view_refresh",
            "query_execution",
        ]

        # execution order from the nodes' own execution timestamps
        times = [await aw(dune.get_status(n.execution_id)) for n in status.nodes]
        for before, after in pairwise(times):
            assert before.execution_ended_at <= after.execution_started_at
        assert times[0].query_id == base and times[1].query_id == mid
        assert times[2].query_id == final

        # every node's result through the Result API
        first = await rows_of(await aw(pipeline_run.result(1)))
        assert len(first) == 10 and first[-1] == {"n": 10, "doubled": 20}
        assert await rows_of(await aw(pipeline_run.result(2))) == [{"total": 110}]
        final_rows = await rows_of(await aw(pipeline_run.final_result()))
        assert final_rows == [{"answer": 111}]
        with pytest.raises(duneq.InvalidArgument, match="node_id 9 is not in pipeline"):
            await aw(pipeline_run.result(9))

        # node-level events, in order: each node starts, then finishes, exactly once
        assert by_node(events) == {
            1: ["started", "finished"],
            2: ["changed", "started", "finished"],
            3: ["changed", "started", "finished"],
        }
        for node_id in (1, 2, 3):
            kinds = [e for e in events if e.node_id == node_id]
            assert kinds[-1].state == COMPLETED and kinds[-1].execution_id
        order = [(e.node_id, e.kind) for e in events if e.kind in ("started", "finished")]
        assert order == [
            (1, "started"),
            (1, "finished"),
            (2, "started"),
            (2, "finished"),
            (3, "started"),
            (3, "finished"),
        ]
        assert all(len(e.nodes) == 3 for e in events)
        assert [e.polls for e in events] == sorted(e.polls for e in events)
        assert events[-1].pipeline_execution_id == pipeline_run.pipeline_execution_id
        assert events[-1].node.label == f"query {final}"
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_parallel_siblings_start_before_either_finishes(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        _, left = await make_view(dune, "result_left", "select 1 as x")
        _, right = await make_view(dune, "result_right", "select 2 as x")
        final = await aw(
            dune.queries.create("sum", f"select l.x + r.x as s from {left} l, {right} r")
        )
        plan = await aw(dune.pipelines.get_query_pipeline(final))
        assert [n.dependencies for n in plan.nodes] == [(), (), (1, 2)]
        dune_emulator.control.pin_next_executions(count=2, executing_seconds=1.0)
        pipeline_run = await aw(dune.pipelines.execute_query_pipeline(final))
        events: list[duneq.PipelineEvent] = []
        status = await aw(pipeline_run.wait(timeout=60, on_progress=events.append))
        left_st, right_st, last = [await aw(dune.get_status(n.execution_id)) for n in status.nodes]
        assert left_st.execution_started_at < right_st.execution_ended_at
        assert right_st.execution_started_at < left_st.execution_ended_at
        assert last.execution_started_at >= max(
            left_st.execution_ended_at, right_st.execution_ended_at
        )
        kinds = [(e.node_id, e.kind) for e in events]
        first_finish = min(kinds.index((1, "finished")), kinds.index((2, "finished")))
        assert kinds.index((1, "started")) < first_finish
        assert kinds.index((2, "started")) < first_finish
        assert await rows_of(await aw(pipeline_run.final_result())) == [{"s": 3}]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_failing_middle_node_skips_dependents_and_raises(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        _, mid, final = await three_levels(dune)
        fail_query(dune_emulator, mid, "division by zero in mid")
        pipeline_run = await aw(dune.pipelines.execute_query_pipeline(final))
        events: list[duneq.PipelineEvent] = []
        with pytest.raises(duneq.PipelineFailed) as caught:
            await aw(pipeline_run.wait(timeout=60, on_progress=events.append))
        exc = caught.value
        assert isinstance(exc, duneq.ExecutionError)
        owner: Any = exc.run
        assert owner is pipeline_run
        assert exc.pipeline_execution_id == pipeline_run.pipeline_execution_id
        assert [n.state for n in exc.nodes] == [COMPLETED, duneq.ExecutionState.FAILED, "skipped"]
        (failed,) = exc.failed_nodes
        assert failed.id == 2 and failed.error == "division by zero in mid"
        assert failed.name == "dune.emulator.result_mid" and failed.execution_id
        assert exc.execution_id == failed.execution_id
        text = str(exc)
        assert "node 2 (refresh dune.emulator.result_mid) failed: division by zero in mid" in text
        assert f"[execution_id={failed.execution_id}]" in text
        assert "skipped node(s) 3" in text
        assert pipeline_run.failed_nodes == exc.failed_nodes
        # the succeeded node is still reachable, through the run and the exception
        assert len(await rows_of(await aw(owner.result(1)))) == 4
        with pytest.raises(duneq.QueryFailed, match="division by zero in mid"):
            await aw(pipeline_run.result(2))
        with pytest.raises(duneq.ExecutionError, match="node 3 was skipped"):
            await aw(pipeline_run.final_result())
        assert by_node(events)[2][-1] == "failed"
        assert by_node(events)[3][-1] == "skipped"
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_deadline_cancels_running_nodes(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        _, _, final = await three_levels(dune)
        dune_emulator.control.pin_next_executions(count=1, executing_seconds=600)
        pipeline_run = await aw(dune.pipelines.execute_query_pipeline(final))
        with pytest.raises(duneq.ExecutionTimeout) as caught:
            await aw(pipeline_run.wait(timeout=0.5))
        exc = caught.value
        node_eid = pipeline_run.nodes[0].execution_id
        assert exc.cancelled is True and exc.cancelled_executions == (node_eid,)
        assert exc.execution_id == pipeline_run.pipeline_execution_id
        assert "pipeline execution" in str(exc) and "cancelled remotely" in str(exc)
        node_status = await aw(dune.get_status(node_eid))
        assert node_status.state == duneq.ExecutionState.CANCELLED
        after = await aw(pipeline_run.status())
        assert [n.state for n in after.nodes] == [
            duneq.ExecutionState.CANCELLED,
            "skipped",
            "skipped",
        ]

        # cancel_on_timeout=False leaves it running; run.cancel() stops it
        dune_emulator.control.pin_next_executions(count=1, executing_seconds=600)
        second = await aw(dune.pipelines.execute_query_pipeline(final))
        with pytest.raises(duneq.ExecutionTimeout) as left:
            await aw(second.wait(timeout=0.3, cancel_on_timeout=False))
        assert left.value.cancelled is False and "left running" in str(left.value)
        running = second.nodes[0].execution_id
        assert (await aw(dune.get_status(running))).state == duneq.ExecutionState.EXECUTING
        assert await aw(second.cancel()) == (running,)
        assert (await aw(dune.get_status(running))).state == duneq.ExecutionState.CANCELLED
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_explicit_definitions_status_by_id_and_argument_checks(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        _, _, final = await three_levels(dune)
        plan = await aw(dune.pipelines.get_query_pipeline(final))
        built = duneq.Pipeline(
            (
                duneq.PipelineNode.materialized_view_refresh(1, "dune.emulator.result_base"),
                duneq.PipelineNode.materialized_view_refresh(
                    2, "dune.emulator.result_mid", dependencies=[1], performance="large"
                ),
                duneq.PipelineNode.query_execution(3, final, dependencies=[2]),
            )
        )
        for definition in (plan, plan.to_dict(), built):
            pipeline_run = await aw(dune.pipelines.execute_pipeline(definition))
            await aw(pipeline_run.wait(timeout=60))
            assert await rows_of(await aw(pipeline_run.final_result())) == [{"answer": 21}]
            by_id = await aw(dune.pipelines.get_status(pipeline_run.pipeline_execution_id))
            assert by_id.state == "completed" and len(by_id.nodes) == 3
        single = await aw(dune.pipelines.get_query_pipeline(2, {"n": 3}))
        assert [(n.kind, n.query_id, dict(n.query_parameters)) for n in single.nodes] == [
            ("query_execution", 2, {"n": "3"})
        ]
        bad = [
            ({"nodes": []}, "at least one node"),
            (
                {"nodes": [{"id": 1, "dependencies": [2], "query_execution": {"query_id": 1}}]},
                "depends on unknown node",
            ),
            (
                duneq.Pipeline(
                    (
                        duneq.PipelineNode.query_execution(1, 1, dependencies=[2]),
                        duneq.PipelineNode.query_execution(2, 2, dependencies=[1]),
                    )
                ),
                "cycle: nodes 1 -> 2 -> 1",
            ),
            ("select 1", "definition must be a duneq Pipeline"),
        ]
        before = dune_emulator.control.counters()["requests"]
        for definition, message in bad:
            with pytest.raises(duneq.InvalidArgument, match=message):
                await aw(dune.pipelines.execute_pipeline(definition))
        with pytest.raises(duneq.InvalidArgument, match="pipeline_execution_id 'nope'"):
            await aw(dune.pipelines.get_status("nope"))
        with pytest.raises(duneq.InvalidArgument, match="query_id"):
            await aw(dune.pipelines.execute_query_pipeline(0))
        with pytest.raises(duneq.InvalidArgument, match="performance"):
            await aw(dune.pipelines.get_query_pipeline(final, performance="huge"))
        assert dune_emulator.control.counters()["requests"] == before
        with pytest.raises(duneq.NotFound):
            await aw(dune.pipelines.get_status("0" * 26))
        with pytest.raises(duneq.NotFound):
            await aw(dune.pipelines.get_query_pipeline(999_999))
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_unknown_states_are_kept_and_polling_goes_on(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        odd = {
            "status": "paused",
            "node_executions": [
                {"id": 1, "query_execution_status": {"status": "QUERY_STATE_THINKING"}},
                {"id": 7, "dataset_refresh_status": {"status": "warming", "name": "d"}},
            ],
        }
        pipeline_run = await aw(dune.pipelines.execute_query_pipeline(2, {"n": 3}))
        dune_emulator.control.add_fault(STATUS_ROUTE, count=2, status=200, body=odd)
        seen = await aw(pipeline_run.status())
        assert seen.state == "paused" and seen.nodes[0].state == "QUERY_STATE_THINKING"
        assert seen.nodes[1].kind == "dataset_refresh" and seen.nodes[1].state == "warming"
        events: list[duneq.PipelineEvent] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = await aw(pipeline_run.wait(timeout=60, on_progress=events.append))
        assert status.state == duneq.PipelineState.COMPLETED
        assert any("unknown state 'paused'" in str(w.message) for w in caught)
        assert any("unknown state 'warming'" in str(w.message) for w in caught)
        assert all(issubclass(w.category, duneq.UnknownStateWarning) for w in caught)
        assert events[0].kind == "changed" and events[0].state == "QUERY_STATE_THINKING"
        assert [e.kind for e in events if e.node_id == 1][-2:] == ["started", "finished"]
        assert await rows_of(await aw(pipeline_run.final_result())) == [
            {"number": n} for n in range(3)
        ]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_pipeline_and_matview_posts_are_not_retried_blindly(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        sleeps: list[float] = []
        dune = make(mode, dune_emulator, sleep=sleeps.append)
        routes: dict[str, Callable[[], Any]] = {
            "POST /api/v1/query/{query_id}/pipeline/execute": lambda: (
                dune.pipelines.execute_query_pipeline(2)
            ),
            "POST /api/v1/materialized-views/{name}/refresh": lambda: dune.matviews.refresh(
                "result_r"
            ),
        }
        view = await aw(dune.matviews.upsert("result_r", 2))
        await aw(view.execution.wait(timeout=30))
        for route, call in routes.items():
            dune_emulator.control.add_fault(route, count=1, status=503)
            with pytest.raises(duneq.ExecutionMayHaveStarted):
                await aw(call())
            dune_emulator.control.add_fault(route, count=2, status=429, retry_after=0)
            assert await aw(call()) is not None  # 429: nothing happened, so it is retried
            assert dune_emulator.control.counters()["requests"][route] == 4
        upsert = "POST /api/v1/materialized-views"
        dune_emulator.control.add_fault(upsert, count=1, status=503)
        with pytest.raises(duneq.ExecutionMayHaveStarted):  # an upsert starts a billed refresh
            await aw(dune.matviews.upsert("result_r", 2))
        assert dune_emulator.control.counters()["requests"][upsert] == 2
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_matviews_upsert_get_list_refresh_delete(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        mv = dune.matviews
        qid = await aw(dune.queries.create("seven", "select 7 as seven"))
        created = await aw(
            mv.upsert("result_seven", qid, cron_expression="0 * * * *", is_private=True)
        )
        assert created.name == "dune.emulator.result_seven"
        assert (await aw(created.execution.wait(timeout=30))).state == COMPLETED
        view = await aw(mv.get("dune.emulator.result_seven"))
        assert isinstance(view, duneq.MaterializedView)
        assert view.name == created.name and view.query_id == qid and view.is_private is True
        assert view.cron_expression == "0 * * * *"
        assert view.last_execution_ids == (created.execution.execution_id,)
        assert view.table_size_bytes is not None and view.table_size_bytes > 0
        rows = await rows_of(await aw(dune.run_sql(f"select * from {view.name}")))
        assert rows == [{"seven": 7}]

        # refresh re-runs the (changed) query and replaces the table
        await aw(dune.queries.update(qid, query_sql="select 8 as seven"))
        refresh = await aw(mv.refresh("result_seven", performance="large"))
        assert isinstance(refresh, duneq.Execution | duneq.AsyncExecution)
        assert await rows_of(await aw(refresh.result())) == [{"seven": 8}]
        rows = await rows_of(await aw(dune.run_sql(f"select * from {view.name}")))
        assert rows == [{"seven": 8}]

        # list walks every page
        for name in ("result_c", "result_a", "result_b"):
            await aw((await aw(mv.upsert(name, qid))).execution.wait(timeout=30))
        before = dune_emulator.control.counters()["requests"].get(LIST_ROUTE, 0)
        listed = await collect(mv.list(page_size=2))
        assert [v.name for v in listed] == [
            f"dune.emulator.{n}" for n in ("result_a", "result_b", "result_c", "result_seven")
        ]
        assert dune_emulator.control.counters()["requests"][LIST_ROUTE] - before == 2
        assert {v.query_id for v in listed} == {qid}

        # delete, then every call on the name is a NotFound
        message = await aw(mv.delete("result_a"))
        assert "deleted" in message
        gone: list[Callable[[], Any]] = [
            lambda: mv.get("result_a"),
            lambda: mv.refresh("result_a"),
            lambda: mv.delete("result_a"),
        ]
        for call in gone:
            with pytest.raises(duneq.NotFound):
                await aw(call())
        assert [v.name for v in await collect(mv.list())] == [
            f"dune.emulator.{n}" for n in ("result_b", "result_c", "result_seven")
        ]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_matview_errors(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        mv = dune.matviews
        with pytest.raises(duneq.BadRequest) as caught:
            await aw(mv.upsert("result_x", 2, cron_expression="*/5 * * * *"))
        assert caught.value.api_message == (
            "cron_expression '*/5 * * * *' runs more often than every 15 minutes"
        )
        with pytest.raises(duneq.BadRequest, match="runs less often than weekly"):
            await aw(mv.upsert("result_x", 2, cron_expression="0 0 1 * *"))
        other = await aw(dune.queries.create("other", "select 1 as one"))
        await aw(mv.upsert("result_x", 2))
        with pytest.raises(duneq.BadRequest, match="already exists for query 2"):
            await aw(mv.upsert("result_x", other))
        with pytest.raises(duneq.NotFound):
            await aw(mv.upsert("result_y", 999_999))
        with pytest.raises(duneq.NotFound):
            await aw(mv.get("dune.emulator.result_nope"))
        before = dune_emulator.control.counters()["requests"]
        invalid: list[tuple[Callable[[], Any], str]] = [
            (lambda: mv.upsert("summary", 2), "must start with 'result_'"),
            (lambda: mv.upsert("result_z", 2, is_private="yes"), "is_private"),
            (lambda: mv.upsert("result_z", 2, cron_expression=""), "cron_expression"),
            (lambda: mv.upsert("result_z", -1), "query_id"),
            (lambda: mv.refresh("result_z", performance="huge"), "performance"),
            (lambda: mv.get(""), "name must be a materialized view name"),
            (lambda: mv.list(page_size=0), "page_size"),
            (lambda: mv.list(page_size=20_000), "at most 10000"),
        ]
        for call, message in invalid:
            with pytest.raises(duneq.InvalidArgument, match=message):
                await aw(call())
        assert dune_emulator.control.counters()["requests"] == before
        await aw(dune.close())

    run(scenario)


# -- pure logic (no HTTP) -----------------------------------------------------------------------


def test_node_state_parsing_never_fails() -> None:
    from duneq._wire.pipeline_models import parse_node_state, parse_pipeline_state

    assert parse_node_state("QUERY_STATE_COMPLETED") == COMPLETED
    assert parse_node_state("completed") == COMPLETED
    assert parse_node_state("QUERY_STATE_CANCELED") == duneq.ExecutionState.CANCELLED
    assert parse_node_state("SKIPPED") == "skipped"
    assert parse_node_state("warming up") == "warming up"
    assert parse_node_state(None) == ""
    assert parse_pipeline_state("COMPLETED") == duneq.PipelineState.COMPLETED
    assert parse_pipeline_state("paused") == "paused"


def test_events_cover_changes_between_polls() -> None:
    from duneq._wire.adapter import pipeline_status_from_wire
    from duneq._wire.pipeline_models import node_events

    def status(*nodes: dict[str, Any]) -> duneq.PipelineStatus:
        body = {"status": "executing", "node_executions": list(nodes)}
        return pipeline_status_from_wire(body, "0" * 26)

    def node(state: str, eid: str | None = None, error: str | None = None) -> dict[str, Any]:
        inner: dict[str, Any] = {"status": state, "query_id": 5}
        if eid:
            inner["execution_id"] = eid
        if error:
            inner["error"] = error
        return {"id": 1, "query_execution_status": inner}

    def kinds(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
        previous = status(before) if before is not None else None
        return [e.kind for e in node_events(previous, status(after), elapsed=1.0, polls=2)]

    eid = "1" * 26
    assert kinds(None, node("QUERY_STATE_PENDING")) == ["changed"]
    assert kinds(node("QUERY_STATE_PENDING"), node("QUERY_STATE_PENDING")) == []
    # started and ended between two polls: both events, started first
    assert kinds(node("QUERY_STATE_PENDING"), node("QUERY_STATE_COMPLETED", eid)) == [
        "started",
        "finished",
    ]
    assert kinds(node("QUERY_STATE_PENDING", eid), node("QUERY_STATE_EXECUTING", eid)) == [
        "changed"
    ]
    assert kinds(node("QUERY_STATE_EXECUTING", eid), node("QUERY_STATE_FAILED", eid, "x")) == [
        "failed"
    ]
    assert kinds(node("QUERY_STATE_FAILED", eid), node("QUERY_STATE_FAILED", eid, "x")) == [
        "changed"
    ]
    assert kinds(node("QUERY_STATE_PENDING"), node("skipped", None, "dep")) == ["skipped"]
    assert kinds(node("QUERY_STATE_EXECUTING", eid), node("QUERY_STATE_CANCELLED", eid)) == [
        "cancelled"
    ]
    assert kinds(node("QUERY_STATE_EXECUTING", eid), node("teleporting", eid)) == ["changed"]
    odd = status({"id": 3}, {"id": 4, "new_thing_status": {"status": "x"}})
    assert [(n.kind, n.state, n.is_finished) for n in odd.nodes] == [
        ("unknown", "", False),
        ("new_thing", "x", False),
    ]
    with pytest.raises(ValueError, match="no integer id"):
        status({"query_execution_status": {"status": "QUERY_STATE_PENDING"}})
