"""Starting and stopping the emulator, auth, the CLI and data-dir persistence."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from dune_emulator import EmulatorConfig, EmulatorHandle, RuntimeSettings, run_emulator
from dune_emulator.testing import wait_terminal


def test_auth_header_query_param_and_401_first(dune_emulator: EmulatorHandle) -> None:
    base = f"{dune_emulator.base_url}/api/v1"
    ok = httpx.get(f"{base}/query/1", headers={"x-dune-api-key": dune_emulator.api_key})
    assert ok.status_code == 200
    assert (
        httpx.get(f"{base}/query/1", params={"api_key": dune_emulator.api_key}).status_code == 200
    )
    for headers in ({}, {"X-Dune-Api-Key": "wrong"}):
        r = httpx.get(f"{base}/execution/Wonky Job ID/status", headers=headers)
        assert r.status_code == 401 and r.json() == {"error": "invalid API Key"}
    r = httpx.get(
        f"{base}/execution/Wonky Job ID/status", headers={"X-Dune-Api-Key": dune_emulator.api_key}
    )
    assert r.json() == {"error": "The requested execution ID (ID: Wonky Job ID) is invalid."}
    assert httpx.get(f"{dune_emulator.base_url}/_emulator/health").json() == {"ok": True}


def test_context_manager_leaves_nothing_running() -> None:
    before = {t.name for t in threading.enumerate()}
    with run_emulator(EmulatorConfig(api_keys=("a", "b"))) as emu:
        port = int(emu.base_url.rsplit(":", 1)[1])
        assert (
            httpx.get(f"{emu.base_url}/api/v1/query/1", headers={"X-Dune-Api-Key": "b"}).status_code
            == 200
        )
    assert "dune-emulator" not in {t.name for t in threading.enumerate()} - before
    with socket.socket() as s, pytest.raises(OSError):
        s.connect(("127.0.0.1", port))


def test_bad_config_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="api_keys"):
        EmulatorConfig(api_keys=())
    with pytest.raises(ValueError, match="datapoint_cap"):
        EmulatorConfig(settings=RuntimeSettings(datapoint_cap=0))
    with pytest.raises(ValueError, match="owner_handle"):
        EmulatorConfig(owner_handle="Not OK")


def test_data_dir_survives_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(api_keys=("k",), data_dir=tmp_path)
    with (
        run_emulator(config) as emu,
        httpx.Client(base_url=f"{emu.base_url}/api/v1", headers={"X-Dune-Api-Key": "k"}) as api,
    ):
        qid = api.post("/query", json={"name": "kept", "query_sql": "select 42 as answer"}).json()[
            "query_id"
        ]
        eid = api.post(f"/query/{qid}/execute").json()["execution_id"]
        assert wait_terminal(api, eid)["state"] == "QUERY_STATE_COMPLETED"
        emu.state.db.cursor().execute("create table main.kept_table as select 7 as seven")
    with (
        run_emulator(config) as emu,
        httpx.Client(base_url=f"{emu.base_url}/api/v1", headers={"X-Dune-Api-Key": "k"}) as api,
    ):
        assert api.get(f"/query/{qid}").json()["name"] == "kept"
        assert api.get(f"/execution/{eid}/results").json()["result"]["rows"] == [{"answer": 42}]
        assert api.get(f"/query/{qid}/results").json()["execution_id"] == eid
        eid2 = api.post("/sql/execute", json={"sql": "select seven from main.kept_table"}).json()[
            "execution_id"
        ]
        assert wait_terminal(api, eid2)["state"] == "QUERY_STATE_COMPLETED"


def test_cli_serves_and_prints_base_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dune_emulator", "--port", "0", "--api-key", "cli-key"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        base = first.split("listening on ", 1)[1].split()[0]
        assert proc.stdout.readline().strip() == f"export DUNE_API_BASE_URL={base}"
        assert proc.stdout.readline().strip() == "export DUNE_API_KEY=cli-key"
        # the seeded ids are said at start, not only found through `duneq queries list`
        assert "1215383 (chain)" in proc.stdout.readline()
        r = httpx.get(f"{base}/api/v1/query/2", headers={"X-Dune-Api-Key": "cli-key"})
        assert r.json()["query_id"] == 2
        r = httpx.get(f"{base}/api/v1/query/1215383", headers={"X-Dune-Api-Key": "cli-key"})
        assert r.json()["parameters"][0]["key"] == "chain"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_listening_socket_is_tcp_so_replies_are_not_held_by_nagle() -> None:
    """asyncio sets TCP_NODELAY on accepted sockets only if the listening socket is IPPROTO_TCP;
    without it every keep-alive response waited ~40 ms for a delayed ACK."""
    from dune_emulator.server import EmulatorServer

    server = EmulatorServer(EmulatorConfig())
    server.start()
    try:
        listening = server._sock
        assert listening is not None and listening.proto == socket.IPPROTO_TCP
    finally:
        server.stop()
