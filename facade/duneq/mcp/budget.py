"""The session budget: credits, executions and datapoints one server process may spend.

Checked before every execute and every results fetch, so a refusal costs nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

#: Credits one execution is estimated at, by engine tier (Dune's API prices per execution).
TIER_CREDITS = {"medium": 10.0, "large": 20.0}


class BudgetExceeded(Exception):
    """A call would go over the session budget; the message says by how much and what to do."""


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass
class Budget:
    """Limits (None: unlimited) and what this session has spent so far."""

    max_credits: float | None = None
    max_executions: int | None = None
    max_datapoints: int | None = None
    executions: int = 0
    datapoints: int = 0
    _credits: dict[str, float] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def credits(self) -> float:
        """Credits spent: the API's reported cost where known, else the tier estimate."""
        return sum(self._credits.values())

    def remaining_datapoints(self) -> int | None:
        if self.max_datapoints is None:
            return None
        return max(self.max_datapoints - self.datapoints, 0)

    def check_execute(self, what: str, performance: str | None) -> str:
        """Refuse an execution that would pass a limit, else reserve its credit estimate and
        one execution at once (so concurrent tool calls cannot both pass the check); returns
        the reservation's key, unique in this session."""
        estimate = TIER_CREDITS.get(performance or "medium", TIER_CREDITS["medium"])
        if self.max_executions is not None and self.executions + 1 > self.max_executions:
            raise BudgetExceeded(
                f"Refused by the session budget: {what} would be execution "
                f"{self.executions + 1}, but --max-executions is {self.max_executions} and all "
                "are used; reuse a result with latest_result or get_results instead of running again."
            )
        if self.max_credits is not None:
            left = max(self.max_credits - self.credits, 0.0)
            if estimate > left:
                raise BudgetExceeded(
                    f"Refused by the session budget: {what} is estimated at {_num(estimate)} "
                    f"credits ({performance or 'medium'} engine), but only {_num(left)} of the "
                    f"{_num(self.max_credits)}-credit budget (--max-credits) remain; reuse a "
                    "result with latest_result or get_results instead."
                )
        key = f"reserved:{next(self._serial)}"
        self.executions += 1
        self._credits[key] = estimate
        return key

    def record_execution(self, key: str, execution_id: str) -> None:
        """The execute answered: the reservation becomes the execution's booking."""
        self._credits[execution_id] = self._credits.pop(key)

    def release(self, key: str) -> None:
        """The execute failed before any run started (an ambiguous one keeps its booking)."""
        if self._credits.pop(key, None) is not None:
            self.executions -= 1

    def settle(self, execution_id: str, cost: float | None) -> None:
        """Replace an execution's estimate by the cost the API reported."""
        if cost is not None and execution_id in self._credits:
            self._credits[execution_id] = float(cost)

    def check_fetch(self, estimate: int | None = None) -> None:
        """Refuse a results fetch when no datapoints are left (or ``estimate`` is over)."""
        left = self.remaining_datapoints()
        if left is None:
            return
        if left <= 0 or (estimate is not None and estimate > left):
            self.refuse_fetch(estimate)

    def refuse_fetch(self, estimate: int | None, shape: str = "") -> None:
        left = self.remaining_datapoints() or 0
        size = f" {estimate:,} datapoints{shape}" if estimate is not None else " more datapoints"
        raise BudgetExceeded(
            f"Refused by the session budget: fetching these results needs{size}, but only "
            f"{left:,} of the {self.max_datapoints or 0:,}-datapoint budget (--max-datapoints) "
            "remain; ask for fewer rows (limit) or columns (columns), or filter server-side."
        )

    def record_datapoints(self, count: int) -> None:
        self.datapoints += count

    def summary(self) -> dict[str, float | int | None]:
        return {
            "executions": self.executions,
            "max_executions": self.max_executions,
            "credits": self.credits,
            "max_credits": self.max_credits,
            "datapoints": self.datapoints,
            "max_datapoints": self.max_datapoints,
        }
