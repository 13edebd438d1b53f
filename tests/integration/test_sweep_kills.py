"""A sweep killed with SIGKILL while an execute reply is in flight never pays for that item
twice: the state file says "submitting" before the request leaves, and the resume adopts the
execution the server started instead of executing again. Real processes killed for real,
real HTTP to the emulator, whose execute replies come late after the work is done."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import duneq
import orjson
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq import _constants as C
from duneq._sweeps.state import SweepState, build_items

EXECUTE = "POST /api/v1/query/{query_id}/execute"
SQL = "select '{{day}}' as day_text"
DAYS = [f"2024-02-{d:02d}" for d in range(1, 9)]
POLL = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)

_CHILD = """
import sys
import duneq
url, key, qid, state = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
days = sys.argv[5].split(",")
poll = duneq.PollConfig(first=0.02, growth=0.05, cap=0.1)
with duneq.Client(api_key=key, base_url=url, poll=poll) as dune:
    dune.sweep(qid, params=[{"day": d} for d in days], state=state, max_concurrent=2)
"""


def _executes(emu: EmulatorHandle) -> int:
    """Execute requests the server has received (counted as they arrive)."""
    return int(emu.control.counters()["requests"].get(EXECUTE, 0))


def _kill_while_submitting(emu: EmulatorHandle, qid: int, state: Path, rng: random.Random) -> bool:
    """Start a sweep process and SIGKILL it while an execute is in flight; False if it ended
    first (nothing left to do)."""
    before = _executes(emu)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            emu.base_url,
            emu.api_key,
            str(qid),
            str(state),
            ",".join(DAYS),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        limit = time.monotonic() + 30  # a bound on a stuck child, not a timed assertion
        while proc.poll() is None and time.monotonic() < limit:
            if _executes(emu) > before:
                # an execute reached the server, whose reply takes 0.6 s: a kill in the next
                # 0.1-0.4 s lands while it is in flight
                time.sleep(rng.uniform(0.1, 0.4))
                break
            time.sleep(0.005)
        else:
            return False
        os.kill(proc.pid, signal.SIGKILL)
        return True
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_kill9_during_submits_bills_each_item_once(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    ctl = dune_emulator.control
    ctl.configure(max_concurrent_executions=3)
    ctl.add_fault(EXECUTE, kind="delay", delay_seconds=0.6, after_handler=True, count=1000)
    rng = random.Random(24)
    state = tmp_path / "sweep.json"
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, poll=POLL
    ) as dune:
        qid = dune.queries.create(
            "kills", SQL, parameters=[{"key": "day", "type": "text", "value": DAYS[0]}]
        )
        kills = sum(_kill_while_submitting(dune_emulator, qid, state, rng) for _ in range(4))
        assert kills >= 3
        started_by_killed = int(ctl.counters()["executions_started"])
        assert started_by_killed >= kills  # each kill left an execute the server took
        runs = dune.sweep(qid, params=[{"day": d} for d in DAYS], state=state, max_concurrent=2)
    assert not runs.failed
    assert [r["day_text"] for r in runs.rows] == DAYS
    # one billed execution per item, however many processes were killed mid-submit
    assert ctl.counters()["executions_started"] == len(DAYS)
    assert len(set(runs.execution_ids)) == len(DAYS)
    saved = orjson.loads(state.read_bytes())["items"]
    assert all(i["outcome"] == "done" and i["submitting_at"] is None for i in saved)


def test_a_run_still_going_at_the_resume_is_adopted_once_it_ends(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """The killed process's run lasts 1.5 s, so the resume's first look (the query's latest
    result lists finished runs only) cannot see it. The item waits until the sweep's other runs
    (1 s each, one at a time) have ended and is looked up again: adopted, not paid twice.
    Before, it was executed again at once (5 executions for 4 items)."""
    ctl = dune_emulator.control
    ctl.pin_next_executions(count=1, executing_seconds=1.5)
    ctl.pin_next_executions(count=10, executing_seconds=1.0)
    ctl.add_fault(EXECUTE, kind="delay", delay_seconds=0.6, after_handler=True, count=1)
    days = DAYS[:4]
    state = tmp_path / "sweep.json"
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, poll=POLL
    ) as dune:
        qid = dune.queries.create(
            "still going", SQL, parameters=[{"key": "day", "type": "text", "value": days[0]}]
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CHILD,
                dune_emulator.base_url,
                dune_emulator.api_key,
                str(qid),
                str(state),
                days[0],
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            limit = time.monotonic() + 30  # a bound on a stuck child, not a timed assertion
            while _executes(dune_emulator) == 0 and time.monotonic() < limit:
                time.sleep(0.005)
            time.sleep(0.2)  # the reply is 0.6 s late: the kill lands while it is in flight
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        saved = orjson.loads(state.read_bytes())["items"]
        assert saved[0]["outcome"] == "submitting"
        assert ctl.counters()["executions_started"] == 1
        runs = dune.sweep(qid, params=[{"day": d} for d in days], state=state, max_concurrent=1)
    assert not runs.failed
    assert sorted(r["day_text"] for r in runs.rows) == days
    assert ctl.counters()["executions_started"] == len(days)  # the first item's run adopted
    assert len(set(runs.execution_ids)) == len(days)


def _kill_one_submit(emu: EmulatorHandle, qid: int, state: Path, day: str) -> None:
    """A sweep process of one item SIGKILLed while its execute's reply (0.6 s late, after the
    server started the run) is on its way: the state file says "submitting"."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, emu.base_url, emu.api_key, str(qid), str(state), day],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        limit = time.monotonic() + 30  # a bound on a stuck child, not a timed assertion
        while _executes(emu) == 0 and time.monotonic() < limit:
            time.sleep(0.005)
        time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert orjson.loads(state.read_bytes())["items"][0]["outcome"] == "submitting"
    assert emu.control.counters()["executions_started"] == 1


