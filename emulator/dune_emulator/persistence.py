"""The data dir: DuckDB tables and stored results in `emulator.duckdb`, saved queries and
finished executions in `state.json` (written atomically after every change)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

DB_FILE = "emulator.duckdb"
STATE_FILE = "state.json"


def prepare_dir(data_dir: Path | str) -> Path:
    path = Path(data_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"data dir {path} exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_state(data_dir: Path) -> dict[str, Any] | None:
    file = data_dir / STATE_FILE
    if not file.exists():
        return None
    try:
        data = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{file} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{file} does not hold a JSON object")
    return data


def save_state(data_dir: Path, state: dict[str, Any]) -> None:
    blob = orjson.dumps(state, option=orjson.OPT_INDENT_2)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".state-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, data_dir / STATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
