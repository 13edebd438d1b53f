"""The latest-result probe: reuse a query's most recent run when it is fresh and usable."""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import _constants as C
from .._errors import NotFound
from .._options import ResultOptions
from .._states import SUCCESS_STATES
from .._wire.adapter import latest_results_request, status_from_wire
from .._wire.models import ExecutionStatus
from .context import Flow, FlowContext
from .csv import CsvDest, csv_plan, writable
from .reader import ReadPlan
from .send import parse_json, send
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
    """The latest execution's status if it is fresh and usable, else None (caller re-runs).
    Its age is judged on the server's clock (the response's Date), ``now`` only without one."""
    req = latest_results_request(query_id, options, params, C.LATEST_PROBE_LIMIT)
    try:
        resp = yield from send(ctx, req)
    except NotFound:
        return None
    data = parse_json(req, resp)
    try:
        probe = status_from_wire(data)
    except (KeyError, TypeError, ValueError):
        return None
    if probe.state not in SUCCESS_STATES:
        return None
    if max_age is not None:
        ended = probe.execution_ended_at
        if ended is None or server_now(resp.headers, now()) - ended > max_age:
            return None
    status = yield from get_status(ctx, probe.execution_id)
    if status.state not in SUCCESS_STATES:
        return None
    return status


def latest_csv_plan(
    ctx: FlowContext,
    query_id: int,
    dest: CsvDest,
    *,
    params: Mapping[str, Any],
    options: ResultOptions,
    max_age: timedelta | None,
    now: Callable[[], datetime],
) -> Flow[ReadPlan]:
    """The verified CSV read of the query's latest run, pinned to that execution (a run that
    ends mid-download cannot mix in); NotFound when there is no usable one. Runs nothing."""
    writable(dest)
    status = yield from latest_probe(
        ctx, query_id, params=params, options=options, max_age=max_age, now=now
    )
    if status is None:
        fresh = "" if max_age is None else f" that ended within {max_age}"
        which = f" with parameters {dict(params)}" if params else ""
        raise NotFound(
            f"query {query_id} has no completed latest result{fresh}{which} (never run so, "
            "failed, or expired); run it first (run_query / duneq run), or use latest_result, "
            "which runs it when needed",
            status_code=404,
        )
    return (yield from csv_plan(ctx, status.execution_id, options, dest, status.result_metadata))


#: A Date header has whole seconds and arrives a little late: within this it agrees with us.
_DATE_TOLERANCE = timedelta(seconds=2)


def server_time(headers: Mapping[str, str]) -> datetime | None:
    """The server's clock from an HTTP ``Date`` header (aware, UTC), or None if absent or bad."""
    raw = next((value for name, value in headers.items() if name.lower() == "date"), None)
    if not raw:
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def server_now(headers: Mapping[str, str], local: datetime) -> datetime:
    """The server's time: its Date when that differs from ``local`` by more than the header's
    resolution (a skewed or emulated clock), else the finer-grained local time."""
    server = server_time(headers)
    if server is None or abs(server - local) <= _DATE_TOLERANCE:
        return local
    return server
