"""duneq's Airflow provider against the emulator over real HTTP, with ``dag.test()``: a
deferred run (the trigger waits with AsyncClient) writing a partitioned dataset on local files
and passing only a summary through XCom; a killed run whose execution ends cancelled; the
sensor; the connection's fields and extras."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duneq
import pyarrow.dataset as ds
import pytest
from airflow.sdk import Connection
from dags.dune_test_dags import dune_killed, dune_pull, dune_sensed
from dune_emulator import EmulatorHandle
from duneq.airflow import DuneExecutionTrigger, DuneHook
from duneq.airflow.hooks import client_kwargs

SQL = "select '{{day}}' as day_text, range as n, range % 2 as odd from range(6)"
LOGICAL = datetime(2024, 1, 2, tzinfo=UTC)


def client(emu: EmulatorHandle) -> duneq.Client:
    return duneq.Client(api_key=emu.api_key, base_url=emu.base_url)


def day_query(emu: EmulatorHandle) -> int:
    with client(emu) as dune:
        qid: int = dune.queries.create(
            "daily", SQL, parameters=[{"key": "day", "type": "text", "value": "2024-01-01"}]
        )
    return qid


def test_deferred_run_writes_the_dataset_and_xcom_carries_a_summary(
    dune_emulator: EmulatorHandle,
    dune_connection: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    qid = day_query(dune_emulator)
    dune_emulator.control.pin_next_executions(1, executing_seconds=1.5)  # the trigger waits
    lake = tmp_path / "lake"
    run = dune_pull.test(logical_date=LOGICAL, run_conf={"query_id": qid, "lake": str(lake)})
    assert run.state == "success"
    ti = run.get_task_instance("pull")
    summary = ti.xcom_pull(task_ids="pull")
    assert set(summary) == {"execution_id", "rows", "credits", "state", "output_uri"}
    assert summary["rows"] == 6 and summary["state"] == "QUERY_STATE_COMPLETED"
    assert summary["credits"] > 0
    assert summary["output_uri"] == str(lake / "day=2024-01-02")
    logged = capsys.readouterr().out + caplog.text
    assert "running trigger in line" in logged  # it deferred: the trigger waited, not the task
    assert "Trigger completed" in logged
    table = ds.dataset(str(lake), partitioning="hive").to_table()
    assert sorted(table["n"].to_pylist()) == list(range(6))
    assert set(table["day_text"].to_pylist()) == {"2024-01-02"}
    assert sorted(p.name for p in (lake / "day=2024-01-02").iterdir()) == ["odd=0", "odd=1"]
    with client(dune_emulator) as dune:  # the execution XCom names is the one that ran
        assert dune.get_status(summary["execution_id"]).state == "QUERY_STATE_COMPLETED"


def test_killed_run_cancels_its_execution(
    dune_emulator: EmulatorHandle, dune_connection: str
) -> None:
    ctl = dune_emulator.control
    ctl.pin_next_executions(1, executing_seconds=120)

    def kill_when_running() -> None:
        # the task is waiting in the worker once Dune has the execution: SIGTERM it, as
        # Airflow does when a user kills a running task (its handler calls on_kill)
        while ctl.counters()["executions_started"] < 1:
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=kill_when_running, daemon=True)
    killer.start()
    run = dune_killed.test(logical_date=LOGICAL)
    killer.join(timeout=60)
    assert run.state == "failed"
    ti = run.get_task_instance("long")
    eid = ti.xcom_pull(task_ids="long", key="execution_id")
    assert isinstance(eid, str)
    with client(dune_emulator) as dune:
        assert dune.get_status(eid).state == "QUERY_STATE_CANCELLED"


def test_trigger_on_kill_cancels_and_run_reports_errors(
    dune_emulator: EmulatorHandle, dune_connection: str
) -> None:
    import asyncio

    dune_emulator.control.pin_next_executions(1, executing_seconds=120)
    with client(dune_emulator) as dune:
        eid = dune.execute_sql("select 1 as one").execution_id
    trigger = DuneExecutionTrigger(execution_id=eid)
    classpath, kwargs = trigger.serialize()
    assert classpath == "duneq.airflow.triggers.DuneExecutionTrigger"
    assert "password" not in str(kwargs) and dune_emulator.api_key not in str(kwargs)

    async def scenario() -> Any:
        await trigger.on_kill()  # a user killed the deferred task
        return await anext(DuneExecutionTrigger(**kwargs).run())

    event = asyncio.run(scenario())
    assert event.payload["status"] == "error"
    assert event.payload["error_type"] == "ExecutionCancelled"
    with client(dune_emulator) as dune:
        assert dune.get_status(eid).state == "QUERY_STATE_CANCELLED"


def test_sensor_waits_then_fails_on_a_failed_execution(
    dune_emulator: EmulatorHandle, dune_connection: str
) -> None:
    ctl = dune_emulator.control
    with client(dune_emulator) as dune:
        ctl.pin_next_executions(1, executing_seconds=0.5)
        ok = dune.execute_sql("select 1 as one").execution_id
        ctl.pin_next_executions(1, executing_seconds=0.2, fail="boom")
        bad = dune.execute_sql("select 2 as two").execution_id
    run = dune_sensed.test(logical_date=LOGICAL, run_conf={"ok": ok, "bad": bad})
    assert run.get_task_instance("ok").state == "success"
    assert run.get_task_instance("bad").state == "failed"


def test_connection_fields_and_extras() -> None:
    conn = Connection(
        conn_id="d",
        conn_type="dune",
        host="127.0.0.1",
        schema="http",
        port=8123,
        password="key",
        extra='{"timeout": "15", "max_credits": 50, "performance": "large"}',
    )
    assert client_kwargs(conn) == {
        "cache": False,
        "api_key": "key",
        "base_url": "http://127.0.0.1:8123",
        "timeout": 15.0,
        "max_credits": 50.0,
        "performance": "large",
    }
    bad = Connection(conn_id="d", conn_type="dune", password="k", extra='{"budget": 5}')
    with pytest.raises(duneq.InvalidArgument, match="unknown extra 'budget'"):
        client_kwargs(bad)
    assert DuneHook.conn_type == "dune" and DuneHook.default_conn_name == "dune_default"
