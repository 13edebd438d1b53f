"""Benchmark duneq against dune-client 1.12.2 and a raw httpx + orjson floor (issue #4).

Usage:
    uv run python scripts/bench.py [--sizes 1000000,100000,10000] [--repeat 3]
                                   [--pins 2,60] [--poll-threads 9] [--json PATH] [--quick]
    uv run python scripts/bench.py --dataset   # to_dataset and to_parquet memory at 5M rows

Starts the emulator in a subprocess, creates one saved query per size (rows x 8 mixed columns),
runs it once, then measures every client fetching that same completed result, each in a fresh
subprocess (scripts/_bench_child.py): wall time of the fetch, peak RSS, RSS growth over the
post-import baseline, and the emulator's CPU time while serving. Every client computes the same
checksum (row count, sum of ids, CRC-32 of the addresses); they must all equal the value expected
from the SQL, else the run fails. Then executions are pinned to each --pins duration and duneq's
and dune-client's `run_query` are timed: delay from execution end to result in hand, and status
calls. Prints tables; exits 0 even when a target is missed (MISSED is printed), 1 when a
measurement is broken (checksum mismatch, child failure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CHILD = Path(__file__).resolve().with_name("_bench_child.py")
RESULT_PREFIX = "BENCH_RESULT "
API_KEY = "bench-key"
PAGE_SIZE = 32_000
PYCACHE_PREFIX = os.path.join(tempfile.gettempdir(), "duneq-bench-pycache")
STATUS_ROUTE = "GET /api/v1/execution/{execution_id}/status"

# Rows x 9 mixed columns, rendered Dune-style by the emulator: bigint, double, varchar,
# varbinary (20-byte address), uint256, timestamp(3) with time zone, boolean, date, decimal.
BENCH_SQL = """select i as id,
  cast(((i * 7919) % 100000) / 10.0 + 0.25 as double) as amount_usd,
  array['WETH', 'USDC', 'USDT', 'DAI', 'WBTC', 'PEPE'][(i % 6) + 1] as symbol,
  from_hex(substr(to_hex(sha256(to_utf8('a' || cast(i as varchar)))), 1, 40)) as address,
  cast(cast((i * 104729) % 1000003 + 1 as varchar) || '000000000000000000000' as uint256)
    as amount_raw,
  from_unixtime(1704067200 + i) as block_time,
  i % 3 = 0 as is_buy,
  date_add('day', i % 365, DATE '2024-01-01') as block_date,
  cast((i % 1000003) * 0.25 as decimal(18,2)) as fee
