"""One measurement of scripts/bench.py, run in its own process.

Usage (by bench.py only): ``python scripts/_bench_child.py '<json spec>'``. Prints one line
``BENCH_RESULT {json}`` on stdout. Only the standard library is imported at module level, so the
client under test is the only library that ends up in the process.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import islice
from operator import itemgetter
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
FETCH_SCENARIOS = (
    "floor",
    "duneq_rows",
    "duneq_iter",
    "duneq_csv",
    "duneq_cache_rows",
    "duneq_cache_arrow",
    "dune_client_rows",
    "dune_client_csv",
    "duneq_arrow",
    "duneq_pandas",
    "duneq_polars",
    "duneq_parquet",
    "dune_client_df",
    "duneq_dataset",
)
POLL_SCENARIOS = ("poll_duneq", "poll_dune_client")
_FLUSH_ROWS = 32_000
_get_id = itemgetter("id")
_get_address = itemgetter("address")


class Checksum:
    """Row count, sum of ``id`` and the CRC-32 of every ``address`` followed by a newline.

    The CRC is independent of how rows are grouped, so every client gets the same value."""

    def __init__(self) -> None:
        self.rows = 0
        self.id_sum = 0
        self.crc = 0
        self._addresses: list[str] = []

    def _flush(self) -> None:
        if self._addresses:
            self._addresses.append("")
            self.crc = zlib.crc32("\n".join(self._addresses).encode(), self.crc)
            self._addresses = []

    def add_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Consume rows in chunks with C-level loops, so the checksum costs every client the
        same small amount and a streamed iterator is never held more than a chunk at a time."""
        iterator = iter(rows)
        while chunk := list(islice(iterator, _FLUSH_ROWS)):
            self.rows += len(chunk)
            self.id_sum += sum(map(_get_id, chunk))
            self._addresses.extend(map(_get_address, chunk))
            self._flush()
            del chunk

    def add_csv_file(self, path: str) -> None:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            id_col, address_col = header.index("id"), header.index("address")
            for record in reader:
                self.rows += 1
                self.id_sum += int(record[id_col])
                self._addresses.append(record[address_col])
                if len(self._addresses) >= _FLUSH_ROWS:
                    self._flush()

    def add_columns(self, ids: Any, addresses: Any) -> None:
        """From typed columns: ``id`` integers and ``address`` as bytes or ``0x`` text."""
        for start in range(0, len(ids), _FLUSH_ROWS):
            chunk_ids = ids[start : start + _FLUSH_ROWS]
            chunk = addresses[start : start + _FLUSH_ROWS]
            self.rows += len(chunk_ids)
            self.id_sum += sum(int(i) for i in chunk_ids)
            self._addresses.extend(a if isinstance(a, str) else "0x" + a.hex() for a in chunk)
            self._flush()

    def as_dict(self) -> dict[str, Any]:
        self._flush()
        return {"rows": self.rows, "id_sum": self.id_sum, "crc": f"{self.crc:08x}"}


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        resident_pages = int(handle.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process' RSS high-water mark. Not ru_maxrss: Linux carries the parent's high-water
    mark over fork + exec into it, which would hide everything below the parent's size."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- fetch scenarios: each returns a callable doing the whole timed fetch -----------------------


def _floor(spec: dict[str, Any], check: Checksum, extra: dict[str, Any]) -> Callable[[], None]:
    import httpx
    import orjson

    client = httpx.Client(
        base_url=f"{spec['base_url']}/api/v1",
        headers={"X-Dune-Api-Key": spec["api_key"]},
        timeout=600,
    )
    url = f"/execution/{spec['execution_id']}/results"

    def run() -> None:
        parse = 0.0
        offset: int | None = 0
        while offset is not None:
            response = client.get(url, params={"limit": spec["page_size"], "offset": offset})
            response.raise_for_status()
            t0 = time.perf_counter()
            data = orjson.loads(response.content)
            parse += time.perf_counter() - t0
            check.add_rows(data["result"]["rows"])
            offset = data.get("next_offset")
        extra["parse_s"] = parse
        client.close()

    return run


def _import_data_stack(scenario: str) -> None:
    """Import pyarrow/pandas before the clock starts: both clients load them lazily, and an
    import (seconds on a busy machine) is set-up, not fetch time."""
    if scenario in (
        "duneq_arrow",
        "duneq_pandas",
        "duneq_polars",
        "duneq_parquet",
        "duneq_cache_arrow",
        "duneq_dataset",
    ):
        # duneq's own typed modules load on the first typed read: set-up too, as dune-client's
        # code is imported before its clock starts
        for module in ("duneq._results.plan", "duneq._results.typed", "duneq._results.frames"):
            importlib.import_module(module)
        import pyarrow.compute
        import pyarrow.csv
    if scenario in ("duneq_parquet", "duneq_dataset", "duneq_cache_arrow"):
        importlib.import_module("duneq._sweeps.datasets")
        import pyarrow.dataset
        import pyarrow.parquet  # noqa: F401
    if scenario in ("duneq_pandas", "dune_client_df"):
        import pandas  # noqa: F401
    if scenario == "duneq_polars":
        import polars  # noqa: F401


def _duneq(spec: dict[str, Any], check: Checksum, extra: dict[str, Any]) -> Callable[[], None]:
    import duneq

    if spec["scenario"] == "duneq_cache_rows":
        return _duneq_cache(spec, check, extra)
    if spec["scenario"] == "duneq_cache_arrow":
        return _duneq_cache_arrow(spec, extra)
    client = duneq.Client(spec["api_key"], base_url=spec["base_url"])
    # duneq builds its httpx client (httpcore import, SSL context) on the first request; do it
    # here so that the timed fetch compares like with like (bench.py reports it as set-up).
    client.lowlevel.get_httpx_client()
    scenario = spec["scenario"]
    _import_data_stack(scenario)

    def run() -> None:
        if scenario == "duneq_csv":
            extra["csv_bytes"] = client.download_csv(spec["execution_id"], spec["csv_path"])
        elif scenario == "duneq_arrow":
            extra["table"] = client.latest_result(spec["query_id"]).to_arrow()
        elif scenario == "duneq_pandas":
            extra["frame"] = client.latest_result(spec["query_id"]).to_pandas()
        elif scenario == "duneq_polars":
            extra["frame"] = client.latest_result(spec["query_id"]).to_polars()
        elif scenario == "duneq_parquet":
            extra["parquet_rows"] = client.latest_result(spec["query_id"]).to_parquet(
                spec["parquet_path"]
            )
        elif scenario == "duneq_dataset":
            written = client.latest_result(spec["query_id"]).to_dataset(
                spec["dataset_path"], partition_by=["symbol"]
            )
            extra["dataset_rows"] = written.rows
            extra["dataset_files"] = len(written.files)
        else:
            result = client.latest_result(spec["query_id"])
            if scenario == "duneq_rows":
                rows = result.rows
                check.add_rows(rows)
                extra["held"] = rows  # keep the materialized rows alive, as a user would
            else:
                check.add_rows(result.iter_rows())
        client.close()

    return run


def _duneq_cache(
    spec: dict[str, Any], check: Checksum, extra: dict[str, Any]
) -> Callable[[], None]:
    """A cache hit: the set-up (untimed) reads the result once into a fresh cache; the timed
    run reads it again, served from the cache file without a request."""
    import duneq

    folder = tempfile.mkdtemp(prefix="duneq-bench-cache-")
    client = duneq.Client(spec["api_key"], base_url=spec["base_url"], cache=folder)
    warm = client.get_result(spec["execution_id"], page_size=spec["page_size"])
    len(warm.rows)
    del warm

    def run() -> None:
        result = client.get_result(spec["execution_id"], page_size=spec["page_size"])
        assert result.source == "cache"
        rows = result.rows
        check.add_rows(rows)
        extra["held"] = rows
        extra["cache_bytes"] = client.cache.size() if client.cache is not None else 0
        client.close()

    return run


def _duneq_cache_arrow(spec: dict[str, Any], extra: dict[str, Any]) -> Callable[[], None]:
    """A typed cache hit: the set-up (untimed) runs ``to_arrow()`` once into a fresh cache,
    which writes an Arrow IPC entry; the timed run opens the result and reads ``to_arrow()``
    again from that memory-mapped entry, with no request and no parse."""
    import duneq

    _import_data_stack("duneq_cache_arrow")
    folder = tempfile.mkdtemp(prefix="duneq-bench-cache-")
    client = duneq.Client(spec["api_key"], base_url=spec["base_url"], cache=folder)
    client.get_result(spec["execution_id"]).to_arrow()

    def run() -> None:
        result = client.get_result(spec["execution_id"])
        assert result.source == "cache"
        extra["table"] = result.to_arrow()
        extra["cache_bytes"] = client.cache.size() if client.cache is not None else 0
        client.close()

    return run


def _dune_client(
    spec: dict[str, Any], check: Checksum, extra: dict[str, Any]
) -> Callable[[], None]:
    from dune_client.client import DuneClient

    client = DuneClient(api_key=spec["api_key"], base_url=spec["base_url"], request_timeout=600)
    _import_data_stack(spec["scenario"])

    def run() -> None:
        if spec["scenario"] == "dune_client_df":
            # dune-client's DataFrame path: CSV pages, then pandas.read_csv (values untyped)
            extra["frame"] = client.get_latest_result_dataframe(spec["query_id"])
        elif spec["scenario"] == "dune_client_csv":
            csv_result = client.download_csv(spec["query_id"])
            with open(spec["csv_path"], "wb") as out:
                extra["csv_bytes"] = out.write(csv_result.data.getbuffer())
        else:
            response = client.get_latest_result(spec["query_id"])
            assert response.result is not None
            rows = response.result.rows
            check.add_rows(rows)
            extra["held"] = response

    return run


def _check_typed(spec: dict[str, Any], check: Checksum, extra: dict[str, Any]) -> None:
    """Checksum a typed result (Arrow table, DataFrame or Parquet file) and drop it."""
    table = extra.pop("table", None)
    frame = extra.pop("frame", None)
    if spec["scenario"] == "duneq_parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(spec["parquet_path"], columns=["id", "address"])
        os.unlink(spec["parquet_path"])
        extra["parquet_rows_match"] = extra.get("parquet_rows") == table.num_rows
    if spec["scenario"] == "duneq_dataset":
        import shutil

        import pyarrow.dataset as ds

        table = ds.dataset(spec["dataset_path"], partitioning="hive").to_table(
            columns=["id", "address"]
        )
        table = table.sort_by("id")  # partitions reorder rows; the CRC follows id order
        shutil.rmtree(spec["dataset_path"])
        extra["dataset_rows_match"] = extra.get("dataset_rows") == table.num_rows
    if table is not None:
        check.add_columns(table.column("id").to_pylist(), table.column("address").to_pylist())
    elif frame is not None:
        check.add_columns(list(frame["id"]), list(frame["address"]))


def run_fetch(spec: dict[str, Any]) -> dict[str, Any]:
    check = Checksum()
    extra: dict[str, Any] = {}
    scenario = spec["scenario"]
    csv_file: str | None = None
    if scenario.endswith("_csv"):
        fd, csv_file = tempfile.mkstemp(suffix=".csv", prefix="duneq-bench-")
        os.close(fd)
        spec = {**spec, "csv_path": csv_file}
    if scenario == "duneq_parquet":
        fd, parquet_file = tempfile.mkstemp(suffix=".parquet", prefix="duneq-bench-")
        os.close(fd)
        spec = {**spec, "parquet_path": parquet_file}
    if scenario == "duneq_dataset":
        spec = {**spec, "dataset_path": tempfile.mkdtemp(prefix="duneq-bench-ds-") + "/out"}
    factory = {"floor": _floor, "duneq": _duneq, "dune": _dune_client}[scenario.split("_")[0]]
    try:
        t_setup = time.perf_counter()
        run = factory(spec, check, extra)
        setup = time.perf_counter() - t_setup
        baseline = current_rss_mb()
        profiler = None
        if spec.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.perf_counter()
        run()
        wall = time.perf_counter() - t0
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(spec["profile"])
        peak = peak_rss_mb()
        extra.pop("held", None)
        _check_typed(spec, check, extra)  # verified after the clock stopped
        if csv_file is not None:  # verified after the clock stopped and the peak was read
            check.add_csv_file(csv_file)
    finally:
        if csv_file is not None:
            os.unlink(csv_file)
    return {
        "scenario": scenario,
        "rows": spec["rows"],
        "wall_s": wall,
        "setup_s": setup,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "growth_mb": peak - baseline,
        "checksum": check.as_dict(),
        **extra,
    }


# -- polling scenarios ---------------------------------------------------------------------------


def _is_status(method: str, path: str) -> bool:
    return method == "GET" and path.rstrip("/").endswith("/status")


def _poll_duneq(spec: dict[str, Any], start: threading.Barrier) -> dict[str, Any]:
    import duneq
    import httpx

    class CountingTransport(httpx.HTTPTransport):
        status_calls = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if _is_status(request.method, request.url.path):
                self.status_calls += 1
            return super().handle_request(request)

    transport = CountingTransport()
    with duneq.Client(spec["api_key"], base_url=spec["base_url"], transport=transport) as client:
        start.wait()
        submitted = time.time()
        result = client.run_query(spec["query_id"])
        in_hand = time.time()
        rows = list(result.rows)
        ended = result.status.execution_ended_at
        return {
            "execution_id": result.execution_id,
            "submitted": submitted,
            "in_hand": in_hand,
            "ended": ended.timestamp() if ended is not None else None,
            "status_calls": transport.status_calls,
            "rows": len(rows),
        }


def _poll_dune_client(spec: dict[str, Any], start: threading.Barrier) -> dict[str, Any]:
    from dune_client.client import DuneClient
    from dune_client.query import QueryBase

    client = DuneClient(api_key=spec["api_key"], base_url=spec["base_url"], request_timeout=60)
    counter = {"status": 0}

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if _is_status(request.method, request.path_url.split("?")[0]):
            counter["status"] += 1

    client.http.hooks["response"].append(hook)
    start.wait()
    submitted = time.time()
    response = client.run_query(QueryBase(query_id=spec["query_id"]))
    in_hand = time.time()
    ended: datetime | None = response.times.execution_ended_at
    assert response.result is not None
    return {
        "execution_id": response.execution_id,
        "submitted": submitted,
        "in_hand": in_hand,
        "ended": ended.timestamp() if ended is not None else None,
        "status_calls": counter["status"],
        "rows": len(response.result.rows),
    }


def run_poll(spec: dict[str, Any]) -> dict[str, Any]:
    worker = _poll_duneq if spec["scenario"] == "poll_duneq" else _poll_dune_client
    count = int(spec["threads"])
    start = threading.Barrier(count)
    runs: list[dict[str, Any]] = [{} for _ in range(count)]

    def target(index: int) -> None:
        try:
            runs[index] = worker(spec, start)
        except Exception as exc:  # reported to the parent, which fails loudly
            runs[index] = {"error": f"{type(exc).__name__}: {exc}"}

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"scenario": spec["scenario"], "pin_s": spec["pin_s"], "runs": runs}


def main(argv: list[str]) -> int:
    spec: dict[str, Any] = json.loads(argv[0])
    if spec["scenario"] in POLL_SCENARIOS:
        out = run_poll(spec)
    elif spec["scenario"] in FETCH_SCENARIOS:
        out = run_fetch(spec)
    else:
        print(f"unknown scenario {spec['scenario']!r}", file=sys.stderr)
        return 2
    sys.stdout.write(RESULT_PREFIX + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
