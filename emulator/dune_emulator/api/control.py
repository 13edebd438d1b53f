"""The test-control API under /_emulator/: pins, faults, fault rates, counters, settings, clock,
reset."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ApiError
from ..faults import parse_fault, parse_fault_rate
from .common import emulator, json_body, json_response


def _number(body: dict[str, Any], key: str, default: float) -> float:
    value = body.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ApiError(400, f"{key} must be a number >= 0")
    return float(value)


async def pin(request: Request) -> Response:
    body = await json_body(request, allow_null=True)
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ApiError(400, "count must be a positive integer")
    fail = body.get("fail")
    if fail is not None and not isinstance(fail, str):
        raise ApiError(400, "fail must be a string message or null")
    emulator(request).engine.pin(
        count, _number(body, "pending_seconds", 0.0), _number(body, "executing_seconds", 2.0), fail
    )
    return json_response({"ok": True})


def known_routes(request: Request) -> set[str]:
    names: set[str] = request.app.state.route_names
    return names


async def add_fault(request: Request) -> Response:
    body = await json_body(request, required=True, allow_null=True)
    try:
        fault = parse_fault(body, known_routes(request))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    emulator(request).faults.add(fault)
    return json_response({"ok": True})


async def add_fault_rate(request: Request) -> Response:
    body = await json_body(request, required=True)
    try:
        rule = parse_fault_rate(body, known_routes(request))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    emulator(request).faults.add_rate(rule)
    return json_response({"ok": True})


async def list_fault_rates(request: Request) -> Response:
    return json_response({"fault_rates": emulator(request).faults.rates()})


async def clear_fault_rates(request: Request) -> Response:
    emulator(request).faults.clear_rates()
    return json_response({"ok": True})


async def list_faults(request: Request) -> Response:
    return json_response({"faults": emulator(request).faults.pending()})


async def counters(request: Request) -> Response:
    state = emulator(request)
    return json_response(
        {
            "requests": dict(state.faults.requests),
            "executions_started": state.engine.started_count,
            "peak_inflight": state.engine.peak_inflight,
            "faults_injected": dict(state.faults.injected),
            "throttled": dict(state.rate_limiter.throttled),
        }
    )


async def configure(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, allow_null=True)
    try:
        state.settings.update(body)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    state.engine.catch_up()  # let a raised concurrency cap admit queued executions now
    return json_response({"settings": state.settings.as_dict()})


async def get_config(request: Request) -> Response:
    return json_response({"settings": emulator(request).settings.as_dict()})


async def advance_clock(request: Request) -> Response:
    state = emulator(request)
    body = await json_body(request, required=True, allow_null=True)
    seconds = _number(body, "seconds", 0.0)
    state.clock.advance(seconds)
    state.engine.catch_up()  # what became due at the new time happens now
    return json_response({"offset_seconds": state.clock.offset_seconds})


async def reset(request: Request) -> Response:
    emulator(request).reset()
    return json_response({"ok": True})


async def health(request: Request) -> Response:
    return json_response({"ok": True})


def routes() -> list[Route]:
    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/pin", pin, methods=["POST"]),
        Route("/_emulator/faults", add_fault, methods=["POST"]),
        Route("/_emulator/faults", list_faults, methods=["GET"]),
        Route("/_emulator/fault-rates", add_fault_rate, methods=["POST"]),
        Route("/_emulator/fault-rates", list_fault_rates, methods=["GET"]),
        Route("/_emulator/fault-rates", clear_fault_rates, methods=["DELETE"]),
        Route("/_emulator/counters", counters, methods=["GET"]),
        Route("/_emulator/configure", configure, methods=["POST"]),
        Route("/_emulator/config", get_config, methods=["GET"]),
        Route("/_emulator/clock/advance", advance_clock, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
    ]
