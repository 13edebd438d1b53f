"""The orchestrator integrations' own locks record this checkout's metadata (its dev group
included), so a change to pyproject.toml must relock them or .ci/run fails on a fresh clone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "integrations").iterdir() if (p / "uv.lock").exists())
)
def test_integration_lock_is_current(name: str) -> None:
    uv = shutil.which("uv")
    assert uv is not None, "uv is on PATH wherever the suite runs (.ci/run installs it)"
    done = subprocess.run(
        [uv, "lock", "--locked"], cwd=ROOT / "integrations" / name, capture_output=True, text=True
    )
    assert done.returncode == 0, f"integrations/{name}: run `uv lock` there\n{done.stderr}"
