"""Users' CI fixtures (queries with their own ids, executions, uploads, views), the owner
handle, and `duneq emulator` as a background process: keys, fixtures and clean signals."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dune_client.client import DuneClient
from dune_client.query import QueryBase
from dune_client.types import QueryParameter
from dune_emulator import EmulatorConfig, EmulatorHandle, run_emulator
from dune_emulator.fixtures import FixtureError, load_fixtures
from dune_emulator.testing import wait_terminal

REPO = Path(__file__).resolve().parents[2]
FIXTURES = textwrap.dedent(
    """\
    queries:
      - {query_id: 1215383, name: text field, query_sql: "select '{{TextField}}' as text_field",
         parameters: [{key: TextField, type: text, value: "Plain Text"}]}
    executions:
      - {query_id: 1215383}
      - {query_id: 1215383, query_parameters: {TextField: "other"}}
    uploads:
      - {namespace: emulator, table_name: my_table, schema: [{name: a, type: integer}],
         rows: "a\\n1\\n2"}
      - namespace: emulator
        table_name: signed
        schema: [{name: v, type: int256}, {name: s, type: varchar}]
        rows: [{v: "-5", s: x}, {v: 7, s: null}]
      - {table_name: inferred, rows: "x,y\\n1,a\\n"}
    matviews:
      - {name: dune.emulator.result_x, query_id: 1215383}
    """
)


def _write(tmp_path: Path, text: str, name: str = "fixtures.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    path = _write(tmp_path_factory.mktemp("fx"), FIXTURES)
    with run_emulator(EmulatorConfig(api_keys=("k",), fixtures=path)) as emu:
        yield emu


@pytest.fixture
def api(seeded: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{seeded.base_url}/api/v1", headers={"X-Dune-Api-Key": "k"}, timeout=60
    ) as client:
        yield client


def test_dune_client_reads_seeded_latest_result_then_runs_the_query(
    seeded: EmulatorHandle,
) -> None:
    dune = DuneClient(api_key="k", base_url=seeded.base_url)
    assert dune.get_query(1215383).base.name == "text field"
    # the executions ran in order at start: the last one is the latest result
    assert dune.get_latest_result(1215383).get_rows() == [{"text_field": "other"}]
    q = QueryBase(query_id=1215383, params=[QueryParameter.text_type("TextField", "again")])
    assert dune.run_query(q, ping_frequency=0).get_rows() == [{"text_field": "again"}]
    assert dune.get_latest_result(1215383).get_rows() == [{"text_field": "again"}]
    seeded.control.reset()  # a reset seeds the fixtures again
    assert dune.get_latest_result(1215383).get_rows() == [{"text_field": "other"}]


def test_seeded_uploads_and_view(api: httpx.Client, seeded: EmulatorHandle) -> None:
    dune = DuneClient(api_key="k", base_url=seeded.base_url)
    rows = dune.run_sql("select a from dune.emulator.my_table order by a", ping_frequency=0)
    assert rows.get_rows() == [{"a": 1}, {"a": 2}]
    signed = dune.run_sql("select v, s from dune.emulator.signed order by v", ping_frequency=0)
    assert signed.get_rows() == [{"v": "-5", "s": "x"}, {"v": "7", "s": None}]
    inferred = dune.run_sql("select * from dune.emulator.dataset_inferred", ping_frequency=0)
    assert inferred.get_rows() == [{"x": 1, "y": "a"}]
    view = api.get("/materialized-views/dune.emulator.result_x").json()
    assert view["query_id"] == 1215383 and view["table_size_bytes"] > 0
    table = dune.run_sql("select * from dune.emulator.result_x", ping_frequency=0)
    assert table.get_rows() == [{"text_field": "Plain Text"}]


def test_datasets_int256_owner_and_view_times(api: httpx.Client) -> None:
    signed = api.get("/datasets/dune.emulator.signed").json()
    assert [c["type"] for c in signed["columns"]] == ["int256", "varchar"]
    view = api.get("/datasets/dune.emulator.result_x").json()
    upload = api.get("/datasets/dune.emulator.my_table").json()
    assert view["type"] == "materialized_view" and upload["type"] == "uploaded_table"
    assert view["owner"] == upload["owner"] == {"handle": "emulator", "type": "user"}
    assert view["created_at"] != "2024-01-01T00:00:00Z"
    assert view["created_at"][:4] == upload["created_at"][:4] >= "2025"


def test_owner_handle_everywhere(tmp_path: Path) -> None:
    with (
        run_emulator(EmulatorConfig(api_keys=("k",), owner_handle="acme")) as emu,
        httpx.Client(
            base_url=f"{emu.base_url}/api/v1", headers={"X-Dune-Api-Key": "k"}, timeout=60
        ) as api,
    ):
        up = api.post("/uploads/csv", json={"table_name": "t", "data": "a\n1\n"}).json()
        assert up["full_name"] == "dune.acme.dataset_t"
        view = api.post("/materialized-views", json={"name": "result_v", "query_id": 2})
        assert view.json()["name"] == "dune.acme.result_v"
        assert wait_terminal(api, view.json()["execution_id"])["state"] == "QUERY_STATE_COMPLETED"
        assert api.get("/query/2").json()["owner"] == "acme"
        owners = {
            d["full_name"]: d["owner"]
            for d in api.get("/datasets", params={"owner_handle": "acme"}).json()["datasets"]
        }
        assert owners == {
            "dune.acme.dataset_t": {"handle": "acme", "type": "user"},
            "dune.acme.result_v": {"handle": "acme", "type": "user"},
        }
        table = api.get("/uploads").json()["tables"][0]
        assert table["owner"] == {"handle": "acme", "type": "user"}


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("queries: [1", "f.yaml", r"f\.yaml: invalid YAML at line 1"),
        ('{"queries": [}', "f.json", r"f\.json: invalid JSON at line 1 column 14"),
        ("- 1\n", "f.yaml", r"the top level must be a mapping"),
        ("views: []\n", "f.yaml", r"unknown section\(s\) views"),
        (
            "queries: [{query_sql: x}]\n",
            "f.yaml",
            r"queries\[0\]: missing required key\(s\) query_id",
        ),
        (
            "executions: [{query_id: 3, params: {}}]\n",
            "f.yaml",
            r"executions\[0\]: unknown key\(s\) params",
        ),
        (
            "uploads: [{table_name: t, schema: [{name: a, type: integer}], rows: 5}]\n",
            "f.yaml",
            r"uploads\[0\] \(table_name t\): rows must be CSV text or a list of mappings",
        ),
    ],
)
def test_bad_fixture_files_name_file_entry_and_cause(
    tmp_path: Path, text: str, name: str, message: str
) -> None:
    with pytest.raises(FixtureError, match=message):
        load_fixtures(_write(tmp_path, text, name))


def test_fixture_that_cannot_be_seeded_fails_start_up(tmp_path: Path) -> None:
    bad = {
        "queries": [{"query_id": 77, "query_sql": "select nope from nowhere"}],
        "executions": [{"query_id": 77}],
    }
    path = _write(tmp_path, json.dumps(bad), "bad.json")
    proc = subprocess.run(
        [sys.executable, "-m", "dune_emulator", "--port", "0", "--fixtures", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert re.search(
        r"bad\.json: executions\[0\] \(query_id 77\): the execution failed", proc.stderr
    )
    assert "Traceback" not in proc.stderr
    unknown = _write(tmp_path, "executions: [{query_id: 5}]\n")
    with (
        pytest.raises(FixtureError, match=r"executions\[0\] \(query_id 5\): Query not found"),
        run_emulator(EmulatorConfig(fixtures=unknown)),
    ):
        pass


def _start_background(*argv: str) -> tuple[subprocess.Popen[str], str]:
    """`duneq emulator` as a shell background job would run it: SIGINT ignored."""
    cmd = " ".join([sys.executable, "-m", "duneq", "emulator", "--port", "0", *argv])
    proc = subprocess.Popen(
        ["bash", "-c", f"trap '' INT; exec {cmd}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("export DUNE_API_KEY="):
            break
    found = re.search(r"^export DUNE_API_BASE_URL=(\S+)$", "".join(lines), re.M)
    assert found, "".join(lines) + (proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
    return proc, found[1]


def _port_closed(base_url: str) -> bool:
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_duneq_emulator_keys_fixtures_and_clean_stop(tmp_path: Path, signum: int) -> None:
    path = _write(tmp_path, FIXTURES.replace("emulator", "acme"))
    proc, base_url = _start_background(
        "--api-key", "ci", "--api-key", "ci2", "--fixtures", str(path), "--owner-handle", "acme"
    )
    try:
        with httpx.Client(base_url=f"{base_url}/api/v1", timeout=60) as api:
            latest: dict[str, Any] = api.get(
                "/query/1215383/results", headers={"X-Dune-Api-Key": "ci2"}
            ).json()
            assert latest["result"]["rows"] == [{"text_field": "other"}]
            query = api.get("/query/2", headers={"X-Dune-Api-Key": "ci"})
            assert query.status_code == 200 and query.json()["owner"] == "acme"
            dev = api.get("/query/2", headers={"X-Dune-Api-Key": "dune-emulator-dev-key"})
            assert dev.status_code == 401
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 0
        assert _port_closed(base_url)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_pytest_plugin_option_and_ini(tmp_path: Path) -> None:
    _write(tmp_path, FIXTURES, "fx.yaml")
    (tmp_path / "test_seeded.py").write_text(
        textwrap.dedent(
            """\
            import httpx

            def test_latest(dune_emulator):
                r = httpx.get(
                    f"{dune_emulator.base_url}/api/v1/query/1215383/results",
                    headers={"X-Dune-Api-Key": dune_emulator.api_key},
                )
                assert r.json()["result"]["rows"] == [{"text_field": "other"}]
            """
        )
    )
    base = [sys.executable, "-m", "pytest", "-q", "-p", "dune_emulator.pytest_plugin"]
    base += ["-p", "no:cacheprovider"]
    # Only the plugin under test: autoloading every installed plugin costs a second a run.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = subprocess.run(
        [*base, "--dune-emulator-fixtures", "fx.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (tmp_path / "pytest.ini").write_text("[pytest]\ndune_emulator_fixtures = fx.yaml\n")
    run = subprocess.run(
        base, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
