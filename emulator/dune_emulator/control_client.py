"""A small synchronous client of the emulator's /_emulator/ control API."""

from __future__ import annotations

from typing import Any

import httpx


class EmulatorControlError(RuntimeError):
    """The control API refused a request; the message is the emulator's explanation."""


class EmulatorControl:
    """Script faults, pin execution durations, read counters, change settings, move the clock."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self._client = httpx.Client(base_url=f"{base_url.rstrip('/')}/_emulator", timeout=timeout)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._client.request(method, path, json=body)
        if response.status_code >= 400:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text
            raise EmulatorControlError(f"{method} /_emulator{path}: {message}")
        return response.json()

    def pin_next_executions(
        self,
        count: int = 1,
        pending_seconds: float = 0.0,
        executing_seconds: float = 2.0,
        fail: str | None = None,
    ) -> None:
        """The next `count` executions stay PENDING, then EXECUTING, for these durations
        (emulator clock); `fail` forces QUERY_STATE_FAILED with that message."""
        self._call(
            "POST",
            "/pin",
            {
                "count": count,
                "pending_seconds": pending_seconds,
                "executing_seconds": executing_seconds,
                "fail": fail,
            },
        )

    def add_fault(
        self,
        route: str,
        *,
        count: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        body: Any = None,
        kind: str = "status",
        delay_seconds: float = 0.0,
        after_handler: bool = False,
        skip: int = 0,
    ) -> None:
        """The next `count` requests to `route` ("METHOD /api/v1/template") misbehave, after
        `skip` of them have been let through."""
        self._call(
            "POST",
            "/faults",
            {
                "route": route,
                "count": count,
                "status": status,
                "retry_after": retry_after,
                "body": body,
                "kind": kind,
                "delay_seconds": delay_seconds,
                "after_handler": after_handler,
                "skip": skip,
            },
        )

    def add_fault_rate(
        self,
        rate: float,
        mix: list[dict[str, Any]],
        *,
        route: str = "* /api/*",
        seed: int | None = None,
    ) -> None:
        """Each request to a route matching ``route`` (fnmatch over "METHOD /api/v1/template")
        misbehaves with probability ``rate`` as one of ``mix`` (fault specs without route or
        count), drawn from a generator seeded with ``seed``."""
        self._call("POST", "/fault-rates", {"route": route, "rate": rate, "mix": mix, "seed": seed})

    def clear_fault_rates(self) -> None:
        """Stop every fault rate; counted faults, counters and executions stay."""
        self._call("DELETE", "/fault-rates")

    def fault_rates(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/fault-rates")["fault_rates"]
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def counters(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/counters")
        return result

    def configure(self, **settings: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/configure", settings)["settings"]
        return result

    def settings(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/config")["settings"]
        return result

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "/clock/advance", {"seconds": seconds})

    def reset(self) -> None:
        self._call("POST", "/reset")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
