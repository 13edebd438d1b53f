"""The committed generated client works end to end over real HTTP and passes mypy."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from dune_api import AuthenticatedClient
from dune_api.api.executions import (
    get_execution_results,
    get_execution_results_csv,
    get_execution_status,
)
from dune_api.api.uploads import insert_upload_rows
from dune_api.models import (
    Error,
    GetExecutionStatusResponse,
    InsertRowsResponse,
    ReadExecutionResultResponse,
)
from dune_api.types import File

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "test-key-123"
EXEC_ID = "01HKZJ2683PHF9Q9PHHQ8FW4Q1"

STATUS_BODY = {
    "execution_id": EXEC_ID,
    "query_id": 1234,
    "state": "QUERY_STATE_FAILED",
    "is_execution_finished": True,
    "submitted_at": "2025-10-22T10:31:04.222464Z",
    "execution_cost_credits": 0,
    "error": {
        "type": "FAILED_TYPE_EXECUTION_FAILED",
        "message": "boom",
        "metadata": {"line": 1, "column": 8},
    },
    "brand_new_field": {"x": 1},
}
RESULTS_BODY = {
    "execution_id": EXEC_ID,
    "query_id": 1234,
    "state": "QUERY_STATE_COMPLETED",
    "is_execution_finished": True,
    "result": {
        "rows": [
            {"n": 1, "s": "a", "f": 2.5, "b": True, "z": None},
            {"n": 2, "s": "b", "f": 0.0, "b": False, "z": None},
        ],
        "metadata": {
            "column_names": ["n", "s", "f", "b", "z"],
            "row_count": 2,
            "total_row_count": 4,
            "datapoint_count": 10,
        },
    },
    "next_offset": 2,
    "next_uri": f"http://127.0.0.1/api/v1/execution/{EXEC_ID}/results?limit=2&offset=2",
}


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:
        _Handler.seen.append({"path": self.path, "key": self.headers.get("X-Dune-Api-Key")})
        if self.headers.get("X-Dune-Api-Key") != API_KEY:
            self._send(401, "application/json", json.dumps({"error": "invalid API Key"}).encode())
        elif self.path == f"/api/v1/execution/{EXEC_ID}/status":
            self._send(200, "application/json", json.dumps(STATUS_BODY).encode())
        elif self.path.startswith(f"/api/v1/execution/{EXEC_ID}/results/csv"):
            self._send(200, "text/csv", b"n,s\n1,a\n", {"x-dune-next-offset": "1"})
        elif self.path.startswith(f"/api/v1/execution/{EXEC_ID}/results"):
            self._send(200, "application/json", json.dumps(RESULTS_BODY).encode())
        else:
            self._send(404, "application/json", b'{"error":"Object not found"}')

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Handler.seen.append(
            {
                "path": self.path,
                "key": self.headers.get("X-Dune-Api-Key"),
                "type": self.headers.get("Content-Type"),
                "body": body,
            }
        )
        reply = {
            "name": "dune.me.t",
            "rows_written": body.count(b"\n") - 1,
            "bytes_written": len(body),
        }
        self._send(200, "application/json", json.dumps(reply).encode())

    def _send(
        self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _client(base_url: str, key: str = API_KEY) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=base_url, token=key, prefix="", auth_header_name="X-Dune-Api-Key", timeout=None
    )


def test_status_end_to_end_sends_key_header(base_url: str) -> None:
    _Handler.seen.clear()
    with _client(base_url) as client:
        response = get_execution_status.sync_detailed(EXEC_ID, client=client)
    assert response.status_code == 200
    status = response.parsed
    assert isinstance(status, GetExecutionStatusResponse)
    assert status.state == "QUERY_STATE_FAILED"
    assert status.query_id == 1234
    assert status.error.metadata.line == 1 and status.error.metadata.column == 8  # type: ignore[union-attr]
    assert status["brand_new_field"] == {"x": 1}
    assert _Handler.seen == [{"path": f"/api/v1/execution/{EXEC_ID}/status", "key": API_KEY}]


def test_results_with_scalar_cells_parse(base_url: str) -> None:
    with _client(base_url) as client:
        page = get_execution_results.sync(
            EXEC_ID, client=client, limit=2, allow_partial_results=True
        )
    assert isinstance(page, ReadExecutionResultResponse)
    assert page.result.rows == RESULTS_BODY["result"]["rows"]  # type: ignore[union-attr,index]
    assert page.result.metadata.datapoint_count == 10  # type: ignore[union-attr]
    assert page.next_offset == 2
    assert (
        "limit=2" in _Handler.seen[-1]["path"]
        and "allow_partial_results=true" in _Handler.seen[-1]["path"]
    )


def test_csv_page_and_error_body(base_url: str) -> None:
    with _client(base_url) as client:
        csv = get_execution_results_csv.sync_detailed(EXEC_ID, client=client)
    assert csv.parsed == "n,s\n1,a\n"
    assert csv.headers["x-dune-next-offset"] == "1"
    with _client(base_url, key="wrong") as client:
        denied = get_execution_status.sync_detailed(EXEC_ID, client=client)
    assert denied.status_code == 401
    assert isinstance(denied.parsed, Error) and denied.parsed.error == "invalid API Key"


def test_insert_sends_raw_csv_body(base_url: str) -> None:
    data = b"a,b\n1,x\n2,y\n"
    with _client(base_url) as client:
        reply = insert_upload_rows.sync(
            "me", "t", client=client, body=File(payload=io.BytesIO(data))
        )
    assert isinstance(reply, InsertRowsResponse) and reply.rows_written == 2
    assert _Handler.seen[-1] == {
        "path": "/api/v1/uploads/me/t/insert",
        "key": API_KEY,
        "type": "text/csv",
        "body": data,
    }


def test_generated_package_passes_plain_mypy() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
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
