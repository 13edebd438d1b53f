"""`POST /api/v1/usage`: calendar-month billing periods with the credits of the executions this
emulator ran, plus private-query count and uploaded bytes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..engine import COMPLETED, COMPLETED_PARTIAL, CREDITS, EXPIRED, FAILED
from ..errors import ApiError
from ..state import EmulatorState
from .common import emulator, json_body, json_response

CREDITS_INCLUDED = 2500.0  # the free plan's monthly credits
BYTES_ALLOWED = 100 * 1024 * 1024  # the free plan's upload storage
MAX_PERIODS = 120
_CHARGED = (COMPLETED, COMPLETED_PARTIAL, FAILED, EXPIRED)


def _date(body: dict[str, Any], key: str) -> dt.date | None:
    raw = body.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            pass
    raise ApiError(400, f"{key} must be a date as YYYY-MM-DD, got {raw!r}")


def _month_end(start: dt.date) -> dt.date:
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _periods(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    month = start.replace(day=1)
    while month <= end:
        out.append((month, _month_end(month)))
        month = _month_end(month) + dt.timedelta(days=1)
    return out


def credits_by_day(state: EmulatorState) -> dict[dt.date, float]:
    """Credits charged per UTC day of submission, for every execution still known."""
    state.engine.catch_up()  # catch up with the clock so finished executions are final
    out: dict[dt.date, float] = {}
    for ex in list(state.engine.executions.values()):
        if ex.final_state in _CHARGED:
            day = dt.datetime.fromtimestamp(ex.submitted_ns / 1e9, dt.UTC).date()
            out[day] = out.get(day, 0.0) + CREDITS.get(ex.performance, 10)
    return out


async def get_usage(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request)
    start, end = _date(body, "start_date"), _date(body, "end_date")
    today = dt.datetime.fromtimestamp(state.clock.now_ns() / 1e9, dt.UTC).date()
    end = end or (today if start is None or start <= today else start)
    start = start or end.replace(day=1)
    if start > end:
        raise ApiError(400, "start_date must not be after end_date")
    periods = _periods(start, end)
    if len(periods) > MAX_PERIODS:
        raise ApiError(400, f"the date range spans more than {MAX_PERIODS} billing periods")
    daily = credits_by_day(state)
    billing = [
        {
            "start_date": p0.isoformat(),
            "end_date": p1.isoformat(),
            "credits_used": float(sum(c for d, c in daily.items() if p0 <= d <= p1)),
            "credits_included": CREDITS_INCLUDED,
        }
        for p0, p1 in periods
    ]
    private = sum(
        1
        for rec in state.queries.records()[0]
        if rec.get("is_private") and not rec.get("is_archived")
    )
    return json_response(
        {
            "private_queries": private,
            "private_dashboards": 0,
            "bytes_used": state.uploads.total_bytes(),
            "bytes_allowed": BYTES_ALLOWED,
            "billing_periods": billing,
        }
    )


def routes() -> list[Route]:
    return [Route("/api/v1/usage", get_usage, methods=["POST"])]
