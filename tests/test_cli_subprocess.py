"""``python -m duneq`` as a real process: exit codes, non-TTY output, and ``duneq emulator``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dune_emulator import EmulatorHandle
from duneq.cli import main

REPO = Path(__file__).resolve().parent.parent


def duneq_process(
    emu: EmulatorHandle, *argv: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUNE_API_KEY": emu.api_key, "DUNE_API_BASE_URL": emu.base_url}
    env.pop("TERM", None)
    return subprocess.run(
        [sys.executable, "-m", "duneq", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_piped_output_is_plain_text_with_progress_and_cost(dune_emulator: EmulatorHandle) -> None:
    # Each state lasts well beyond the first poll interval (0.25 s +/- jitter), so every one is seen.
    dune_emulator.control.pin_next_executions(1, pending_seconds=1.0, executing_seconds=1.0)
    proc = duneq_process(dune_emulator, "run", "2", "--param", "n=3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[2:] == ["0", "1", "2"]
    assert "\x1b" not in proc.stdout + proc.stderr
    states = re.findall(
        r"^[0-9A-Z]{26} (QUERY_STATE_\w+) elapsed=[\d.]+s polls=\d+$", proc.stderr, re.M
    )
    assert states == ["QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING", "QUERY_STATE_COMPLETED"]
    assert re.search(r"^cost: .* credits, 3 datapoints, 3 rows, [\d.]+s$", proc.stderr, re.M)
    assert dune_emulator.api_key not in proc.stdout + proc.stderr


def test_real_exit_codes(dune_emulator: EmulatorHandle) -> None:
    not_found = duneq_process(dune_emulator, "run", "987654")
    assert not_found.returncode == 4
    assert not_found.stderr.startswith("error:") and "Traceback" not in not_found.stderr
    failed = duneq_process(dune_emulator, "sql", "-", stdin="select nope from nowhere")
    assert failed.returncode == 5
    assert "[execution_id=" in failed.stderr
    usage = duneq_process(dune_emulator, "run")
    assert usage.returncode == 2


def test_emulator_command_serves_until_interrupted(capsys: pytest.CaptureFixture[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "duneq", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("export DUNE_API_KEY="):
                break
        text = "\n".join(lines)
        base_url = re.search(r"^export DUNE_API_BASE_URL=(\S+)$", text, re.M)
        key = re.search(r"^export DUNE_API_KEY=(\S+)$", text, re.M)
        assert base_url and key, text
        code = main(
            ["sql", "select 7 as n", "-o", "csv", "--base-url", base_url[1], "--api-key", key[1]]
        )
        assert code == 0
        assert capsys.readouterr().out == "n\n7\n"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