from range({rows}) r(i)
order by i"""
POLL_SQL = "select 42 as answer"

SCENARIOS: dict[str, str] = {
    "floor": "floor httpx+orjson",
    "duneq_rows": "duneq .rows",
    "duneq_iter": "duneq iter_rows",
    "duneq_csv": "duneq csv->file",
    "duneq_cache_rows": "duneq cache hit .rows",
    "duneq_cache_arrow": "duneq cache to_arrow",
    "dune_client_rows": "dune-client rows",
    "dune_client_csv": "dune-client csv->file",
    "duneq_arrow": "duneq to_arrow",
    "duneq_pandas": "duneq to_pandas",
    "duneq_polars": "duneq to_polars",
    "duneq_parquet": "duneq to_parquet",
    "dune_client_df": "dune-client dataframe",
    "duneq_dataset": "duneq to_dataset",
}
#: Scenarios run only when asked for (``--dataset``), so that they never slow the default run.
OPT_IN = ("duneq_dataset",)
#: ``--dataset``: the memory rows of issues 27 and 22 at DATASET_ROWS rows.
DATASET_SCENARIOS = ("duneq_dataset", "duneq_parquet")
#: dune-client has no parquet (or dataset) path: these rows show absolute numbers, no ratio.
NO_DC_RATIO = ("duneq_parquet", "duneq_dataset")
# duneq scenario -> the dune-client scenario it is compared with
DC_BASELINE = {
    "floor": "dune_client_rows",
    "duneq_rows": "dune_client_rows",
    "duneq_iter": "dune_client_rows",
    "duneq_csv": "dune_client_csv",
    "duneq_cache_rows": "dune_client_rows",
    "duneq_cache_arrow": "dune_client_df",
    "dune_client_rows": "dune_client_rows",
    "dune_client_csv": "dune_client_csv",
    "duneq_arrow": "dune_client_df",
    "duneq_pandas": "dune_client_df",
    "duneq_polars": "dune_client_df",
    "duneq_parquet": "dune_client_df",
    "dune_client_df": "dune_client_df",
    "duneq_dataset": "dune_client_df",
}
#: Typed scenarios (issue 17) have their own targets against dune-client's DataFrame path:
#: (max wall x DC, max peak RSS x DC); None where the issue sets none.
TYPED_TARGETS: dict[str, tuple[float | None, float | None]] = {
    "duneq_arrow": (0.6, None),
    "duneq_pandas": (0.8, 0.8),
    "duneq_polars": (0.7, None),
    "duneq_parquet": (None, None),
    "duneq_dataset": (None, None),
}
#: Whole processes, imports included (set-up + fetch): to_arrow against the DataFrame process.
PROCESS_TARGETS: dict[str, float] = {"duneq_arrow": 0.6}
TARGET_PARQUET_GROWTH_MB = 150.0
#: to_dataset streams a result into a partitioned parquet dataset (issue 27, at 5M rows).
TARGET_DATASET_GROWTH_MB = 200.0
DATASET_ROWS = 5_000_000
#: A cache hit against the same read from the emulator: issue 14 sets 10x for to_arrow()
#: (checked at the largest size, duneq_cache_arrow vs duneq_arrow); the .rows hit is reported.
CACHE_SPEEDUP_TARGET = 10.0
CACHE_SCENARIOS = ("duneq_cache_rows", "duneq_cache_arrow")
TARGET_WALL_DC = 0.5
#: Issue 22's wall targets against dune-client for the untyped paths (others: TARGET_WALL_DC).
WALL_DC_TARGETS = {"duneq_rows": 0.3, "duneq_csv": 0.6}
TARGET_WALL_FLOOR = 1.3
TARGET_RSS_DC = 0.5
TARGET_STREAM_GROWTH_MB = 100.0
#: Scenarios that promise flat memory whatever the row count.
STREAMING_SCENARIOS = ("duneq_iter", "duneq_csv")
TARGET_DELAY = {2.0: 0.5, 60.0: 3.0}  # pin seconds -> max median delay
TARGET_STATUS_CALLS = {60.0: 25}  # pin seconds -> max status calls


class BenchError(RuntimeError):
    """A measurement could not be trusted (child failure, checksum mismatch)."""


def expected_checksum(rows: int) -> dict[str, Any]:
    """The checksum every client must report for BENCH_SQL with `rows` rows."""
    crc = 0
    chunk: list[str] = []
    for i in range(rows):
        chunk.append("0x" + hashlib.sha256(f"a{i}".encode()).hexdigest()[:40] + "\n")
        if len(chunk) >= 50_000:
            crc = zlib.crc32("".join(chunk).encode(), crc)
            chunk = []
    crc = zlib.crc32("".join(chunk).encode(), crc)
    return {"rows": rows, "id_sum": rows * (rows - 1) // 2, "crc": f"{crc:08x}"}


# -- the emulator subprocess ---------------------------------------------------------------------


@dataclass
class Emulator:
    proc: subprocess.Popen[str]
    base_url: str
    log: IO[str]

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def start_emulator() -> Emulator:
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by Emulator.stop)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dune_emulator", "--port", "0", "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=child_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        proc.kill()
        log.seek(0)
        raise BenchError(f"the emulator did not start: {line!r} {log.read()[-2000:]}")
    # The emulator prints a few more lines and then nothing; let them go to the pipe buffer.
    return Emulator(proc, match.group(1), log)


class Api:
    """The few API v1 calls the set-up needs (plain httpx, in the parent only)."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.Client(
            base_url=f"{base_url}/api/v1", headers={"X-Dune-Api-Key": API_KEY}, timeout=600
        )

    def create_query(self, name: str, sql: str) -> int:
        response = self.http.post("/query", json={"name": name, "query_sql": sql})
        response.raise_for_status()
        return int(response.json()["query_id"])

    def execute(self, query_id: int) -> str:
        response = self.http.post(f"/query/{query_id}/execute", json={})
        response.raise_for_status()
        return str(response.json()["execution_id"])

    def wait(self, execution_id: str) -> dict[str, Any]:
        while True:
            response = self.http.get(f"/execution/{execution_id}/status")
            response.raise_for_status()
            status: dict[str, Any] = response.json()
            if status["is_execution_finished"]:
                if status["state"] != "QUERY_STATE_COMPLETED":
                    raise BenchError(f"set-up execution {execution_id} ended {status['state']}")
                return status
            time.sleep(0.05)


