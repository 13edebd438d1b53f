"""pytest fixtures: `dune_emulator_server` (one per session) and `dune_emulator` (reset per test).

Enable with `pytest_plugins = ["dune_emulator.pytest_plugin"]` in a conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .config import EmulatorConfig
from .server import EmulatorHandle, run_emulator

TEST_API_KEY = "test-key"


@pytest.fixture(scope="session")
def dune_emulator_server() -> Iterator[EmulatorHandle]:
    """One emulator for the whole session, accepting the key `test-key`."""
    with run_emulator(EmulatorConfig(api_keys=(TEST_API_KEY,))) as handle:
        yield handle


@pytest.fixture
def dune_emulator(dune_emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The session emulator, reset (faults, pins, counters, settings, executions) for this test."""
    dune_emulator_server.control.reset()
    return dune_emulator_server
