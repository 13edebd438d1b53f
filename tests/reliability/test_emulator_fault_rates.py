"""The emulator's fault rates (seeded, per route pattern) and its reset and trickle kinds."""

from __future__ import annotations

import httpx
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.control_client import EmulatorControlError

ROUTE = "GET /api/v1/execution/{execution_id}/status"
EID = "01HKZJ2683PHF9Q9PHHQ8FW4Q1"


def statuses(emu: EmulatorHandle, n: int) -> list[int]:
    with httpx.Client(base_url=emu.base_url, headers={"X-Dune-Api-Key": emu.api_key}) as h:
        return [h.get(f"/api/v1/execution/{EID}/status").status_code for _ in range(n)]


def test_a_seeded_rate_repeats(dune_emulator: EmulatorHandle) -> None:
    control = dune_emulator.control
    runs = []
    for _ in range(2):
        control.reset()
        control.add_fault_rate(0.5, [{"kind": "status", "status": 503}], route=ROUTE, seed=42)
        runs.append(statuses(dune_emulator, 40))
    assert runs[0] == runs[1]
    assert 5 < runs[0].count(503) < 35  # about half, the rest reach the handler (404)
    assert control.counters()["faults_injected"] == {"status": runs[0].count(503)}
    control.clear_fault_rates()
    assert 503 not in statuses(dune_emulator, 5)


def test_reset_breaks_off_the_body_and_trickle_delivers_it_slowly(
    dune_emulator: EmulatorHandle,
) -> None:
    control = dune_emulator.control
    with httpx.Client(base_url=dune_emulator.base_url, headers={"X-Dune-Api-Key": "test-key"}) as h:
        control.add_fault("GET /api/v1/datasets", kind="reset")
        with pytest.raises(httpx.TransportError):
            h.get("/api/v1/datasets")
        control.add_fault("GET /api/v1/datasets", kind="trickle", delay_seconds=0.2)
        slow = h.get("/api/v1/datasets")
        assert slow.status_code == 200 and slow.json()


def test_bad_rules_are_refused(dune_emulator: EmulatorHandle) -> None:
    control = dune_emulator.control
    with pytest.raises(EmulatorControlError, match="rate"):
        control.add_fault_rate(1.5, [{"kind": "drop"}])
    with pytest.raises(EmulatorControlError, match="matches no"):
        control.add_fault_rate(0.1, [{"kind": "drop"}], route="GET /nowhere")
    with pytest.raises(EmulatorControlError, match="kind"):
        control.add_fault_rate(0.1, [{"kind": "explode"}])
