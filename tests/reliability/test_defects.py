"""One test per defect of issue 11, each failing before its fix: reads retried, deadlines that
hold, ambiguous executes reported, concurrent waits not starved, settings validated, typed
errors. Times are bounded generously against the emulator's pinned durations."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import duneq
import httpx
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq._flows.context import FlowContext
from duneq._flows.wait import wait
from duneq._protocol import RawResponse, Request
from helpers.flowscript import Script, json_reply

STATUS = "GET /api/v1/execution/{execution_id}/status"
RESULTS = "GET /api/v1/execution/{execution_id}/results"
EXECUTE = "POST /api/v1/sql/execute"
EID = "01HKZJ2683PHF9Q9PHHQ8FW4Q1"


def client(emu: EmulatorHandle, **kw: object) -> duneq.Client:
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url, **kw)  # type: ignore[arg-type]


def remote_state(emu: EmulatorHandle, execution_id: str) -> str:
    """The execution's state on the server, past any scripted faults still pending."""
    with httpx.Client(base_url=emu.base_url, headers={"X-Dune-Api-Key": emu.api_key}) as h:
        for _ in range(10):
            answer = h.get(f"/api/v1/execution/{execution_id}/status")
            if answer.status_code == 200:
                state: str = answer.json()["state"]
                return state
        raise AssertionError("the status route kept failing")


# -- 1. reads retried


def test_reads_retry_500_and_broken_bodies(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime
) -> None:
    """The retries' backoff waits on the emulator's clock: the retries are the point, not time."""
    control = dune_emulator.control
    with client(dune_emulator, **dune_emulator_time.client_kwargs()) as dune:
        run = dune.execute_sql("select range as n from range(5)")
        run.wait(timeout=30)
        control.add_fault(STATUS, count=2, status=500)
        control.add_fault(STATUS, kind="truncate")
        assert dune.get_status(run.execution_id).state == duneq.ExecutionState.COMPLETED
        control.add_fault(RESULTS, kind="reset")
        control.add_fault(RESULTS, kind="truncate")
        control.add_fault(RESULTS, status=200, body=["wrong"])
        assert [r["n"] for r in dune.get_result(run.execution_id).rows] == [0, 1, 2, 3, 4]


# -- 2. deadlines hold


def test_a_stalled_status_call_ends_at_the_deadline_with_a_cancel(
    dune_emulator: EmulatorHandle,
) -> None:
    """Client(timeout=3), status stalls 5 s every time, wait(timeout=1): before, APITimeout
    after 33 s and the billed run left EXECUTING."""
    control = dune_emulator.control
    control.pin_next_executions(executing_seconds=60.0)
    with client(dune_emulator, timeout=3) as dune:
        run = dune.execute_sql("select 1")
        control.add_fault_rate(1.0, [{"kind": "delay", "delay_seconds": 5.0}], route=STATUS)
        start = time.monotonic()
        with pytest.raises(duneq.ExecutionTimeout) as info:
            run.wait(timeout=1)
        assert time.monotonic() - start < 4.5  # one 5 s stall would already exceed this
    control.clear_fault_rates()
    assert info.value.cancelled
    assert remote_state(dune_emulator, run.execution_id) == "QUERY_STATE_CANCELLED"


def test_a_retry_after_beyond_the_deadline_ends_the_wait(dune_emulator: EmulatorHandle) -> None:
    """Three 429s with Retry-After: 10 and wait(timeout=2): before, it raised after 30 s."""
    control = dune_emulator.control
    control.pin_next_executions(executing_seconds=60.0)
    with client(dune_emulator) as dune:
        run = dune.execute_sql("select 1")
        control.add_fault(STATUS, count=3, status=429, retry_after=10)
        start = time.monotonic()
        with pytest.raises(duneq.ExecutionTimeout):
            run.wait(timeout=2)
        assert time.monotonic() - start < 9  # less than one Retry-After
    assert remote_state(dune_emulator, run.execution_id) == "QUERY_STATE_CANCELLED"


def test_every_attempt_timeout_shrinks_to_the_time_left() -> None:
    def respond(req: Request, now: float) -> RawResponse:
        if req.path.endswith("/cancel"):
            return json_reply({"success": True})
        return json_reply({"execution_id": EID, "state": "QUERY_STATE_EXECUTING"})

    script = Script(respond)
    ctx = FlowContext(clock=script.clock, rand=lambda: 0.5)
    with pytest.raises(duneq.ExecutionTimeout):
        script.run(wait(ctx, EID, timeout=3.0, on_progress=None, cancel_on_timeout=True))
    polls = [(at, req) for at, req in script.requests if req.path.endswith("/status")]
    assert polls and all(req.timeout is not None and at + req.timeout <= 3.0 for at, req in polls)
    cancel_at, cancel = script.requests[-1]
    assert cancel.path.endswith("/cancel") and cancel.timeout is not None
    assert cancel.timeout <= duneq._constants.CANCEL_GRACE


def test_a_stalled_execute_ends_within_the_run_timeout(dune_emulator: EmulatorHandle) -> None:
    """run_sql(timeout=2) while the execute stalls 5 s: the attempt is cut at the deadline and,
    the request having been sent, reported as ExecutionMayHaveStarted."""
    dune_emulator.control.add_fault(EXECUTE, kind="delay", delay_seconds=5.0)
    with client(dune_emulator) as dune:
        start = time.monotonic()
        with pytest.raises(duneq.ExecutionMayHaveStarted):
            dune.run_sql("select 1", timeout=2)
        assert time.monotonic() - start < 4.5


