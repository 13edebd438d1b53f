"""``dune.lowlevel`` calls through the generated client get the facade's retries and typed
errors (issue 15 item 5), sync and async, over real HTTP to the emulator."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import duneq
import pytest
from dune_api.api.executions import execute_sql, get_execution_status
from dune_api.api.queries import get_query
from dune_api.api.uploads import create_upload, insert_upload_rows
from dune_api.api.usage import get_usage
from dune_api.models import (
    CreateUploadRequest,
    ExecuteQueryResponse,
    ExecuteSqlRequest,
    GetExecutionStatusResponse,
    InsertRowsResponse,
    UploadColumn,
    UsageResponse,
)
from dune_api.types import File
from dune_emulator.server import EmulatorHandle
from helpers.clients import count

STATUS = "GET /api/v1/execution/{execution_id}/status"
EXECUTE = "POST /api/v1/sql/execute"


def test_sync_lowlevel_returns_models_retries_reads_and_raises_typed(
    dune_emulator: EmulatorHandle,
) -> None:
    sleeps: list[float] = []
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, sleep=sleeps.append
    ) as dune:
        usage = get_usage.sync(client=dune.lowlevel)
        assert isinstance(usage, UsageResponse)
        started = execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1"))
        assert isinstance(started, ExecuteQueryResponse) and isinstance(started.execution_id, str)
        eid = started.execution_id
        dune_emulator.control.add_fault(STATUS, count=2, status=503)
        status = get_execution_status.sync(eid, client=dune.lowlevel)
        assert isinstance(status, GetExecutionStatusResponse) and status.execution_id == eid
        assert count(dune_emulator, STATUS) == 3 and len(sleeps) == 2  # two retries
        dune_emulator.control.add_fault(STATUS, count=1, kind="drop")
        assert get_execution_status.sync(eid, client=dune.lowlevel) is not None
        with pytest.raises(duneq.NotFound):
            get_query.sync(987654321, client=dune.lowlevel)
        before = count(dune_emulator, EXECUTE)
        dune_emulator.control.add_fault(EXECUTE, count=1, status=500)
        with pytest.raises(duneq.ExecutionMayHaveStarted):  # billed: never retried blindly
            execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 2"))
        assert count(dune_emulator, EXECUTE) == before + 1
        schema = [UploadColumn(name="a", type_="integer")]
        create_upload.sync(
            client=dune.lowlevel,
            body=CreateUploadRequest(namespace="emulator", table_name="nd", schema=schema),
        )
        ndjson = File(payload=io.BytesIO(b'{"a": 1}\n{"a": 2}\n'), mime_type="application/x-ndjson")
        landed = insert_upload_rows.sync("emulator", "nd", client=dune.lowlevel, body=ndjson)
        assert isinstance(landed, InsertRowsResponse) and landed.rows_written == 2
    with duneq.Client(api_key="wrong-key", base_url=dune_emulator.base_url) as bad:
        with pytest.raises(duneq.AuthenticationError) as info:
            get_usage.sync(client=bad.lowlevel)
        assert "wrong-key" not in str(info.value)


def test_async_lowlevel_retries_and_raises_typed(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        sleeps: list[float] = []
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, sleep=sleeps.append
        ) as dune:
            started = await execute_sql.asyncio(
                client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1")
            )
            assert isinstance(started, ExecuteQueryResponse) and isinstance(
                started.execution_id, str
            )
            dune_emulator.control.add_fault(STATUS, count=1, status=502)
            status = await get_execution_status.asyncio(started.execution_id, client=dune.lowlevel)
            assert status is not None and len(sleeps) == 1
            with pytest.raises(duneq.NotFound):
                await get_query.asyncio(987654321, client=dune.lowlevel)
            dune_emulator.control.add_fault(STATUS, count=9, status=503)
            with pytest.raises(duneq.ServerError):
                await get_execution_status.asyncio(started.execution_id, client=dune.lowlevel)

    asyncio.run(scenario())


def test_lowlevel_calls_keep_the_client_budget_and_offline_switch(
    dune_emulator: EmulatorHandle, tmp_path: Any
) -> None:
    with duneq.Client(
        api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, max_credits=15
    ) as dune:
        started = execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1"))
        assert isinstance(started, ExecuteQueryResponse)
        assert dune.spent.credits == 10 and dune.spent.executions == 1  # counted like a run
        sent = count(dune_emulator, EXECUTE)
        with pytest.raises(duneq.BudgetExceeded, match="nothing was sent"):
            execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 2"))
        assert count(dune_emulator, EXECUTE) == sent  # refused before the request
        with pytest.raises(duneq.BudgetExceeded):  # the facade sees the same ledger
            dune.run_sql("select 3")
        status = get_execution_status.sync(started.execution_id, client=dune.lowlevel)
        assert isinstance(status, GetExecutionStatusResponse)  # reads are not billed

    with duneq.Client(
        api_key=dune_emulator.api_key,
        base_url=dune_emulator.base_url,
        cache=tmp_path,
        offline=True,
    ) as offline:
        before = dune_emulator.control.counters()["requests"]
        with pytest.raises(duneq.CacheMiss, match="offline"):
            get_usage.sync(client=offline.lowlevel)
        with pytest.raises(duneq.CacheMiss, match="offline"):
            get_execution_status.sync(started.execution_id, client=offline.lowlevel)
        assert dune_emulator.control.counters()["requests"] == before  # not one request


def test_async_lowlevel_keeps_the_budget(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with duneq.AsyncClient(
            api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, max_credits=5
        ) as dune:
            with pytest.raises(duneq.BudgetExceeded):
                await execute_sql.asyncio(
                    client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1")
                )
            assert dune.spent.credits == 0 and dune.spent.executions == 0

    before = count(dune_emulator, EXECUTE)
    asyncio.run(scenario())
    assert count(dune_emulator, EXECUTE) == before
