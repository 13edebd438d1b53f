"""Measure the emulator's serving cost: server CPU to serve a completed rows x 8 result as
32,000-row JSON pages, against the client's orjson parse time of the same pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import orjson

BENCH_SQL = (
    "select i as a, i * 2 as b, i % 7 as c, 'x' || i::varchar as d, i * 0.5 as e, "
    "i + 1 as f, i + 2 as g, i + 3 as h from range({rows}) t(i)"
)


@dataclass(frozen=True)
class ServingMeasurement:
    rows: int
    pages: int
    bytes: int
    server_cpu_seconds: float
    client_parse_seconds: float

    @property
    def ratio(self) -> float:
        """Server CPU / client parse time; below 1.0 means the server is not the bottleneck."""
        return (
            self.server_cpu_seconds / self.client_parse_seconds
            if self.client_parse_seconds
            else 0.0
        )


def measure_serving(
    rows: int = 1_000_000, page_size: int = 32_000, key: str = "bench-key"
) -> ServingMeasurement:
    """Start `python -m dune_emulator` in a subprocess, run a rows x 8 query, then fetch every
    page. Server CPU comes from the subprocess' CPU times (psutil) around the fetch loop only."""
    import psutil  # dev dependency; only the benchmark needs it

    proc = subprocess.Popen(
        [sys.executable, "-m", "dune_emulator", "--port", "0", "--api-key", key],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        match = re.search(r"listening on (\S+)", proc.stdout.readline())
        if not match:
            raise RuntimeError("the emulator did not print its base URL")
        base = match.group(1)
        with httpx.Client(
            base_url=f"{base}/api/v1", headers={"X-Dune-Api-Key": key}, timeout=600
        ) as api:
            eid = api.post("/sql/execute", json={"sql": BENCH_SQL.format(rows=int(rows))}).json()[
                "execution_id"
            ]
            while not api.get(f"/execution/{eid}/status").json()["is_execution_finished"]:
                time.sleep(0.05)
            server = psutil.Process(proc.pid)
            before = server.cpu_times()
            bodies: list[bytes] = []
            offset: int | None = 0
            while offset is not None:
                r = api.get(
                    f"/execution/{eid}/results",
                    params={
                        "limit": page_size,
                        "offset": offset,
                        "ignore_max_datapoints_per_request": "true",
                    },
                )
                bodies.append(r.content)
                tail = r.content[-40:]
                offset = (
                    int(tail.rsplit(b":", 1)[1].rstrip(b"}")) if b'"next_offset"' in tail else None
                )
            after = server.cpu_times()
        parse = 0.0
        for body in bodies:
            t0 = time.perf_counter()
            orjson.loads(body)
            parse += time.perf_counter() - t0
        cpu = (after.user - before.user) + (after.system - before.system)
        return ServingMeasurement(rows, len(bodies), sum(map(len, bodies)), cpu, parse)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    m = measure_serving(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(
        f"rows={m.rows} pages={m.pages} bytes={m.bytes} server_cpu={m.server_cpu_seconds:.3f}s "
        f"client_orjson_parse={m.client_parse_seconds:.3f}s ratio={m.ratio:.2f}"
    )
