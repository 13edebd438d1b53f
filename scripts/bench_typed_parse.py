"""Measure the typed-results parse paths on the same synthetic pages, no network.

1,000,000 rows x (bigint, double, varchar, boolean, timestamp(3), uint256, decimal(38,6)),
in pages of 32,000 rows encoded as Dune does (JSON ``rows`` bytes and CSV pages). Each path runs
in its own process so its peak RSS is its own; the page bytes are generated in the parent and
read from a temp file by the child (their size is reported and subtracted as "input").

Usage: ``uv run python scripts/bench_typed_parse.py [--rows N] [--paths a,b]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

PAGE = 32_000
NAMES = ["n", "x", "s", "b", "t", "u", "d"]
TYPES = ["bigint", "double", "varchar", "boolean", "timestamp(3)", "uint256", "decimal(38,6)"]
PATHS = {
    "json_arrow": "JSON rows -> PageParser.from_json_rows (typed RecordBatch)",
    "csv_arrow": "CSV page -> PageParser.from_csv (typed RecordBatch)",
    "csv_read_only": "CSV page -> pyarrow.csv.read_csv, wire types only (parse floor)",
    "csv_pandas_untyped": "CSV pages -> pandas.read_csv, untyped (dune-client's DataFrame path)",
    "csv_to_pandas": "CSV page -> typed batches -> to_pandas (Arrow dtypes)",
    "json_rows_orjson": "JSON rows -> orjson.loads (today's rows; corrupts wide ints)",
    "json_rows_exact": "JSON rows -> exact_rows (msgspec, exact ints)",
    "json_rows_typed": "JSON rows -> exact_rows + RowTyper (datetime, Decimal, int)",
}


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "n": i * 7919 - 3,
        "x": rng.random() * 1e6,
        "s": f"name-{i % 5000}",
        "b": i % 3 == 0,
        "t": f"2024-01-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:"
        f"{(i * 7) % 60:02d}.{i % 1000:03d} UTC",
        "u": str(rng.getrandbits(200)),
        "d": f"{rng.randint(0, 10**9)}.{rng.randint(0, 10**6):06d}",
    }


def _csv(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def generate(rows: int, folder: str) -> tuple[str, str]:
    """Write the JSON ``rows`` pages and the CSV pages, one page per line of a JSON index."""
    rng = random.Random(1)
    json_path, csv_path = os.path.join(folder, "pages.json"), os.path.join(folder, "pages.csv")
    with open(json_path, "wb") as jf, open(csv_path, "wb") as cf:
        for start in range(0, rows, PAGE):
            page = [_row(i, rng) for i in range(start, min(rows, start + PAGE))]
            body = json.dumps(page, separators=(",", ":")).encode()
            lines = [",".join(NAMES)] + [",".join(map(_csv, r.values())) for r in page]
            text = ("\n".join(lines) + "\n").encode()
            jf.write(len(body).to_bytes(8, "little") + body)
            cf.write(len(text).to_bytes(8, "little") + text)
    return json_path, csv_path


def read_pages(path: str) -> list[bytes]:
    out = []
    with open(path, "rb") as f:
        while head := f.read(8):
            out.append(f.read(int.from_bytes(head, "little")))
    return out


def child(path: str, json_file: str, csv_file: str) -> dict[str, Any]:
    """Run one path over all pages; the time excludes reading the page bytes from disk."""
    pages = read_pages(csv_file if path.startswith("csv") else json_file)
    input_mb = sum(map(len, pages)) / 2**20
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    rows = 0
    if path in ("json_arrow", "csv_arrow", "csv_to_pandas", "csv_read_only"):
        import pyarrow as pa
        from duneq._dunetypes.arrow import PageParser

        parser = PageParser(NAMES, TYPES)
        batches = []
        for index, page in enumerate(pages):
            if path == "json_arrow":
                batches.append(parser.from_json_rows(page, offset=index * PAGE))
            elif path == "csv_read_only":
                import io

                import pyarrow.csv as pcsv

                wire = {"n": pa.int64(), "x": pa.float64(), "b": pa.bool_()}
                batches.append(
                    pcsv.read_csv(
                        io.BytesIO(page),
                        convert_options=pcsv.ConvertOptions(column_types=wire),
                    )
                )
            else:
                batches.append(parser.from_csv(page, offset=index * PAGE).batch)
        if path == "csv_read_only":
            table = pa.concat_tables(batches)
        else:
            table = pa.Table.from_batches(batches, schema=parser.schema)
        rows = table.num_rows
        if path == "csv_to_pandas":
            from duneq._results.frames import to_pandas

            frame = to_pandas(table)
            rows = len(frame)
    elif path == "csv_pandas_untyped":
        import io

        import pandas as pd

        joined = pages[0] + b"".join(p.split(b"\n", 1)[1] for p in pages[1:])
        frame = pd.read_csv(io.BytesIO(joined))
        rows = len(frame)
    else:
        import orjson
        from duneq._dunetypes.rows import RowTyper, exact_rows

        typer = RowTyper(NAMES, TYPES)
        touched = 0
        for index, page in enumerate(pages):
            decoded = orjson.loads(page) if path == "json_rows_orjson" else exact_rows(page)
            if path == "json_rows_typed":
                decoded = typer.convert(decoded, offset=index * PAGE)
            for row in decoded:
                touched += len(row)
            rows += len(decoded)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "path": path,
        "rows": rows,
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(peak),
        "growth_mb": round(peak - base_rss),
        "input_mb": round(input_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the best is shown")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(*args.child)))
        return
    with tempfile.TemporaryDirectory() as folder:
        json_file, csv_file = generate(args.rows, folder)
        print(f"{args.rows} rows x {len(NAMES)} columns, pages of {PAGE}")
        print(
            f"JSON {os.path.getsize(json_file) / 2**20:.0f} MiB, CSV "
            f"{os.path.getsize(csv_file) / 2**20:.0f} MiB"
        )
        print(f"{'path':20s} {'wall s':>7s} {'peak MB':>8s} {'growth':>7s}  what")
        best: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits every path alike
            for path in args.paths.split(","):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", path, json_file, csv_file],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                line = next(x for x in out.splitlines() if x.startswith("RESULT "))
                r = json.loads(line[len("RESULT ") :])
                if path not in best or r["wall_s"] < best[path]["wall_s"]:
                    best[path] = r
        print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        for path, r in best.items():
            print(
                f"{path:20s} {r['wall_s']:7.3f} {r['peak_rss_mb']:8d} {r['growth_mb']:7d}  "
                f"{PATHS[path]} ({r['rows']} rows)"
            )


if __name__ == "__main__":
    main()
