import os
import sys

pytest_plugins = ["dune_emulator.pytest_plugin"]

# The suite starts about a hundred Python processes (xdist workers, the CLI, the MCP server, the
# generator, benchmark children). Under PYTHONDONTWRITEBYTECODE each of them compiles every
# module it imports from source (0.6 s of a 1.2 s CLI call); the suite caches bytecode instead.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# Fixtures shared by every test folder (raw HTTP to the emulator) live below the plugin line;
# helpers to import live in tests/helpers/ (this directory is on sys.path through this file).
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from dune_emulator import EmulatorHandle  # noqa: E402
from dune_emulator.testing import wait_terminal  # noqa: E402


@pytest.fixture
def emu_api(dune_emulator: EmulatorHandle) -> Iterator[httpx.Client]:
    """An httpx client for `{base}/api/v1` sending the emulator's key."""
    with httpx.Client(
        base_url=f"{dune_emulator.base_url}/api/v1",
        headers={"X-Dune-Api-Key": dune_emulator.api_key},
        timeout=60,
    ) as client:
        yield client


@pytest.fixture
def run_sql(emu_api: httpx.Client) -> Callable[..., tuple[str, dict[str, Any]]]:
    """Execute raw SQL and wait; returns (execution_id, final status)."""

    def run(sql: str, **body: Any) -> tuple[str, dict[str, Any]]:
        r = emu_api.post("/sql/execute", json={"sql": sql, **body})
        assert r.status_code == 200, r.text
        eid = r.json()["execution_id"]
        return eid, wait_terminal(emu_api, eid)

    return run
