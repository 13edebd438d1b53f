"""The README's Airflow DAG, run as written in this environment (the dev one has no Airflow):
it defines the DAG and its three tasks, the Dune operators deferrable by default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_block(name: str) -> str:
    """The README's fenced Python block that imports ``name``."""
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    (block,) = [b for b in blocks if re.search(rf"^(import|from) {name}\b", b, re.M)]
    return str(block)


def test_readme_dag_defines_its_tasks() -> None:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_block("airflow"), "README.md", "exec"), namespace)
    from airflow.sdk import DAG
    from duneq.airflow import DuneExecutionSensor, DuneRunQueryOperator, DuneRunSQLOperator

    (dag,) = [v for v in namespace.values() if isinstance(v, DAG)] or [namespace["pull"].dag]
    assert dag.dag_id == "dune_daily"
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {"dex_volume", "adhoc", "wait_other"}
    pull = tasks["dex_volume"]
    assert isinstance(pull, DuneRunQueryOperator) and pull.deferrable
    assert pull.partition_by == ["blockchain"] and pull.max_credits == 200
    assert isinstance(tasks["adhoc"], DuneRunSQLOperator) and not tasks["adhoc"].deferrable
    assert isinstance(tasks["wait_other"], DuneExecutionSensor)
