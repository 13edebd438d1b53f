"""Pipelines and materialized views keep their deadlines: the start calls are inside them, a
pipeline wait whose status never answered still cancels the running nodes (as an execution's
wait does), and every cancel on the way out shares one bounded grace. Real HTTP to the
emulator, whose faults stall the calls; outcomes are asserted, never durations."""

from __future__ import annotations

import duneq
import pytest
from dune_emulator import EmulatorHandle

PIPELINE_EXECUTE = "POST /api/v1/query/{query_id}/pipeline/execute"
PIPELINE_STATUS = "GET /api/v1/pipelines/executions/{pipeline_execution_id}/status"
REFRESH = "POST /api/v1/materialized-views/{name}/refresh"


def _client(emu: EmulatorHandle) -> duneq.Client:
    # a request timeout far above every stall: only a deadline can cut a call short
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, timeout=120)


def test_a_stalled_pipeline_start_ends_at_its_timeout(dune_emulator: EmulatorHandle) -> None:
    with _client(dune_emulator) as dune:
        qid = dune.queries.create("p", "select 1 as one")
        dune_emulator.control.add_fault(PIPELINE_EXECUTE, kind="delay", delay_seconds=4)
        with pytest.raises(duneq.ExecutionMayHaveStarted) as info:
            dune.pipelines.execute_query_pipeline(qid, timeout=0.5)
        assert info.value.cause == "timeout"  # cut at the deadline, not served 4 s later
        with pytest.raises(duneq.InvalidArgument, match="timeout"):
            dune.pipelines.execute_query_pipeline(qid, timeout=-1)


def test_a_stalled_refresh_ends_at_its_timeout(dune_emulator: EmulatorHandle) -> None:
    with _client(dune_emulator) as dune:
        qid = dune.queries.create("v", "select 1 as one")
        view = dune.matviews.upsert("result_stall", qid)
        view.execution.wait(timeout=30)
        dune_emulator.control.add_fault(REFRESH, kind="delay", delay_seconds=4)
        with pytest.raises(duneq.ExecutionMayHaveStarted) as info:
            dune.matviews.refresh("result_stall", timeout=0.5)
        assert info.value.cause == "timeout"


def test_pipeline_wait_cancels_nodes_when_status_never_answered(
    dune_emulator: EmulatorHandle,
) -> None:
    ctl = dune_emulator.control
    with _client(dune_emulator) as dune:
        qid = dune.queries.create("long", "select 1 as one")
        ctl.pin_next_executions(1, executing_seconds=600)
        run = dune.pipelines.execute_query_pipeline(qid)
        # every poll of the wait stalls past its deadline; the status answers afterwards
        ctl.add_fault(PIPELINE_STATUS, kind="delay", delay_seconds=3, count=1)
        with pytest.raises(duneq.ExecutionTimeout) as info:
            run.wait(timeout=0.5)
        err = info.value
        assert err.state is None  # no status answered within the wait
        (cancelled,) = err.cancelled_executions
        assert err.cancelled
        assert dune.get_status(cancelled).state == duneq.ExecutionState.CANCELLED