# -- 3. an execute with an unknown outcome


def test_truncated_execute_answer_may_have_started(dune_emulator: EmulatorHandle) -> None:
    control = dune_emulator.control
    control.add_fault(EXECUTE, kind="truncate")
    with client(dune_emulator) as dune, pytest.raises(duneq.ExecutionMayHaveStarted) as info:
        dune.run_sql("select 1")
    assert info.value.status_code == 200
    assert control.counters()["executions_started"] == 1  # it had started, and once only


# -- 4. concurrent waits on one client


def test_concurrent_waits_on_one_client_are_not_starved(dune_emulator: EmulatorHandle) -> None:
    """20 waits on 3 s runs on one AsyncClient: before, the fixed 30-polls-a-minute budget
    held most of them until their deadline (30 s); now they end soon after the runs (the
    bound is generous: 4x the pinned duration)."""
    control = dune_emulator.control
    control.configure(max_concurrent_executions=20)
    control.pin_next_executions(count=20, executing_seconds=3.0)

    async def main() -> list[duneq.ExecutionStatus]:
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url
        ) as dune:
            runs = [await dune.execute_sql("select 1") for _ in range(20)]
            return await asyncio.gather(*(run.wait(timeout=30) for run in runs))

    start = time.monotonic()
    statuses = asyncio.run(main())
    assert time.monotonic() - start < 12.0
    assert all(s.state == duneq.ExecutionState.COMPLETED for s in statuses)


# -- 5. a wrong server, silently


@pytest.mark.parametrize("bad", [b"http://localhost", 8080, ["https://api.dune.com"]])
def test_base_url_of_another_type_is_refused(bad: object) -> None:
    with pytest.raises(duneq.InvalidArgument, match="base_url"):
        duneq.Client(api_key="k", base_url=bad)  # type: ignore[arg-type]


def test_base_url_as_httpx_url_is_used() -> None:
    dune = duneq.Client(api_key="k", base_url=httpx.URL("http://127.0.0.1:9/api/v1/"))
    assert dune.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("https://api.dune.com/?api_key=secret", "query"),
        ("https://api.dune.com#frag", "fragment"),
        ("https://user:pw@api.dune.com", "credentials"),
        ("https://api.dune.com/v1", "path"),
        ("https://api.dune.com/api/v2", "path"),
    ],
)
def test_base_url_that_leaks_or_cannot_work_is_refused(url: str, what: str) -> None:
    with pytest.raises(duneq.InvalidArgument, match=what) as info:
        duneq.Client(api_key="k", base_url=url)
    assert "secret" not in str(info.value) and "pw" not in str(info.value)


@pytest.mark.parametrize("key", ["sk key", "sk\tkey", "sk\x00key", "sk\nkey", "skéy"])
def test_api_key_with_whitespace_or_control_characters_is_refused(key: str) -> None:
    with pytest.raises(duneq.InvalidArgument, match="api_key") as info:
        duneq.Client(api_key=key)
    assert key not in str(info.value)


def test_non_str_api_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNE_API_KEY", "from-env")
    with pytest.raises(duneq.InvalidArgument, match="api_key"):
        duneq.Client(api_key=b"bytes-key")  # type: ignore[arg-type]


# -- 6. untyped errors that remain


def test_unparsable_base_url_is_typed() -> None:
    with pytest.raises(duneq.InvalidArgument, match="base_url"):
        duneq.Client(api_key="k", base_url="http://[::1")


def test_lone_surrogate_in_sql_is_typed() -> None:
    dune = duneq.Client(api_key="k", base_url="http://127.0.0.1:9")
    with pytest.raises(duneq.InvalidArgument, match="sql"):
        dune.execute_sql("select '\udc80'")
    with pytest.raises(duneq.InvalidArgument, match="parameter"):
        dune.execute_sql("select {{p}}", {"p": "\ud800"})


def test_call_after_close_is_typed(dune_emulator: EmulatorHandle) -> None:
    dune = client(dune_emulator)
    dune.close()
    with pytest.raises(duneq.ClientClosed, match="closed"):
        dune.get_status(EID)

    async def main() -> None:
        adune = duneq.AsyncClient(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url)
        await adune.close()
        with pytest.raises(duneq.ClientClosed):
            await adune.get_status(EID)

    asyncio.run(main())


def test_csv_to_a_missing_directory_names_the_path(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "out.csv"
    with client(dune_emulator) as dune, pytest.raises(duneq.InvalidArgument, match="missing"):
        dune.download_csv(EID, target)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, 0, True, "3"])
def test_client_timeout_must_be_a_positive_finite_number(bad: object) -> None:
    with pytest.raises(duneq.InvalidArgument, match="timeout"):
        duneq.Client(api_key="k", timeout=bad)  # type: ignore[arg-type]


def test_wait_timeout_nan_is_refused() -> None:
    dune = duneq.Client(api_key="k", base_url="http://127.0.0.1:9")
    with pytest.raises(duneq.InvalidArgument, match="timeout"):
        dune.wait(EID, timeout=math.nan)
    with pytest.raises(duneq.InvalidArgument, match="wait_timeout"):
        duneq.Client(api_key="k", wait_timeout=math.nan)
