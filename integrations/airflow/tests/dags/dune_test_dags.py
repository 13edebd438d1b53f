"""The DAGs the provider's tests run with dag.test(); values come from the run's conf."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG
from duneq.airflow import DuneExecutionSensor, DuneRunQueryOperator, DuneRunSQLOperator

START = datetime(2024, 1, 1, tzinfo=UTC)

with DAG("dune_pull", schedule="@daily", start_date=START, catchup=False) as dune_pull:
    DuneRunQueryOperator(
        task_id="pull",
        query_id="{{ dag_run.conf['query_id'] }}",
        parameters={"day": "{{ ds }}"},
        output_uri="{{ dag_run.conf['lake'] }}/day={{ ds }}",
        partition_by=["odd"],
    )

with DAG("dune_killed", schedule=None, start_date=START, catchup=False) as dune_killed:
    DuneRunSQLOperator(task_id="long", sql="select 1 as one", deferrable=False)

with DAG("dune_sensed", schedule=None, start_date=START, catchup=False) as dune_sensed:
    DuneExecutionSensor(
        task_id="ok", execution_id="{{ dag_run.conf['ok'] }}", poke_interval=0.2, timeout=60
    )
    DuneExecutionSensor(
        task_id="bad", execution_id="{{ dag_run.conf['bad'] }}", poke_interval=0.2, timeout=60
    )
