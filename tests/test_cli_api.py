"""``duneq queries|uploads|usage|datasets|endpoint`` as real processes against the emulator:
output, ``-o json`` and exit codes; plus a pipe closed early and an unreachable base URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from dune_emulator import EmulatorHandle

REPO = Path(__file__).resolve().parent.parent


def duneq(
    emu: EmulatorHandle | None, *argv: str, stdin: str | None = None, base_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUNE_API_KEY": emu.api_key if emu else "k"}
    env["DUNE_API_BASE_URL"] = base_url or (emu.base_url if emu else "")
    env.pop("TERM", None)
    return subprocess.run(
        [sys.executable, "-m", "duneq", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def as_json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return orjson.loads(proc.stdout)


def test_queries_commands(dune_emulator: EmulatorHandle) -> None:
    made = duneq(
        dune_emulator,
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
    got = as_json(duneq(dune_emulator, "queries", "get", str(qid), "-o", "json"))
    assert got["query_sql"] == "select 1 as x" and got["name"] == "one"
    assert duneq(dune_emulator, "queries", "update", str(qid), "--name", "two").returncode == 0
    table = duneq(dune_emulator, "queries", "get", str(qid))
    assert "two" in table.stdout and "select 1 as x" in table.stdout
    listed = duneq(dune_emulator, "queries", "list", "--limit", "100")
    assert listed.returncode == 0 and "two" in listed.stdout
    assert duneq(dune_emulator, "queries", "archive", str(qid)).returncode == 0
    assert as_json(duneq(dune_emulator, "queries", "get", str(qid), "-o", "json"))["is_archived"]
    missing = duneq(dune_emulator, "queries", "get", "987654")
    assert missing.returncode == 4 and missing.stderr.startswith("error:")
    assert duneq(dune_emulator, "queries", "update", str(qid)).returncode == 2


def test_uploads_commands(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    csv = tmp_path / "trades.csv"
    csv.write_text("id,amount\n1,2.5\n2,3.5\n")
    nd = tmp_path / "more.ndjson"
    nd.write_text('{"id": 3, "amount": 1}\n')
    parquet = tmp_path / "more.parquet"
    pq.write_table(pa.table({"id": [4, 5], "amount": [1.0, 2.0]}), parquet)
    created = duneq(
        dune_emulator,
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
        done = duneq(dune_emulator, "uploads", "insert", str(path), "--table", "emulator.trades")
        assert done.returncode == 0, done.stderr
        assert f"inserted {rows}" in done.stderr + " "
    back = duneq(
        dune_emulator, "sql", "select count(*) as n from dune.emulator.trades", "-o", "json"
    )
    assert as_json(back) == [{"n": 5}]
    listed = as_json(duneq(dune_emulator, "uploads", "list", "-o", "json"))
    assert "dune.emulator.trades" in [t["full_name"] for t in listed]
    up = duneq(dune_emulator, "uploads", "upload", str(csv), "--table", "prices", "-o", "json")
    assert as_json(up)["full_name"].endswith("prices")
    assert duneq(dune_emulator, "uploads", "clear", "--table", "emulator.trades").returncode == 0
    assert duneq(dune_emulator, "uploads", "delete", "--table", "emulator.trades").returncode == 0
    gone = duneq(dune_emulator, "uploads", "delete", "--table", "emulator.trades")
    assert gone.returncode == 4
    assert duneq(dune_emulator, "uploads", "insert", "x.csv", "--table", "nodot").returncode == 2


def test_usage_and_datasets_commands(dune_emulator: EmulatorHandle) -> None:
    usage = as_json(duneq(dune_emulator, "usage", "-o", "json"))
    assert usage["billing_periods"][0]["credits_included"] == 2500.0
    table = duneq(dune_emulator, "usage")
    assert table.returncode == 0 and "credits_used" in table.stdout and "storage:" in table.stdout
    listed = duneq(dune_emulator, "datasets", "list", "--type", "spell")
    assert listed.returncode == 0 and "dex.trades" in listed.stdout
    got = as_json(duneq(dune_emulator, "datasets", "get", "dex.trades", "-o", "json"))
    assert "block_time" in [c["name"] for c in got["columns"]]
    assert duneq(dune_emulator, "datasets", "get", "no.such").returncode == 4


def test_endpoint_command(dune_emulator: EmulatorHandle) -> None:
    assert duneq(dune_emulator, "run", "2", "--param", "n=4", "-q").returncode == 0
    httpx.post(
        f"{dune_emulator.base_url}/_emulator/endpoints",
        json={"handle": "acme", "slug": "four", "query_id": 2, "parameters": {"n": 4}},
    ).raise_for_status()
    proc = duneq(dune_emulator, "endpoint", "acme", "four", "-o", "json", "--limit", "3")
    assert as_json(proc) == [{"number": 0}, {"number": 1}, {"number": 2}]
    assert duneq(dune_emulator, "endpoint", "acme", "nope").returncode == 4


def test_pipe_closed_early_exits_quietly(dune_emulator: EmulatorHandle) -> None:
    env = {
        **os.environ,
        "DUNE_API_KEY": dune_emulator.api_key,
        "DUNE_API_BASE_URL": dune_emulator.base_url,
    }
    for fmt in ("csv", "json", "jsonl"):
        proc = subprocess.run(
            f"{sys.executable} -m duneq run 2 --param n=200000 -o {fmt} --page-size 1000 -q | head -n 2",
            shell=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=120,
            check=False,
            executable="/bin/bash",
        )
        assert len(proc.stdout.splitlines()) == 2
        assert "BrokenPipe" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
