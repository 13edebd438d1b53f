"""The Airflow 3 names this provider uses, with an error naming the extra when it is missing."""

from __future__ import annotations

try:
    from airflow.sdk import BaseHook, BaseOperator, BaseSensorOperator
    from airflow.sdk.exceptions import AirflowException
    from airflow.triggers.base import BaseTrigger, TriggerEvent
except ImportError as exc:  # pragma: no cover - the message is the point
    from .._optional import MissingDependency

    raise MissingDependency(
        "Airflow 3 is needed for duneq.airflow; install it with: "
        f"pip install 'duneq[airflow]' ({exc})"
    ) from exc

__all__ = [
    "AirflowException",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "BaseTrigger",
    "TriggerEvent",
]
