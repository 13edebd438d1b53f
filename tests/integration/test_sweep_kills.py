"""A sweep killed with SIGKILL while an execute reply is in flight never pays for that item
twice: the state file says "submitting" before the request leaves, and the resume adopts the
execution the server started instead of executing again. Real processes killed for real,
real HTTP to the emulator, whose execute replies come late after the work is done."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duneq
import orjson
from dune_emulator import EmulatorHandle

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
