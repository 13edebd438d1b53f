"""An Airflow home of its own (SQLite metadata DB, migrated once per session) and a ``dune``
connection pointing at the test's emulator, set before Airflow is first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HOME = Path(tempfile.mkdtemp(prefix="duneq-airflow-"))
os.environ.update(
    AIRFLOW_HOME=str(HOME),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__DAGS_FOLDER=str(Path(__file__).parent / "dags"),
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{HOME / 'airflow.db'}",
)


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Iterator[Path]:
    """``airflow db migrate`` once for the session (dag.test() records its runs there)."""
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [str(airflow), "db", "migrate"], env=os.environ.copy(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    yield HOME


@pytest.fixture
def dune_connection(dune_emulator, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """``dune_default``: the emulator's base URL as host, its key as password."""
    conn = {
        "conn_type": "dune",
        "host": dune_emulator.base_url,
        "password": dune_emulator.api_key,
        "extra": {"timeout": 30, "max_credits": 1000},
    }
    monkeypatch.setenv("AIRFLOW_CONN_DUNE_DEFAULT", json.dumps(conn))
    return "dune_default"
