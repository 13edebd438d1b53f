"""Smoke test of scripts/bench.py --quick: it runs end to end and every checksum matches.

No timing is asserted: the numbers depend on the machine and its load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "scripts" / "bench.py"


@pytest.mark.timeout(180)
def test_bench_quick_runs_and_checksums_match(tmp_path: Path) -> None:
    raw_path = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(raw_path)],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:] + proc.stdout[-2000:]
    out = proc.stdout
    for header in ("scenario", "wall s", "peak RSS MB", "growth MB", "xDC wall", "xfloor wall"):
        assert header in out
    for header in ("client", "pin s", "delay median s", "status calls median"):
        assert header in out
    for scenario in ("floor httpx+orjson", "duneq .rows", "duneq iter_rows", "duneq csv->file"):
        assert scenario in out
    assert "dune-client rows" in out and "dune-client csv->file" in out
    assert "checksums: all clients matched the expected checksum" in out
    assert "emulator CPU serving" in out
    assert "MISMATCH" not in out

    raw = json.loads(raw_path.read_text())
    checksums = {json.dumps(run["checksum"]) for s in raw["fetch"] for run in s["runs"]}
    assert len(checksums) == 1
    assert {p["scenario"] for p in raw["polling"]} == {"poll_duneq", "poll_dune_client"}
    for poll in raw["polling"]:
        assert all(calls >= 1 for calls in poll["status_calls"])
