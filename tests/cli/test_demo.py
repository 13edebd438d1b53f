"""``duneq demo`` runs every step against its own embedded emulator, exits 0, leaves nothing running."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from duneq.cli import main


def test_demo_runs_every_step_and_stops_its_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    threads_before = {t.ident for t in threading.enumerate()}
    code = main(["demo"])
    out, err = capsys.readouterr()
    assert code == 0, err
    for number in range(1, 7):
        assert re.search(rf"^== {number}\. ", out, re.M)
    assert "Every step behaved as expected." in out
    # visible progress of the pinned saved query, and the cost lines
    assert re.search(r"QUERY_STATE_PENDING elapsed=", err)
    assert re.search(r"QUERY_STATE_EXECUTING elapsed=", err)
    assert "cost: " in err
    # the expected failures, each with its one-line explanation
    assert "--partial warn or --partial allow" in err
    assert "--ignore-datapoint-limit" in err
    # the paged file and the file written after lifting the datapoint cap
    written = re.findall(r"^  wrote (\S+) \(([\d,]+) rows\)$", out, re.M)
    assert len(written) == 2
    for path, rows in written:
        assert rows == "1,000"
        assert len(Path(path).read_text(encoding="utf-8").splitlines()) == 1001
    assert re.search(r"fetched in 4 pages of 250", out)
    # the pipeline: its plan, then one final line per node, refresh first
    assert "  node 1: refresh dune.emulator.result_demo_chain_volume [medium]" in out
    assert re.search(r"^  node 2: query \d+ after node 1 \[medium\]$", out, re.M)
    assert re.search(
        r"^node 1 refresh dune\.emulator\.result_demo_chain_volume: QUERY_STATE_COMPLETED ",
        out,
        re.M,
    )
    assert re.search(r"^node 2 query \d+: QUERY_STATE_COMPLETED ", out, re.M)
    assert re.search(r"^cost: 20 credits, 2/2 nodes completed", err, re.M)
    leftover = [t for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert not [t for t in leftover if not t.daemon or t.name == "dune-emulator"], leftover
