"""``duneq queries|uploads|usage|datasets|endpoint`` in-process against the emulator over real
HTTP (output, ``-o json`` and exit codes), and real ``duneq`` processes whose pipe is closed
early."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq.cli import main
from helpers.cli_seam import give_cli_clients

REPO = Path(__file__).resolve().parents[2]


class Ran(NamedTuple):
    """What one in-process ``duneq`` call returned and printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def duneq(
    dune_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Ran]:
    """``duneq ARGS...`` in-process (key and URL from the environment), its clients waiting on
    the emulator's clock; ``stdin`` is what the command reads as its standard input."""
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())

    def call(*argv: str, stdin: str | None = None) -> Ran:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return call


def as_json(proc: Ran) -> Any:
    assert proc.returncode == 0, proc.stderr
    return orjson.loads(proc.stdout)


def test_queries_commands(duneq: Callable[..., Ran]) -> None:
    made = duneq(
        "queries",
        "create",
        "--name",
        "one",
        "--sql-file",
        "-",
        "-o",
        "json",
        stdin="select 1 as x",
    )
    qid = as_json(made)["query_id"]
    got = as_json(duneq("queries", "get", str(qid), "-o", "json"))
    assert got["query_sql"] == "select 1 as x" and got["name"] == "one"
    assert duneq("queries", "update", str(qid), "--name", "two").returncode == 0
    table = duneq("queries", "get", str(qid))
    assert "two" in table.stdout and "select 1 as x" in table.stdout
    listed = duneq("queries", "list", "--limit", "100")
    assert listed.returncode == 0 and "two" in listed.stdout
    assert duneq("queries", "archive", str(qid)).returncode == 0
    assert as_json(duneq("queries", "get", str(qid), "-o", "json"))["is_archived"]
    missing = duneq("queries", "get", "987654")
    assert missing.returncode == 4 and missing.stderr.startswith("error:")
    assert duneq("queries", "update", str(qid)).returncode == 2


def test_uploads_commands(duneq: Callable[..., Ran], tmp_path: Path) -> None:
    csv = tmp_path / "trades.csv"
    csv.write_text("id,amount\n1,2.5\n2,3.5\n")
    nd = tmp_path / "more.ndjson"
    nd.write_text('{"id": 3, "amount": 1}\n')
    parquet = tmp_path / "more.parquet"
    pq.write_table(pa.table({"id": [4, 5], "amount": [1.0, 2.0]}), parquet)
    created = duneq(
        "uploads",
        "create",
        "--table",
        "emulator.trades",
        "--column",
        "id:bigint",
        "--column",
        "amount:double",
    )
    assert created.returncode == 0, created.stderr
    assert "dune.emulator.trades" in created.stdout
    for path, rows in ((csv, "2 rows"), (nd, "1 row "), (parquet, "2 rows")):
        done = duneq("uploads", "insert", str(path), "--table", "emulator.trades")
        assert done.returncode == 0, done.stderr
        assert f"inserted {rows}" in done.stderr + " "
    back = duneq("sql", "select count(*) as n from dune.emulator.trades", "-o", "json")
    assert as_json(back) == [{"n": 5}]
    listed = as_json(duneq("uploads", "list", "-o", "json"))
    assert "dune.emulator.trades" in [t["full_name"] for t in listed]
    up = duneq("uploads", "upload", str(csv), "--table", "prices", "-o", "json")
    assert as_json(up)["full_name"].endswith("prices")
    assert duneq("uploads", "clear", "--table", "emulator.trades").returncode == 0
    assert duneq("uploads", "delete", "--table", "emulator.trades").returncode == 0
    gone = duneq("uploads", "delete", "--table", "emulator.trades")
    assert gone.returncode == 4
    assert duneq("uploads", "insert", "x.csv", "--table", "nodot").returncode == 2


def test_usage_and_datasets_commands(duneq: Callable[..., Ran]) -> None:
    usage = as_json(duneq("usage", "-o", "json"))
    assert usage["billing_periods"][0]["credits_included"] == 2500.0
    table = duneq("usage")
    assert table.returncode == 0 and "credits_used" in table.stdout and "storage:" in table.stdout
    listed = duneq("datasets", "list", "--type", "spell")
    assert listed.returncode == 0 and "dex.trades" in listed.stdout
    got = as_json(duneq("datasets", "get", "dex.trades", "-o", "json"))
    assert "block_time" in [c["name"] for c in got["columns"]]
    assert duneq("datasets", "get", "no.such").returncode == 4


def test_endpoint_command(duneq: Callable[..., Ran], dune_emulator: EmulatorHandle) -> None:
    assert duneq("run", "2", "--param", "n=4", "-q").returncode == 0
    httpx.post(
        f"{dune_emulator.base_url}/_emulator/endpoints",
        json={"handle": "acme", "slug": "four", "query_id": 2, "parameters": {"n": 4}},
    ).raise_for_status()
    proc = duneq("endpoint", "acme", "four", "-o", "json", "--limit", "3")
    assert as_json(proc) == [{"number": 0}, {"number": 1}, {"number": 2}]
    assert duneq("endpoint", "acme", "nope").returncode == 4


def test_pipe_closed_early_exits_quietly(dune_emulator: EmulatorHandle) -> None:
    """Real processes writing into a real pipe that ``head`` closes; the three formats run at
    once, as nothing ties one to another."""
    env = {
        **os.environ,
        "DUNE_API_KEY": dune_emulator.api_key,
        "DUNE_API_BASE_URL": dune_emulator.base_url,
    }
    running = [
        subprocess.Popen(
            f"{sys.executable} -m duneq run 2 --param n=200000 -o {fmt} --page-size 1000 -q | head -n 2",
            shell=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
            executable="/bin/bash",
        )
        for fmt in ("csv", "json", "jsonl")
    ]
    for proc in running:
        stdout, stderr = proc.communicate(timeout=120)
        assert len(stdout.splitlines()) == 2
        assert "BrokenPipe" not in stderr and "Traceback" not in stderr, stderr
