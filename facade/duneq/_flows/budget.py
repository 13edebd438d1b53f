"""Per-client spend: the running credit and datapoint totals, the budget checked before each
execute and results fetch, and the in-flight limit that sweeps share with polling."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .. import _constants as C
from .._errors import BudgetExceeded


@dataclass(frozen=True)
class Spent:
    """What a client has spent so far: credits (executions, estimated until they end),
    datapoints (results pages fetched) and the number of executions it started."""

    credits: float
    datapoints: int
    executions: int


@dataclass
class Ledger:
    """The client's running totals and optional limits (None: unlimited).

    An execution reserves its estimated credits when it is sent; its reported
    ``execution_cost_credits`` replaces the estimate once a status shows it ended.
    """

    max_credits: float | None = None
    max_datapoints: int | None = None
    datapoints: int = 0
    _credits: dict[str, float] = field(default_factory=dict)
    _pending: float = 0.0  # reserved for an execute request not yet answered
    _pending_datapoints: int = 0  # reserved for pages in flight (several at once)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def credits(self) -> float:
        return sum(self._credits.values()) + self._pending

    def spent(self) -> Spent:
        return Spent(self.credits, self.datapoints, len(self._credits))

    @staticmethod
    def execution_estimate(performance: object) -> float:
        """The credits an execution on this engine is expected to cost."""
        tier = performance if isinstance(performance, str) else "medium"
        return C.EXECUTION_CREDITS.get(tier, C.EXECUTION_CREDITS["medium"])

    def check_credits(self, cost: float, what: str) -> None:
        """Raise BudgetExceeded if ``cost`` more credits would pass ``max_credits``."""
        if self.max_credits is not None and self.credits + cost > self.max_credits:
            raise BudgetExceeded(
                "credits", spent=self.credits, would_cost=cost, limit=self.max_credits, what=what
            )

    def check_datapoints(self, cost: int, what: str) -> None:
        """Raise BudgetExceeded if ``cost`` more datapoints would pass ``max_datapoints``."""
        held = self.datapoints + self._pending_datapoints
        if self.max_datapoints is not None and held + cost > self.max_datapoints:
            raise BudgetExceeded(
                "datapoints",
                spent=self.datapoints,
                would_cost=cost,
                limit=self.max_datapoints,
                what=what,
            )

    def reserve(self, cost: float) -> None:
        self._pending += cost

    def started(self, execution_id: str, cost: float) -> None:
        """The execute request answered: the reservation moves to the execution."""
        self._pending = max(self._pending - cost, 0.0)
        self._credits[execution_id] = cost

    def release(self, cost: float) -> None:
        """The execute request failed before any run started."""
        self._pending = max(self._pending - cost, 0.0)

    def ended(self, execution_id: str, reported: float | None) -> None:
        """A status showed one of this client's executions ended with this reported cost."""
        if execution_id in self._credits and reported is not None:
            self._credits[execution_id] = reported

    def fetched(self, datapoints: int) -> None:
        with self._lock:
            self.datapoints += max(datapoints, 0)

    @contextlib.contextmanager
    def page(self, cost: int, what: str) -> Iterator[Callable[[int], None]]:
        """Around one page fetch that may run beside others: ``cost`` datapoints are checked
        and held at once (so pages in flight together never pass ``max_datapoints``), then
        the page's real datapoints are booked through the callback, or the hold released."""
        with self._lock:
            self.check_datapoints(cost, what)
            self._pending_datapoints += cost
        booked: list[int] = []
        try:
            yield booked.append
        finally:
            with self._lock:
                self._pending_datapoints -= cost
                self.datapoints += sum(max(n, 0) for n in booked)


@dataclass
class InflightLimit:
    """How many executions may run at once: the caller's fixed limit, or the plan's limit as
    status responses report it (``max_inflight_interactive_executions``), lowered on a 429."""

    fixed: int | None = None
    plan: int | None = None
    ceiling: int | None = None  # lowered after a 429, raised again as runs succeed

    def allowed(self) -> int:
        if self.fixed is not None:
            return self.fixed
        limit = self.plan if self.plan is not None else C.SWEEP_DEFAULT_CONCURRENCY
        if self.ceiling is not None:
            limit = min(limit, self.ceiling)
        return max(limit, 1)

    def learn(self, plan_limit: int | None) -> None:
        if plan_limit is not None and plan_limit > 0:
            self.plan = plan_limit

    def throttled(self, in_flight: int) -> None:
        """A 429 on execute: hold at most what already runs (at least one)."""
        self.ceiling = max(in_flight, 1)

    def succeeded(self) -> None:
        """A run ended well: let the ceiling grow back by one towards the plan's limit."""
        if self.ceiling is not None:
            self.ceiling += 1
            if self.plan is not None and self.ceiling >= self.plan:
                self.ceiling = None
