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

REPO = Path(__file__).resolve().parents[2]


def env_for(emu: EmulatorHandle) -> dict[str, str]:
    """The environment of a real ``duneq`` process: the emulator's key and URL, no TERM."""
    env = {**os.environ, "DUNE_API_KEY": emu.api_key, "DUNE_API_BASE_URL": emu.base_url}
    env.pop("TERM", None)
    return env


def start_duneq(emu: EmulatorHandle, *argv: str) -> subprocess.Popen[str]:
    """``python -m duneq ARGV`` started (stdin, stdout and stderr piped), not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", "duneq", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(emu),
        cwd=REPO,
    )


def finish(proc: subprocess.Popen[str], stdin: str | None = None) -> tuple[int, str, str]:
    """Feed ``stdin``, wait; returns the process's (exit code, stdout, stderr)."""
    out, err = proc.communicate(stdin, timeout=60)
    return proc.returncode, out, err


def test_piped_output_is_plain_text_with_progress_and_cost(dune_emulator: EmulatorHandle) -> None:
    # Each state lasts a minute on the emulator's clock, which moves on only once the process
    # has printed the state: every one is seen, however slowly the polls come.
    dune_emulator.control.pin_next_executions(1, pending_seconds=60, executing_seconds=60)
    proc = start_duneq(dune_emulator, "run", "2", "--param", "n=3")
    try:
        assert proc.stderr is not None
        printed = []
        for line in proc.stderr:
            printed.append(line)
            if "QUERY_STATE_PENDING" in line or "QUERY_STATE_EXECUTING" in line:
                dune_emulator.control.advance_clock(60)
            if "QUERY_STATE_COMPLETED" in line:
                break
        code, out, rest = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = "".join(printed) + rest
    assert code == 0, err
    assert out.splitlines()[2:] == ["0", "1", "2"]
    assert "\x1b" not in out + err
    states = re.findall(r"^[0-9A-Z]{26} (QUERY_STATE_\w+) elapsed=[\d.]+s polls=\d+$", err, re.M)
    assert states == ["QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING", "QUERY_STATE_COMPLETED"]
    assert re.search(r"^cost: .* credits, 3 datapoints, 3 rows, [\d.]+s \(new run\)$", err, re.M)
    assert dune_emulator.api_key not in out + err


def test_real_exit_codes(dune_emulator: EmulatorHandle) -> None:
    # three independent processes, started at once; each exit code comes from the OS
    not_found = start_duneq(dune_emulator, "run", "987654")
    failed = start_duneq(dune_emulator, "sql", "-")
    usage = start_duneq(dune_emulator, "run")
    code, _, err = finish(not_found)
    assert code == 4
    assert err.startswith("error:") and "Traceback" not in err
    code, _, err = finish(failed, stdin="select nope from nowhere")
    assert code == 5
    assert "[execution_id=" in err
    assert finish(usage)[0] == 2


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


@pytest.mark.parametrize("command", ["emulator", "demo"])
def test_without_the_emulator_extra_the_cli_names_the_install(command: str) -> None:
    """An install without the `emulator` extra (uvicorn absent) gets the pip line, exit 2."""
    script = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from duneq.cli import main\n"
        f"sys.exit(main([{command!r}]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.returncode == 2, proc.stderr
    assert "missing: uvicorn" in proc.stderr and "pip install 'duneq[emulator]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_importing_the_emulator_without_its_extra_says_what_to_install() -> None:
    script = "import sys; sys.modules['uvicorn'] = None; import dune_emulator"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (
        "ModuleNotFoundError: dune_emulator needs the emulator extra (missing: uvicorn): "
        "pip install 'duneq[emulator]' (or 'duneq[all]' for everything the README shows)"
    )