def _query(dune: duneq.Client, name: str) -> int:
    return dune.queries.create(
        name, SQL, parameters=[{"key": "day", "type": "text", "value": DAYS[0]}]
    )


def test_a_killed_run_still_going_with_nothing_else_to_run_is_waited_for_and_adopted(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """The killed process's run lasts 20 s (emulator clock) and the sweep has nothing else to
    run: the resume polls the latest result until the run shows, within the bound (30 s with
    no run seen yet), and adopts it. Before, it looked once and executed again at once."""
    ctl = dune_emulator.control
    ctl.pin_next_executions(count=1, executing_seconds=20.0)
    ctl.add_fault(EXECUTE, kind="delay", delay_seconds=0.6, after_handler=True, count=1)
    state = tmp_path / "sweep.json"
    with duneq.Client(
        api_key=dune_emulator.api_key,
        base_url=dune_emulator.base_url,
        **dune_emulator_time.client_kwargs(),
    ) as dune:
        qid = _query(dune, "still going alone")
        _kill_one_submit(dune_emulator, qid, state, DAYS[0])
        with warnings.catch_warnings():
            warnings.simplefilter("error", duneq.SweepWarning)
            runs = dune.sweep(qid, params=[{"day": DAYS[0]}], state=state)
    assert not runs.failed and runs.reruns == []
    assert [r["day_text"] for r in runs.rows] == [DAYS[0]]
    assert ctl.counters()["executions_started"] == 1  # adopted: billed once
    assert dune_emulator_time.slept >= 19.0  # waited for its end, 20 s after it was sent
    saved = orjson.loads(state.read_bytes())["items"][0]
    assert saved["outcome"] == "done" and saved["rerun"] is False
    assert saved["run_seconds"] == pytest.approx(20.0, abs=0.5)  # submitted to ended


def test_the_bound_grows_with_the_longest_run_seen(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path
) -> None:
    """The killed run takes 50 s, past the 30 s floor; the sweep's other item took 40 s, so
    the bound is 80 s from the record, and the killed run is adopted once it shows."""
    ctl = dune_emulator.control
    ctl.pin_next_executions(count=1, executing_seconds=50.0)
    ctl.pin_next_executions(count=5, executing_seconds=40.0)
    ctl.add_fault(EXECUTE, kind="delay", delay_seconds=0.6, after_handler=True, count=1)
    state = tmp_path / "sweep.json"
    days = DAYS[:2]
    with duneq.Client(
        api_key=dune_emulator.api_key,
        base_url=dune_emulator.base_url,
        **dune_emulator_time.client_kwargs(),
    ) as dune:
        qid = _query(dune, "longer than the floor")
        _kill_one_submit(dune_emulator, qid, state, days[0])
        with warnings.catch_warnings():
            warnings.simplefilter("error", duneq.SweepWarning)
            runs = dune.sweep(qid, params=[{"day": d} for d in days], state=state)
    assert not runs.failed and runs.reruns == []
    assert sorted(r["day_text"] for r in runs.rows) == days
    assert ctl.counters()["executions_started"] == 2  # one per item


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_execute_that_never_reached_the_server_is_run_again_after_the_bound_with_a_warning(
    dune_emulator: EmulatorHandle, dune_emulator_time: EmulatorTime, tmp_path: Path, mode: str
) -> None:
    """A process recorded "submitting" and died before its execute left: no run ever shows.
    The resume looks until the bound (30 s from the record, no run seen) and then runs the
    item, saying so (SweepWarning naming its parameters, ``runs.reruns``, the progress and
    the state file). Before, it ran it at once and said nothing."""
    ctl = dune_emulator.control
    ctl.pin_next_executions(count=1, executing_seconds=1.0)
    state = tmp_path / "sweep.json"
    params = [{"day": DAYS[3]}]
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        qid = _query(dune, "never sent")
    items = build_items(params)  # what the process wrote just before it died
    items[0].submitting_at = datetime.now(UTC).isoformat()
    SweepState(state, qid).save(items)
    seen: list[duneq.SweepProgress] = []
    kw = {"state": state, "on_progress": seen.append}
    with pytest.warns(duneq.SweepWarning, match="may be billed twice") as caught:
        if mode == "sync":
            with duneq.Client(
                api_key=dune_emulator.api_key,
                base_url=dune_emulator.base_url,
                **dune_emulator_time.client_kwargs(),
            ) as dune:
                runs = dune.sweep(qid, params, **kw)  # type: ignore[arg-type]
        else:

            async def main() -> duneq.SweepRuns:
                async with duneq.AsyncClient(
                    api_key=dune_emulator.api_key,
                    base_url=dune_emulator.base_url,
                    **dune_emulator_time.client_kwargs(asynchronous=True),
                ) as dune:
                    return await dune.sweep(qid, params, **kw)  # type: ignore[arg-type]

            runs = asyncio.run(main())
    assert not runs.failed
    assert [r["day_text"] for r in runs.rows] == [DAYS[3]]
    assert ctl.counters()["executions_started"] == 1
    assert dune_emulator_time.slept >= C.SWEEP_ADOPT_FLOOR  # looked for the whole bound
    (warned,) = [w.message for w in caught if isinstance(w.message, duneq.SweepWarning)]
    assert isinstance(warned, duneq.SweepWarning)
    assert warned.params == {"day": DAYS[3]}
    assert "sweep item 0 (day=2024-02-04) is run again" in str(warned)
    assert caught[0].filename == __file__  # at the caller's line
    assert runs.reruns == [{"day": DAYS[3]}]
    assert seen[-1].reruns == 1 and seen[-1].done == 1
    saved = orjson.loads(state.read_bytes())["items"][0]
    assert saved["rerun"] is True and saved["submitting_at"] is None
