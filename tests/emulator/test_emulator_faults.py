"""Fault injection, counters and rate limits on the emulator."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest
from dune_emulator import EmulatorControlError, EmulatorHandle
from dune_emulator.testing import wait_terminal

STATUS = "GET /api/v1/execution/{execution_id}/status"
EXECUTE = "POST /api/v1/sql/execute"


def _run(api: httpx.Client) -> str:
    eid: str = api.post("/sql/execute", json={"sql": "select 1 as x"}).json()["execution_id"]
    wait_terminal(api, eid)
    return eid


def test_status_fault_with_retry_after(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    eid = _run(emu_api)
    dune_emulator.control.add_fault(STATUS, count=2, status=503, retry_after=1)
    for _ in range(2):
        r = emu_api.get(f"/execution/{eid}/status")
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json() == {"error": "Service Unavailable"}
    assert emu_api.get(f"/execution/{eid}/status").status_code == 200
    counters = dune_emulator.control.counters()
    assert counters["requests"][STATUS] >= 3 and counters["executions_started"] == 1


def test_status_fault_on_execute_starts_nothing_unless_after_handler(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.add_fault(EXECUTE, status=500, body={"error": "custom"})
    r = emu_api.post("/sql/execute", json={"sql": "select 1"})
    assert r.status_code == 500 and r.json() == {"error": "custom"}
    assert dune_emulator.control.counters()["executions_started"] == 0
    dune_emulator.control.add_fault(EXECUTE, status=502, after_handler=True)
    assert emu_api.post("/sql/execute", json={"sql": "select 1"}).status_code == 502
    assert dune_emulator.control.counters()["executions_started"] == 1


def test_drop_truncate_delay(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    eid = _run(emu_api)
    dune_emulator.control.add_fault(STATUS, kind="drop")
    with pytest.raises(httpx.TransportError):
        emu_api.get(f"/execution/{eid}/status")
    dune_emulator.control.add_fault(STATUS, kind="truncate")
    r = emu_api.get(f"/execution/{eid}/status")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    dune_emulator.control.add_fault(STATUS, kind="delay", delay_seconds=0.2)
    assert emu_api.get(f"/execution/{eid}/status").json()["execution_id"] == eid
    assert dune_emulator.control.faults() == []


def test_bad_fault_spec_is_rejected(dune_emulator: EmulatorHandle) -> None:
    with pytest.raises(EmulatorControlError, match="unknown route"):
        dune_emulator.control.add_fault("GET /api/v1/nope")
    with pytest.raises(EmulatorControlError, match="kind"):
        dune_emulator.control.add_fault(STATUS, kind="explode")
    with pytest.raises(EmulatorControlError, match="unknown setting"):
        dune_emulator.control.configure(warp_speed=9)


def test_rate_limits(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(rate_limit_low_rpm=2, rate_limit_high_rpm=3)
    assert [emu_api.post("/query/2/execute").status_code for _ in range(3)] == [200, 200, 429]
    r = emu_api.post("/query/2/execute")
    assert r.json() == {"error": "Too many requests"} and int(r.headers["retry-after"]) >= 1
    codes = [emu_api.get("/query/2").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    dune_emulator.control.advance_clock(61)
    assert emu_api.post("/query/2/execute").status_code == 200


def test_rate_limit_headers_on_every_authenticated_response(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    """Dune's documented RateLimit/RateLimit-Policy fields, per bucket, counting down."""
    first = emu_api.get("/query/2")
    assert first.headers["ratelimit-policy"] == '"read";q=1000000;w=60'  # unlimited: still sent
    assert first.headers["ratelimit"] == '"read";r=999999;t=60'
    dune_emulator.control.configure(rate_limit_plan="free")  # 15 writes, 40 reads a minute
    dune_emulator.control.advance_clock(61)
    reads = [emu_api.get("/query/2") for _ in range(41)]
    assert [r.status_code for r in reads] == [200] * 40 + [429]
    assert reads[0].headers["ratelimit-policy"] == '"read";q=40;w=60'
    assert [r.headers["ratelimit"] for r in reads[:3]] == [
        f'"read";r={n};t=60' for n in (39, 38, 37)
    ]
    assert reads[-1].headers["ratelimit"] == '"read";r=0;t=60'
    assert reads[-1].headers["retry-after"] == "60"
    write = emu_api.post("/query/2/execute")
    assert write.status_code == 200  # the buckets are counted apart
    assert write.headers["ratelimit"] == '"write";r=14;t=60'
    dune_emulator.control.advance_clock(30)
    assert emu_api.get("/query/2").headers["ratelimit"] == '"read";r=0;t=30'
    dune_emulator.control.advance_clock(30)
    assert emu_api.get("/query/2").headers["ratelimit"] == '"read";r=39;t=60'
    unauthenticated = httpx.get(f"{dune_emulator.base_url}/api/v1/query/2")
    assert unauthenticated.status_code == 401 and "ratelimit" not in unauthenticated.headers
    with pytest.raises(EmulatorControlError, match="rate_limit_plan"):
        dune_emulator.control.configure(rate_limit_plan="gold")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_drop_sends_nothing_and_the_server_logs_no_error(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    eid = _run(emu_api)
    records = _Records()
    logging.getLogger("uvicorn.error").addHandler(records)
    try:
        dune_emulator.control.add_fault(STATUS, kind="drop")
        host, port = dune_emulator.base_url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            request = (
                f"GET /api/v1/execution/{eid}/status HTTP/1.1\r\nHost: x\r\n"
                f"X-Dune-Api-Key: {dune_emulator.api_key}\r\n\r\n"
            )
            sock.sendall(request.encode())
            try:
                received = sock.recv(65536)
            except ConnectionResetError:
                received = b""
        assert received == b""  # closed (reset) with no response at all
        assert emu_api.get(f"/execution/{eid}/status").status_code == 200  # others unharmed
    finally:
        logging.getLogger("uvicorn.error").removeHandler(records)
    assert records.messages == []


def test_deprecated_routes_send_deprecation_headers(
    emu_api: httpx.Client, dune_emulator: EmulatorHandle
) -> None:
    dune_emulator.control.configure(deprecated_routes=["GET /api/v1/query/{query_id}"])
    old = emu_api.get("/query/2")
    assert old.headers["deprecation"].startswith("@") and "2027" in old.headers["sunset"]
    assert 'rel="deprecation"' in old.headers["link"]
    assert "deprecation" not in emu_api.get("/query/2/results", params={"limit": 1}).headers
    with pytest.raises(EmulatorControlError, match="deprecated_routes"):
        dune_emulator.control.configure(deprecated_routes="GET /x")