# -- children ------------------------------------------------------------------------------------


def run_child(spec: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    proc = run_child_async(spec)
    return finish_child(proc, spec, timeout)


def child_env() -> dict[str, str]:
    """The environment of every subprocess. Bytecode is cached under a /tmp prefix, so that a
    PYTHONDONTWRITEBYTECODE=1 environment does not make every lazy import compile from source
    (and nothing is written into the checkout or the venv)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPYCACHEPREFIX": PYCACHE_PREFIX}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child_async(spec: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def finish_child(
    proc: subprocess.Popen[str], spec: dict[str, Any], timeout: float = 1800
) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise BenchError(f"child {spec['scenario']} timed out after {timeout} s") from None
    for line in out.splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    raise BenchError(
        f"child {spec['scenario']} failed (exit {proc.returncode}):\n{err[-3000:]}{out[-1000:]}"
    )


# -- fetch measurements --------------------------------------------------------------------------


@dataclass
class Dataset:
    rows: int
    query_id: int
    execution_id: str
    expected: dict[str, Any]


@dataclass
class Summary:
    scenario: str
    rows: int
    wall_s: float
    peak_rss_mb: float
    growth_mb: float
    server_cpu_s: float
    setup_s: float
    runs: list[dict[str, Any]] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    ratios: dict[str, float | None] = field(default_factory=dict)


def prepare_datasets(api: Api, sizes: Sequence[int], log: Callable[[str], None]) -> list[Dataset]:
    datasets = []
    for rows in sizes:
        t0 = time.perf_counter()
        qid = api.create_query(f"bench {rows} x 9", BENCH_SQL.format(rows=rows))
        eid = api.execute(qid)
        status = api.wait(eid)
        total = status["result_metadata"]["total_row_count"]
        if total != rows:
            raise BenchError(f"set-up query for {rows} rows returned {total} rows")
        size_mb = status["result_metadata"]["total_result_set_bytes"] / 1e6
        log(
            f"  set-up: query {qid}, execution {eid}: {rows:,} rows, {size_mb:.0f} MB, "
            f"{time.perf_counter() - t0:.1f} s"
        )
        # The emulator renders CSV lazily on the first CSV request and keeps it; do that here
        # so that no client pays for it inside its measurement.
        t1 = time.perf_counter()
        api.http.get(f"/execution/{eid}/results/csv", params={"limit": 1}).raise_for_status()
        log(
            f"          first CSV request (emulator renders the CSV): {time.perf_counter() - t1:.2f} s"
        )
        datasets.append(Dataset(rows, qid, eid, expected_checksum(rows)))
    return datasets


def measure_fetch(
    emu: Emulator,
    data: Dataset,
    scenario: str,
    log: Callable[[str], None],
    profile: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scenario": scenario,
        "base_url": emu.base_url,
        "api_key": API_KEY,
        "query_id": data.query_id,
        "execution_id": data.execution_id,
        "rows": data.rows,
        "page_size": PAGE_SIZE,
    }
    if profile:
        Path(profile).mkdir(parents=True, exist_ok=True)
        existing = len(list(Path(profile).glob(f"{scenario}-{data.rows}-*.prof")))
        spec["profile"] = str(Path(profile) / f"{scenario}-{data.rows}-{existing + 1}.prof")
    cpu0 = emu.cpu_seconds()
    result = run_child(spec)
    result["server_cpu_s"] = emu.cpu_seconds() - cpu0
    if result["checksum"] != data.expected:
        raise BenchError(
            f"checksum mismatch for {scenario} at {data.rows} rows: "
            f"got {result['checksum']}, expected {data.expected}"
        )
    log(
        f"    {SCENARIOS[scenario]:<22} {data.rows:>9,} rows  wall {result['wall_s']:7.3f} s  "
        f"peak {result['peak_rss_mb']:7.1f} MB  growth {result['growth_mb']:7.1f} MB  "
        f"server cpu {result['server_cpu_s']:.3f} s"
    )
    return result


def summarize(runs_by_key: dict[tuple[str, int], list[dict[str, Any]]]) -> list[Summary]:
    out: list[Summary] = []
    for (scenario, rows), runs in runs_by_key.items():
        out.append(
            Summary(
                scenario=scenario,
                rows=rows,
                wall_s=statistics.median(r["wall_s"] for r in runs),
                peak_rss_mb=statistics.median(r["peak_rss_mb"] for r in runs),
                growth_mb=statistics.median(r["growth_mb"] for r in runs),
                server_cpu_s=statistics.median(r["server_cpu_s"] for r in runs),
                setup_s=statistics.median(r["setup_s"] for r in runs),
                runs=runs,
            )
        )
    by_key = {(s.scenario, s.rows): s for s in out}
    largest = max((s.rows for s in out), default=0)
    for s in out:
        dc = None if s.scenario in NO_DC_RATIO else by_key.get((DC_BASELINE[s.scenario], s.rows))
        floor = by_key.get(("floor", s.rows))
        s.ratios = {
            "proc_dc": (s.wall_s + s.setup_s) / (dc.wall_s + dc.setup_s) if dc else None,
            "wall_dc": s.wall_s / dc.wall_s if dc else None,
            "rss_dc": s.peak_rss_mb / dc.peak_rss_mb if dc else None,
            "wall_floor": s.wall_s / floor.wall_s if floor else None,
        }
        proc_max = PROCESS_TARGETS.get(s.scenario)
        if proc_max is not None and s.rows == largest and s.ratios["proc_dc"] is not None:
            s.checks.append((f"process<={proc_max}xDCdf", s.ratios["proc_dc"] <= proc_max))
        if s.scenario in TYPED_TARGETS:
            wall_max, rss_max = TYPED_TARGETS[s.scenario]
            if s.rows == largest and wall_max is not None and s.ratios["wall_dc"] is not None:
                s.checks.append((f"wall<={wall_max}xDCdf", s.ratios["wall_dc"] <= wall_max))
            if s.rows == largest and rss_max is not None and s.ratios["rss_dc"] is not None:
                s.checks.append((f"RSS<={rss_max}xDCdf", s.ratios["rss_dc"] <= rss_max))
            if s.scenario == "duneq_dataset":
                s.checks.append(
                    (
                        f"growth<{TARGET_DATASET_GROWTH_MB:.0f}MB",
                        s.growth_mb < TARGET_DATASET_GROWTH_MB,
                    )
                )
            if s.scenario == "duneq_parquet":
                s.checks.append(
                    (
                        f"growth<{TARGET_PARQUET_GROWTH_MB:.0f}MB",
                        s.growth_mb < TARGET_PARQUET_GROWTH_MB,
                    )
                )
        elif s.scenario == "duneq_cache_arrow":
            fetched = by_key.get(("duneq_arrow", s.rows))
            if s.rows == largest and fetched is not None:
                speedup = fetched.wall_s / s.wall_s if s.wall_s > 0 else float("inf")
                s.checks.append(
                    (
                        f"{CACHE_SPEEDUP_TARGET:.0f}x faster than fetched",
                        speedup >= CACHE_SPEEDUP_TARGET,
                    )
                )
        elif (
            s.scenario.startswith("duneq")
            and s.scenario not in CACHE_SCENARIOS
            and s.rows == largest
        ):
            wall_dc, rss_dc, wall_floor = (
                s.ratios["wall_dc"],
                s.ratios["rss_dc"],
                s.ratios["wall_floor"],
            )
            target = WALL_DC_TARGETS.get(s.scenario, TARGET_WALL_DC)
            if wall_dc is not None:
                s.checks.append((f"wall<={target}xDC", wall_dc <= target))
            if wall_floor is not None:
                s.checks.append(
                    (f"wall<={TARGET_WALL_FLOOR}xfloor", wall_floor <= TARGET_WALL_FLOOR)
                )
            if rss_dc is not None:
                s.checks.append((f"RSS<={TARGET_RSS_DC}xDC", rss_dc <= TARGET_RSS_DC))
        if s.scenario in STREAMING_SCENARIOS:  # flat memory is promised at every size
            s.checks.append(
                (
                    f"growth<{TARGET_STREAM_GROWTH_MB:.0f}MB",
                    s.growth_mb < TARGET_STREAM_GROWTH_MB,
                )
            )
    return out


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def fetch_table(summaries: list[Summary]) -> list[str]:
    header = (
        f"{'scenario':<22} {'rows':>9} {'wall s':>8} {'peak RSS MB':>11} {'growth MB':>9} "
        f"{'srv CPU s':>9} {'setup s':>7} {'xDC wall':>8} {'xDC RSS':>8} {'xDC proc':>8} "
        f"{'xfloor wall':>11}  {'target':<46} "
        "result"
    )
    lines = [header, "-" * len(header)]
    order = {name: i for i, name in enumerate(SCENARIOS)}
    for s in sorted(summaries, key=lambda s: (-s.rows, order[s.scenario])):
        target = ", ".join(name for name, _ in s.checks) or "(reference)"
        missed = [name for name, ok in s.checks if not ok]
        result = "-" if not s.checks else ("MISSED " + ", ".join(missed) if missed else "pass")
        lines.append(
            f"{SCENARIOS[s.scenario]:<22} {s.rows:>9,} {s.wall_s:>8.3f} {s.peak_rss_mb:>11.1f} "
            f"{s.growth_mb:>9.1f} {s.server_cpu_s:>9.3f} {s.setup_s:>7.3f} {_ratio(s.ratios['wall_dc']):>8} "
            f"{_ratio(s.ratios['rss_dc']):>8} {_ratio(s.ratios.get('proc_dc')):>8} "
            f"{_ratio(s.ratios['wall_floor']):>11}  "
            f"{target:<46} {result}"
        )
    return lines


# -- polling -------------------------------------------------------------------------------------


@dataclass
class PollSummary:
    scenario: str
    pin_s: float
    delays: list[float]
    status_calls: list[int]
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays)

    @property
    def median_calls(self) -> float:
        return statistics.median(self.status_calls)


def measure_polling(
    emu: Emulator, api: Api, pins: Sequence[float], threads: int, log: Callable[[str], None]
) -> tuple[list[PollSummary], list[str]]:
    from dune_emulator.control_client import EmulatorControl

    qid = api.create_query("bench polling", POLL_SQL)
    summaries: list[PollSummary] = []
    notes: list[str] = []
    with EmulatorControl(emu.base_url) as control:
        control.configure(max_concurrent_executions=max(3, 2 * threads + 2))
        for pin in pins:
            control.pin_next_executions(
                count=2 * threads, pending_seconds=0.0, executing_seconds=pin
            )
            before = control.counters()["requests"].get(STATUS_ROUTE, 0)
            specs = [
                {
                    "scenario": scenario,
                    "base_url": emu.base_url,
                    "api_key": API_KEY,
                    "query_id": qid,
                    "threads": threads,
                    "pin_s": pin,
                }
                for scenario in ("poll_duneq", "poll_dune_client")
            ]
            log(f"  polling: {threads} + {threads} executions pinned to {pin:g} s, concurrently")
            procs = [run_child_async(spec) for spec in specs]
            results = [
                finish_child(proc, spec, timeout=pin * 3 + 120)
                for proc, spec in zip(procs, specs, strict=True)
            ]
            server_calls = control.counters()["requests"].get(STATUS_ROUTE, 0) - before
            client_calls = 0
            for result in results:
                errors = [r["error"] for r in result["runs"] if "error" in r]
                if errors:
                    raise BenchError(f"{result['scenario']} at {pin:g} s failed: {errors[0]}")
                delays = [r["in_hand"] - r["ended"] for r in result["runs"]]
                calls = [int(r["status_calls"]) for r in result["runs"]]
                client_calls += sum(calls)
                summary = PollSummary(result["scenario"], pin, delays, calls)
                if result["scenario"] == "poll_duneq":
                    if pin in TARGET_DELAY:
                        limit = TARGET_DELAY[pin]
                        summary.checks.append(
                            (f"median delay<={limit:g}s", summary.median_delay <= limit)
                        )
                    if pin in TARGET_STATUS_CALLS:
                        most = TARGET_STATUS_CALLS[pin]
                        summary.checks.append((f"status calls<={most}", max(calls) <= most))
                summaries.append(summary)
                log(
                    f"    {result['scenario']:<17} delays "
                    + " ".join(f"{d:.2f}" for d in sorted(delays))
                    + f" s; status calls {sorted(calls)}"
                )
            notes.append(
                f"pin {pin:g} s: status calls seen by the emulator {server_calls}, "
                f"counted by the clients {client_calls}"
                + ("" if server_calls == client_calls else "  (MISMATCH)")
            )
    return summaries, notes


def poll_table(summaries: list[PollSummary]) -> list[str]:
    header = (
        f"{'client':<12} {'pin s':>5} {'n':>2} {'delay median s':>14} {'delay max s':>11} "
        f"{'status calls median':>19} {'max':>4}  {'target':<38} result"
    )
    lines = [header, "-" * len(header)]
    for s in sorted(summaries, key=lambda s: (s.pin_s, s.scenario != "poll_duneq")):
        name = "duneq" if s.scenario == "poll_duneq" else "dune-client"
        target = ", ".join(n for n, _ in s.checks) or "(reference)"
        missed = [n for n, ok in s.checks if not ok]
        result = "-" if not s.checks else ("MISSED " + ", ".join(missed) if missed else "pass")
        lines.append(
            f"{name:<12} {s.pin_s:>5g} {len(s.delays):>2} {s.median_delay:>14.3f} "
            f"{max(s.delays):>11.3f} {s.median_calls:>19g} {max(s.status_calls):>4}  "
            f"{target:<38} {result}"
        )
    return lines


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default=None, help="comma-separated row counts")
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement (median)")
    parser.add_argument("--pins", default=None, help="comma-separated pinned execution seconds")
    parser.add_argument("--poll-threads", type=int, default=None, help="executions per client")
    parser.add_argument(
        "--scenarios",
        default=",".join(s for s in SCENARIOS if s not in OPT_IN),
        help="fetch scenarios",
    )
    parser.add_argument(
        "--dataset",
        action="store_true",
        help=f"only the memory rows at {DATASET_ROWS:,} rows: to_dataset into 6 partitions "
        f"(growth < {TARGET_DATASET_GROWTH_MB:.0f} MB) and to_parquet (growth < "
        f"{TARGET_PARQUET_GROWTH_MB:.0f} MB); median of 3 runs, no polling",
    )
    parser.add_argument("--no-poll", action="store_true", help="skip the polling measurement")
    parser.add_argument("--json", dest="json_path", default=None, help="save raw numbers here")
    parser.add_argument("--profile", default=None, help="cProfile each timed fetch into DIR")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 run, one 0.5 s pin")
    args = parser.parse_args(argv)
    if args.dataset:
        args.scenarios = ",".join(DATASET_SCENARIOS)
        args.sizes = args.sizes or str(DATASET_ROWS)
        args.repeat = args.repeat or 3
        args.no_poll = True
    args.sizes = [
        int(s.replace("_", ""))
        for s in (args.sizes or ("2000" if args.quick else "1000000,100000,10000")).split(",")
    ]
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.pins = [float(p) for p in (args.pins or ("0.5" if args.quick else "2,60")).split(",")]
    args.poll_threads = args.poll_threads or (2 if args.quick else 9)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    emu = start_emulator()
    raw: dict[str, Any] = {"sizes": args.sizes, "repeat": args.repeat, "pins": args.pins}
    try:
        from dune_emulator.control_client import EmulatorControl

        with EmulatorControl(emu.base_url) as control:
            control.configure(datapoint_cap=2**62, max_concurrent_executions=32)
        api = Api(emu.base_url)
        log(f"emulator at {emu.base_url} (pid {emu.proc.pid})")
        datasets = prepare_datasets(api, args.sizes, log)
        if not args.quick and not args.dataset:  # warm the OS caches and bytecode once
            log("  warm-up (not counted)")
            smallest = min(datasets, key=lambda d: d.rows)
            for scenario in args.scenarios:
                measure_fetch(emu, smallest, scenario, lambda _m: None)
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for data in datasets:
            for repeat in range(args.repeat):
                log(f"  {data.rows:,} rows, run {repeat + 1}/{args.repeat}")
                # rotate the order so that no client always runs first or last
                k = repeat % len(args.scenarios)
                for scenario in args.scenarios[k:] + args.scenarios[:k]:
                    result = measure_fetch(emu, data, scenario, log, args.profile)
                    runs.setdefault((scenario, data.rows), []).append(result)
        summaries = summarize(runs)
        raw["fetch"] = [
            {k: v for k, v in s.__dict__.items() if k != "checks"} | {"checks": dict(s.checks)}
            for s in summaries
        ]
        polls: list[PollSummary] = []
        notes: list[str] = []
        if not args.no_poll:
            polls, notes = measure_polling(emu, api, args.pins, args.poll_threads, log)
            raw["polling"] = [
                {
                    "scenario": p.scenario,
                    "pin_s": p.pin_s,
                    "delays": p.delays,
                    "status_calls": p.status_calls,
                    "checks": dict(p.checks),
                }
                for p in polls
            ]
    finally:
        emu.stop()

    lines = [
        f"duneq benchmark: {', '.join(f'{n:,}' for n in args.sizes)} rows x 9 columns, "
        f"{PAGE_SIZE:,}-row pages, median of {args.repeat} run(s), each client in its own "
        "process against one emulator process",
        "",
        *fetch_table(summaries),
        "",
        "checksums: all clients matched the expected checksum at every size "
        + "; ".join(
            f"[{d.rows:,}: id_sum={d.expected['id_sum']} crc={d.expected['crc']}]" for d in datasets
        ),
        "xDC: ratio to dune-client (rows scenarios vs dune-client rows, csv vs dune-client csv; "
        "to_parquet and to_dataset have none: dune-client has no parquet path); "
        "xfloor: ratio to raw httpx+orjson; srv CPU: emulator CPU during the child's run;",
        "setup: import + client construction (untimed; duneq's lazily built httpx client "
        "is forced here); growth: peak RSS (VmHWM) - RSS after set-up",
    ]
    by_key = {(s.scenario, s.rows): s for s in summaries}
    largest = max(d.rows for d in datasets)
    lines.append(
        f"speed and RSS targets are checked at {largest:,} rows, the size they are set for; "
        "smaller sizes are shown for information (there a fixed per-request cost dominates)"
    )
    emu_ok = True
    for data in datasets:
        floor = by_key.get(("floor", data.rows))
        if floor is None:
            continue
        parse = statistics.median(r["parse_s"] for r in floor.runs)
        fastest = min((s for s in summaries if s.rows == data.rows), key=lambda s: s.wall_s)
        ok = floor.server_cpu_s < parse
        if data.rows == largest:
            emu_ok &= ok
        lines.append(
            f"emulator CPU serving {data.rows:,} rows as {PAGE_SIZE:,}-row JSON pages: "
            f"{floor.server_cpu_s:.3f} s vs floor's orjson parse {parse:.3f} s "
            f"({floor.server_cpu_s / parse:.2f}x; fastest client wall {fastest.wall_s:.3f} s, "
            f"{SCENARIOS[fastest.scenario]}) -> "
            + ("pass" if ok else "MISSED" if data.rows == largest else "(information)")
        )
    for data in datasets:
        for cached, fetched_as, what in (
            ("duneq_cache_arrow", "duneq_arrow", "to_arrow()"),
            ("duneq_cache_rows", "duneq_rows", ".rows"),
        ):
            hit, fetched = by_key.get((cached, data.rows)), by_key.get((fetched_as, data.rows))
            if hit is None or fetched is None:
                continue
            speedup = fetched.wall_s / hit.wall_s if hit.wall_s > 0 else float("inf")
            verdict = (
                ("pass" if speedup >= CACHE_SPEEDUP_TARGET else "MISSED")
                if what == "to_arrow()" and data.rows == largest
                else "(information)"
            )
            lines.append(
                f"cache hit at {data.rows:,} rows: {what} {hit.wall_s:.3f} s from the cache vs "
                f"{fetched.wall_s:.3f} s from the emulator = {speedup:.1f}x (target "
                f">={CACHE_SPEEDUP_TARGET:.0f}x for to_arrow()) -> {verdict}"
            )
    if polls:
        lines += ["", *poll_table(polls), *notes]
        lines.append(
            "delay: result in hand (client clock) - execution_ended_at (emulator clock = wall "
            "clock); status calls counted client-side and cross-checked with the emulator"
        )
    missed = [s for s in summaries for _, ok in s.checks if not ok]
    missed_polls = [p for p in polls for _, ok in p.checks if not ok]
    total_missed = len(missed) + len(missed_polls) + (0 if emu_ok else 1)
    lines += [
        "",
        f"targets: {'all met' if not total_missed else f'{total_missed} MISSED'}; "
        f"bench took {time.perf_counter() - started:.0f} s",
    ]
    print("\n".join(lines), flush=True)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(raw, indent=2, default=str))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
