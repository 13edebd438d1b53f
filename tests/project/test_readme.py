"""Every fenced example of README.md, run as written against the emulator: shell lines through
the ``duneq`` command (in-process), Python blocks executed with ``DUNE_API_KEY`` and
``DUNE_API_BASE_URL`` pointing at the emulator, JSON parsed, and the command synopsis (a fence
without a language) checked against the CLI's own subcommands."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from dune_emulator import EmulatorHandle
from duneq.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^( *)```(\w*)[^\n]*\n(.*?)^\1```[ \t]*$", re.MULTILINE | re.DOTALL)

#: Shell commands the test does not run, each with the reason. Anything else must succeed.
NOT_RUN = {
    "uv run pytest": "it is this test suite",
    "uv run python scripts/spec_diff.py": "a developer command on a placeholder path",
    "uv run python scripts/regenerate.py": "rewrites generated/ (tests/project/test_regenerate.py runs it)",
}


#: Python blocks of the orchestrator integrations (the dev environment has neither package):
#: each runs in its own environment, integrations/NAME/tests/test_readme_block.py.
ELSEWHERE = ("airflow", "dagster")


@dataclass(frozen=True)
class Example:
    """One fenced block of the README: its language, text and first line number."""

    lang: str
    text: str
    line: int

    @property
    def id(self) -> str:
        return f"line{self.line}-{self.lang or 'synopsis'}"


def examples() -> list[Example]:
    """Every fenced block, dedented (blocks inside list items are indented)."""
    text = README.read_text(encoding="utf-8")
    return [
        Example(m.group(2), textwrap.dedent(m.group(3)), text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


EXAMPLES = examples()


def test_the_readme_has_the_examples_this_test_knows() -> None:
    """The parser sees every fence (an unclosed or odd one would silently skip examples)."""
    langs = {e.lang for e in EXAMPLES}
    assert langs <= {"sh", "python", "json", ""}, langs
    assert README.read_text(encoding="utf-8").count("```") == 2 * len(EXAMPLES)
    assert sum(e.lang == "python" for e in EXAMPLES) >= 6
    assert sum(e.lang == "sh" for e in EXAMPLES) >= 3


@pytest.fixture
def at_emulator(
    dune_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> EmulatorHandle:
    """Environment and working directory of a reader: key and URL of the emulator, an empty
    folder to write files into."""
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    monkeypatch.delenv("DUNEQ_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return dune_emulator


# -- shell --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_shell(
    example: Example, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> int:
    """Run each command line; returns how many ran. A background ``duneq emulator … &`` is
    started as a process on a free port (the README's port may be taken on a shared machine)
    and every later mention of its port is rewritten to the one it got."""
    ran = 0
    ports: dict[str, str] = {}
    background: list[subprocess.Popen[str]] = []
    try:
        for raw in example.text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            for old, new in ports.items():
                line = line.replace(old, new)
            if any(line.startswith(prefix) for prefix in NOT_RUN):
                continue
            words = shlex.split(line, comments=True)
            if words[0] == "export":
                for assignment in words[1:]:
                    name, _, value = assignment.partition("=")
                    if value != "...":  # the reader's own key
                        monkeypatch.setenv(name, value)
                ran += 1
                continue
            assert words[:3] == ["uv", "run", "duneq"], f"README line {example.line}: {raw!r}"
            argv = words[3:]
            if argv and argv[-1] == "&":
                proc, port = _start_background(argv[:-1])
                background.append(proc)
                if "--port" in argv:
                    ports[argv[argv.index("--port") + 1]] = port
                ran += 1
                continue
            capsys.readouterr()
            code = main(argv)
            out, err = capsys.readouterr()
            assert code == 0, f"README line {example.line}: duneq {' '.join(argv)}\n{err}"
            assert out.strip() or argv[0] == "demo", f"duneq {' '.join(argv)} printed nothing"
            ran += 1
        if background:
            # the README's exports now point at the emulator it started: it answers them
            base = os.environ["DUNE_API_BASE_URL"]
            key = os.environ["DUNE_API_KEY"]
            r = httpx.get(f"{base}/api/v1/query/1215383", headers={"X-Dune-Api-Key": key})
            assert r.status_code == 200, r.text
    finally:
        for proc in background:
            proc.terminate()
            proc.wait(30)
    return ran


def _start_background(argv: list[str]) -> tuple[subprocess.Popen[str], str]:
    port = str(_free_port())
    if "--port" in argv:
        argv = list(argv)
        argv[argv.index("--port") + 1] = port
    proc = subprocess.Popen(
        [sys.executable, "-m", "duneq", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # the emulator prints its base URL once it listens
        seen.append(line)
        if f"127.0.0.1:{port}" in line:
            return proc, port
    proc.wait(30)
    raise AssertionError(f"duneq {' '.join(argv)} did not start: {''.join(seen)}")


# -- python ---------------------------------------------------------------------------------------


def _python_setup(example: Example, emu: EmulatorHandle) -> None:
    """The few things a block names but does not create: the file it inserts from, and the
    custom endpoint it reads (a saved query with a `tvl` column, run once)."""
    if '"trades.csv"' in example.text:
        Path("trades.csv").write_text("id,amount\n5,6.5\n", encoding="utf-8")
    if "top-pools" in example.text:
        import duneq

        with duneq.Client() as dune:
            qid = dune.queries.create(
                "top pools",
                "select project as pool, sum(amount_usd) as tvl from dex.trades group by project",
            )
            dune.run_query(qid)
        r = httpx.post(
            f"{emu.base_url}/_emulator/endpoints",
            json={"handle": "my_team", "slug": "top-pools", "query_id": qid},
        )
        assert r.status_code == 200, r.text


def _run_python(example: Example, request: pytest.FixtureRequest, emu: EmulatorHandle) -> None:
    """Execute the block with ``duneq`` imported and ``dune`` an open client (the names the
    README's first example introduces); top-level ``await`` runs in an event loop, and a
    ``def test_…`` it defines is called with the fixtures it names."""
    import duneq

    _python_setup(example, emu)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(example.text, f"README.md:{example.line}", "exec", flags=flags)
    with duneq.Client() as dune, warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning (every sweep item failed ...) is a failure
        namespace: dict[str, Any] = {"duneq": duneq, "dune": dune, "__name__": "readme"}
        outcome = eval(code, namespace)
        if inspect.iscoroutine(outcome):
            asyncio.run(outcome)
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                fixtures = inspect.signature(value).parameters
                value(**{p: request.getfixturevalue(p) for p in fixtures})


# -- the synopsis and JSON ----------------------------------------------------------------------


def _subcommand_lines(text: str) -> list[list[str]]:
    """``duneq GROUP a|b ARG|c …`` → [GROUP, a, b, c] per command (``;`` separates two)."""
    found = []
    for line in text.splitlines():
        for command in line.split(";"):
            words = command.split("#", 1)[0].split()
            if len(words) < 2 or words[0] != "duneq":
                continue
            group, rest = words[1], " ".join(words[2:])
            subs = [alt.split()[0] for alt in rest.split("|") if alt.strip()]
            found.append([group, *[s for s in subs if re.fullmatch(r"[a-z][a-z-]*", s)]])
    return found


def _help_exits_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main([*argv, "--help"])
    out, _err = capsys.readouterr()
    assert code == 0 and "usage:" in out, f"duneq {' '.join(argv)} --help exited {code}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_readme_example(
    example: Example,
    at_emulator: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    if example.lang == "sh":
        commands = [
            line
            for line in example.text.splitlines()
            if line.strip() and not any(line.strip().startswith(p) for p in NOT_RUN)
        ]
        if not commands:
            pytest.skip(f"README line {example.line}: only commands in NOT_RUN")
        assert _run_shell(example, capsys, monkeypatch) == len(commands)
    elif example.lang == "python":
        for name in ELSEWHERE:
            if re.search(rf"^(import|from) {name}\b", example.text, re.MULTILINE):
                pytest.skip(f"README line {example.line}: runs in integrations/{name}")
        _run_python(example, request, at_emulator)
    elif example.lang == "json":
        config = json.loads(example.text)
        for server in config["mcpServers"].values():
            assert server["command"] == "duneq"
            _help_exits_zero(list(server["args"][:1]), capsys)
    else:
        synopsis = _subcommand_lines(example.text)
        assert synopsis, f"README line {example.line}: no duneq command in the synopsis"
        for group, *subs in synopsis:
            _help_exits_zero([group], capsys)
            for sub in subs:
                _help_exits_zero([group, sub], capsys)


def test_first_examples_answer_from_the_sample_data(
    at_emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's first commands and call give real rows on the emulator: the saved query
    1215383 with its `chain` parameter, and `dex.trades` with Dune's `block_date`."""
    import duneq

    text = README.read_text(encoding="utf-8")
    assert "duneq run 1215383 --limit 20" in text
    assert 'run_query(1215383, {"chain": "base"}' in text
    assert main(["run", "1215383", "--limit", "20", "-o", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20
    sql = "select count(*) as n from dex.trades where block_date = date '2024-01-02'"
    assert main(["sql", sql, "-o", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "141"]
    with duneq.Client() as dune:
        result = dune.run_query(1215383, {"chain": "base"}, limit=1000)
        assert result.column_names[:2] == ["block_date", "block_time"]
        assert len(result.rows) == 200
        runs = dune.sweep(3, params=[{"day": f"2024-01-0{d} 00:00:00"} for d in (1, 2)])
        assert len(runs.failed) == 0 and len(runs.rows) == 10


def test_the_install_line_installs_every_extra() -> None:
    """`pip install "duneq[all]"`, the README's line, covers every other extra."""
    import tomllib

    project = tomllib.loads((README.parent / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    (line,) = extras["all"]
    # the orchestrator extras stay out of "all" (issue 27: installing duneq never pulls in
    # Airflow or Dagster); the README gives each its own install line
    everything = set(extras) - {"all", *ELSEWHERE}
    assert set(line.removeprefix("duneq[").removesuffix("]").split(",")) == everything
    text = README.read_text(encoding="utf-8")
    assert 'pip install "/path/to/duneq[all]"' in text
    assert all(f"pip install 'duneq[{name}]'" in text for name in ELSEWHERE)
