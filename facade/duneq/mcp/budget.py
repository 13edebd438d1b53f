"""The session budget: credits and datapoints are the client's own ``max_credits`` and
``max_datapoints`` (checked before every execute and results page, so a refusal costs
nothing); only the count of executions one server process may start is kept here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from duneq import BudgetExceeded, Spent

__all__ = ["Budget", "BudgetExceeded"]


@dataclass
class Budget:
    """The session's execution limit (None: unlimited) and the executions started so far;
    credits and datapoints come from the client (``dune.spent``) and its limits."""

    max_executions: int | None = None
    executions: int = 0
    _open: set[str] = field(default_factory=set)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def check_execute(self, what: str) -> str:
        """Refuse an execution past ``max_executions``, else reserve one at once (so that
        concurrent tool calls cannot both pass the check); returns the reservation's key."""
        if self.max_executions is not None and self.executions + 1 > self.max_executions:
            raise BudgetExceeded(
                "executions",
                spent=self.executions,
                would_cost=1,
                limit=self.max_executions,
                what=what,
            )
        key = f"reserved:{next(self._serial)}"
        self.executions += 1
        self._open.add(key)
        return key

    def record_execution(self, key: str) -> None:
        """The execute answered (or may have started a run): the reservation is kept."""
        self._open.discard(key)

    def release(self, key: str) -> None:
        """The execute failed before any run started (an ambiguous one keeps its count)."""
        if key in self._open:
            self._open.discard(key)
            self.executions -= 1

    def summary(
        self, spent: Spent, max_credits: float | None, max_datapoints: int | None
    ) -> dict[str, float | int | None]:
        """The session's spend against its limits, credits and datapoints from ``spent``."""
        return {
            "executions": self.executions,
            "max_executions": self.max_executions,
            "credits": spent.credits,
            "max_credits": max_credits,
            "datapoints": spent.datapoints,
            "max_datapoints": max_datapoints,
        }
