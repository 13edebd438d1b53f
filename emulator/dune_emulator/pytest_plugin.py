"""pytest fixtures: `dune_emulator_server` (one per session) and `dune_emulator` (reset per test).

Enable with `pytest_plugins = ["dune_emulator.pytest_plugin"]` in a conftest.py (or
`-p dune_emulator.pytest_plugin`). Seed users' fixtures with `--dune-emulator-fixtures FILE`
or the ini option `dune_emulator_fixtures` (relative to the rootdir)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .config import EmulatorConfig
from .server import EmulatorHandle, run_emulator
from .testing import EmulatorTime

TEST_API_KEY = "test-key"
FIXTURES_OPTION = "--dune-emulator-fixtures"
FIXTURES_INI = "dune_emulator_fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dune_emulator")
    group.addoption(
        FIXTURES_OPTION,
        metavar="FILE",
        default=None,
        help="YAML/JSON fixtures the session emulator seeds (queries, executions, uploads, views)",
    )
    parser.addini(FIXTURES_INI, "fixtures file for the session emulator (rootdir-relative)")


def fixtures_path(config: pytest.Config) -> Path | None:
    """The fixtures file from the command line, else from the ini file, else None."""
    given: str | None = config.getoption(FIXTURES_OPTION, None)
    if given:
        return Path(given)
    ini = str(config.getini(FIXTURES_INI) or "")
    return config.rootpath / ini if ini else None


@pytest.fixture(scope="session")
def dune_emulator_server(pytestconfig: pytest.Config) -> Iterator[EmulatorHandle]:
    """One emulator for the whole session, accepting the key `test-key`, seeded with the
    configured fixtures (again after every reset)."""
    config = EmulatorConfig(api_keys=(TEST_API_KEY,), fixtures=fixtures_path(pytestconfig))
    with run_emulator(config) as handle:
        yield handle


@pytest.fixture
def dune_emulator(dune_emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The session emulator, reset (faults, pins, counters, settings, executions) for this test."""
    dune_emulator_server.control.reset()
    return dune_emulator_server


@pytest.fixture
def dune_emulator_time(dune_emulator: EmulatorHandle) -> EmulatorTime:
    """Sleep and clock on the (reset) emulator's clock, for clients whose waits are not the
    point of a test: ``duneq.Client(..., **dune_emulator_time.client_kwargs())``."""
    return EmulatorTime(dune_emulator)
