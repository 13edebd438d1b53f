"""The one seam the in-process CLI tests use: every client ``duneq.cli`` builds also gets the
test's keyword arguments (a sleep and a clock), so its waits run on the emulator's clock."""

from __future__ import annotations

import argparse
from typing import Any

import duneq
import pytest
from duneq.cli import commands

BUILD_CLIENT = commands._client


def give_cli_clients(monkeypatch: pytest.MonkeyPatch, **extra: Any) -> None:
    """Every client the in-process CLI builds for this test also gets ``extra``."""

    def client(args: argparse.Namespace, **kwargs: Any) -> duneq.Client:
        return BUILD_CLIENT(args, **extra, **kwargs)

    monkeypatch.setattr(commands, "_client", client)
