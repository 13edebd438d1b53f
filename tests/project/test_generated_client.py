"""The committed generated client works end to end over real HTTP against the emulator (the
same server the facade is tested on), and the generated package passes plain mypy."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import httpx
from dune_api import AuthenticatedClient
from dune_api.api.executions import (
    execute_sql,
    get_execution_results,
    get_execution_results_csv,
    get_execution_status,
)
from dune_api.api.uploads import create_upload, insert_upload_rows
from dune_api.models import (
    CreateUploadRequest,
    Error,
    ExecuteSqlRequest,
    GetExecutionStatusResponse,
    InsertRowsResponse,
    ReadExecutionResultResponse,
    UploadColumn,
)
from dune_api.types import File
from dune_emulator.server import EmulatorHandle
from dune_emulator.testing import wait_terminal

ROOT = Path(__file__).resolve().parents[2]


def _client(emu: EmulatorHandle, key: str | None = None) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=emu.api_url,
        token=key or emu.api_key,
        prefix="",
        auth_header_name="X-Dune-Api-Key",
        timeout=httpx.Timeout(30.0),
    )


def _run(emu: EmulatorHandle, sql: str) -> str:
    with _client(emu) as client:
        started = execute_sql.sync(client=client, body=ExecuteSqlRequest(sql=sql))
        assert started is not None and not isinstance(started, Error)
        execution_id = started.execution_id
        assert isinstance(execution_id, str)
    with httpx.Client(
        base_url=f"{emu.api_url}/v1", headers={"X-Dune-Api-Key": emu.api_key}
    ) as http:
        wait_terminal(http, execution_id)
    return execution_id


def test_failed_status_parses_with_line_and_column(dune_emulator: EmulatorHandle) -> None:
    execution_id = _run(dune_emulator, "select nope from (select 1 as x)")
    with _client(dune_emulator) as client:
        response = get_execution_status.sync_detailed(execution_id, client=client)
    assert response.status_code == 200
    status = response.parsed
    assert isinstance(status, GetExecutionStatusResponse)
    assert status.state == "QUERY_STATE_FAILED"
    assert status.error.metadata.line == 1 and status.error.metadata.column == 8  # type: ignore[union-attr]
    counted = dune_emulator.control.counters()["requests"]
    assert counted["GET /api/v1/execution/{execution_id}/status"] >= 1


def test_results_with_scalar_cells_parse(dune_emulator: EmulatorHandle) -> None:
    sql = "select * from (values (1, 'a', 2.5, true, null), (2, 'b', 0.0, false, null), (3, 'c', 1.0, true, null)) as t(n, s, f, b, z)"
    execution_id = _run(dune_emulator, sql)
    with _client(dune_emulator) as client:
        page = get_execution_results.sync(
            execution_id, client=client, limit=2, allow_partial_results=True
        )
    assert isinstance(page, ReadExecutionResultResponse)
    rows = page.result.rows  # type: ignore[union-attr]
    assert [dict(r) for r in rows] == [  # type: ignore[union-attr]
        {"n": 1, "s": "a", "f": "2.5", "b": True, "z": None},  # a Trino decimal literal
        {"n": 2, "s": "b", "f": "0.0", "b": False, "z": None},
    ]
    assert page.result.metadata.datapoint_count == 10  # type: ignore[union-attr]
    assert page.result.metadata.total_row_count == 3  # type: ignore[union-attr]
    assert page.next_offset == 2


def test_csv_page_and_error_body(dune_emulator: EmulatorHandle) -> None:
    execution_id = _run(dune_emulator, "select * from (values (1, 'a'), (2, 'b')) as t(n, s)")
    with _client(dune_emulator) as client:
        csv = get_execution_results_csv.sync_detailed(execution_id, client=client, limit=1)
    assert csv.parsed == "n,s\n1,a\n"
    assert csv.headers["x-dune-next-offset"] == "1"
    with _client(dune_emulator, key="wrong") as client:
        denied = get_execution_status.sync_detailed(execution_id, client=client)
    assert denied.status_code == 401
    assert isinstance(denied.parsed, Error) and denied.parsed.error


def test_insert_sends_raw_csv_body(dune_emulator: EmulatorHandle) -> None:
    data = b"a,b\n1,x\n2,y\n"
    schema = [UploadColumn(name="a", type_="integer"), UploadColumn(name="b", type_="varchar")]
    with _client(dune_emulator) as client:
        created = create_upload.sync(
            client=client,
            body=CreateUploadRequest(namespace="emulator", table_name="gen_t", schema=schema),
        )
        assert created is not None and not isinstance(created, Error)
        reply = insert_upload_rows.sync(
            "emulator", "gen_t", client=client, body=File(payload=io.BytesIO(data))
        )
    assert isinstance(reply, InsertRowsResponse) and reply.rows_written == 2
    execution_id = _run(dune_emulator, "select a, b from dune.emulator.gen_t order by a")
    with _client(dune_emulator) as client:
        page = get_execution_results.sync(execution_id, client=client)
    assert isinstance(page, ReadExecutionResultResponse)
    assert [dict(r) for r in page.result.rows] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]  # type: ignore[union-attr]


def test_generated_package_passes_plain_mypy() -> None:
    # Incremental, with a cache of its own that outlives the run: mypy re-checks what changed
    # (and whatever depends on it) and reports the errors of unchanged modules from the cache.
    cache = ROOT / ".mypy_cache" / "plain-generated"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(cache),
            "--config-file",
            "/dev/null",
            "dune_api",
        ],
        cwd=ROOT / "generated",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
