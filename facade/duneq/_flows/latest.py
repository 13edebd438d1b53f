"""The latest-result probe: reuse a query's most recent run when it is fresh and usable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .. import _constants as C
from .._errors import NotFound
from .._lowlevel import latest_results_request, status_from_wire
from .._models import ExecutionStatus
from .._options import ResultOptions
from .._states import SUCCESS_STATES
from .context import Flow, FlowContext
from .send import call
from .wait import get_status


def latest_probe(
    ctx: FlowContext,
    query_id: int,
    *,
    params: Mapping[str, Any],
    options: ResultOptions,
    max_age: timedelta | None,
    now: Callable[[], datetime],
) -> Flow[ExecutionStatus | None]:
    """The latest execution's status if it is fresh and usable, else None (caller re-runs)."""
    req = latest_results_request(query_id, options, params, C.LATEST_PROBE_LIMIT)
    try:
        data = yield from call(ctx, req)
    except NotFound:
        return None
    try:
        probe = status_from_wire(data)
    except (KeyError, TypeError, ValueError):
        return None
    if probe.state not in SUCCESS_STATES:
        return None
    if max_age is not None:
        ended = probe.execution_ended_at
        if ended is None or now() - ended > max_age:
            return None
    status = yield from get_status(ctx, probe.execution_id)
    if status.state not in SUCCESS_STATES:
        return None
    return status
