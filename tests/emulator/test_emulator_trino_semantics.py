"""Issue 23: the emulator answers DuneSQL as Dune's Trino does, or fails saying it cannot.

`trino_corpus/cases.txt` holds the conformance corpus: one query per line with Trino's documented
answer (value and type) or its error. All of it runs in one test through real HTTP, in parallel;
a case may be answered correctly (pass), refused with an error (unsupported: only allowed for
cases marked `GAP`), or answered differently (wrong: only the few marked `WRONG`, each a gap the
README lists). Failures list every case.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from dune_emulator import EmulatorHandle
from dune_emulator.testing import wait_terminal

CORPUS = Path(__file__).resolve().parents[1] / "trino_corpus" / "cases.txt"


@dataclass(frozen=True)
class Case:
    """One corpus line: SQL, then either a value and its Dune type, or an error substring."""

    line: int
    sql: str
    value: Any = None
    type: str | None = None
    error: str | None = None
    gap: bool = False
    known_wrong: bool = False


def load_cases(path: Path = CORPUS) -> list[Case]:
    """Parse `SQL => JSON-VALUE :: TYPE`, `SQL => ERROR text` or `GAP SQL => …` lines."""
    cases = []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        gap = text.startswith("GAP ")
        known_wrong = text.startswith("WRONG ")
        text = text.removeprefix("GAP ").removeprefix("WRONG ")
        sql, _, expected = text.rpartition(" => ")
        if expected.startswith("ERROR "):
            error = expected.removeprefix("ERROR ")
            cases.append(Case(no, sql, error=error, gap=gap, known_wrong=known_wrong))
            continue
        value, _, dune_type = expected.rpartition(" :: ")
        cases.append(Case(no, sql, json.loads(value), dune_type, gap=gap, known_wrong=known_wrong))
    return cases


def run_case(api: httpx.Client, case: Case) -> tuple[str, str]:
    """(`pass` | `unsupported` | `wrong`, detail) for one case, over HTTP."""
    r = api.post("/sql/execute", json={"sql": case.sql})
    if r.status_code != 200:
        return "wrong", f"HTTP {r.status_code}: {r.text}"
    eid = r.json()["execution_id"]
    status = wait_terminal(api, eid, limit_s=60)
    if status["state"] != "QUERY_STATE_COMPLETED":
        message = str(status.get("error", {}).get("message", status["state"]))
        if case.error is not None and case.error in message:
            return ("unsupported" if case.gap else "pass"), message
        return "unsupported", message
    if case.error is not None:
        return "wrong", "completed, but Trino fails with: " + case.error
    result = api.get(f"/execution/{eid}/results").json()["result"]
    name = result["metadata"]["column_names"][0]
    got = result["rows"][0][name] if result["rows"] else None
    got_type = result["metadata"]["column_types"][0]
    if got == case.value and got_type == case.type:
        return "pass", ""
    return "wrong", f"got {json.dumps(got)} :: {got_type}"


def run_corpus(api: httpx.Client, cases: list[Case]) -> list[tuple[Case, str, str]]:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda c: run_case(api, c), cases))
    return [(c, kind, detail) for c, (kind, detail) in zip(cases, outcomes, strict=True)]


def test_corpus_is_large_and_well_formed() -> None:
    cases = load_cases()
    assert len(cases) >= 300
    assert all(c.error is not None or c.type for c in cases)
    assert len({c.sql for c in cases}) == len(cases), "duplicate corpus queries"


def test_conformance_corpus(emu_api: httpx.Client, dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(default_executing_seconds=0, max_concurrent_executions=8)
    results = run_corpus(emu_api, load_cases())
    wrong = [
        f"line {c.line}: {c.sql} => {d}"
        for c, k, d in results
        if k == "wrong" and not c.known_wrong
    ]
    fixed = [f"line {c.line}: {c.sql}" for c, k, _ in results if c.known_wrong and k != "wrong"]
    refused = [f"line {c.line}: {c.sql} => {d}" for c, k, d in results if k == "unsupported"]
    unexpected = [
        f"line {c.line}: {c.sql} => {d}" for c, k, d in results if k == "unsupported" and not c.gap
    ]
    stale_gaps = [f"line {c.line}: {c.sql}" for c, k, _ in results if c.gap and k != "unsupported"]
    counts = {k: sum(1 for _, kind, _ in results if kind == k) for k in ("pass", "unsupported")}
    known = sum(1 for c, k, _ in results if k == "wrong" and c.known_wrong)
    summary = f"{counts} wrong={len(wrong) + known} (known and marked WRONG: {known})"
    report = f"{summary}\nwrong answers:\n" + "\n".join(wrong)
    report += "\nrefused (not marked GAP):\n" + "\n".join(unexpected)
    assert not wrong and not unexpected, report
    assert not fixed, "cases marked WRONG now pass or fail loudly; unmark them:\n" + "\n".join(
        fixed
    )
    assert not stale_gaps, "cases marked GAP now pass; unmark them:\n" + "\n".join(stale_gaps)
    assert len(refused) == sum(1 for c in load_cases() if c.gap)
