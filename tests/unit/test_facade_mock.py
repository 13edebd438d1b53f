"""Edges the emulator cannot produce, via httpx.MockTransport: odd statuses, bad bodies,
unknown states, Ctrl-C during wait, and the key never appearing in any repr."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable

import duneq
import httpx
import pytest

EID = "01HKZJ2683PHF9Q9PHHQ8FW4Q1"
KEY = "sk-secret-key"


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> duneq.Client:
    return duneq.Client(
        api_key=KEY,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
        **kw,  # type: ignore[arg-type]
    )


def test_520_and_html_502_are_typed_errors() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        assert request.headers["X-Dune-Api-Key"] == KEY
        assert request.headers["User-Agent"].startswith("duneq/")
        if request.url.path.endswith("/status"):
            return httpx.Response(520, content=b"<html>cloudflare</html>")
        return httpx.Response(502, content=b"<html><body>Bad Gateway</body></html>")

    dune = client(handler, max_retries=1)
    with pytest.raises(duneq.ServerError) as odd:
        dune.get_status(EID)
    assert odd.value.status_code == 520 and odd.value.execution_id == EID
    assert calls == [f"/api/v1/execution/{EID}/status"]  # 520 is not retried
    calls.clear()
    with pytest.raises(duneq.ServerError) as html:
        dune.cancel(EID)
    assert html.value.status_code == 502 and "non-JSON body" in str(html.value)
    assert len(calls) == 2  # 502 retried once


def test_bad_bodies_become_response_validation_errors() -> None:
    bodies = iter([b"{truncated", b"[1, 2]", b'{"state": "QUERY_STATE_COMPLETED"}'])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(bodies))

    dune = client(handler, max_retries=0)
    with pytest.raises(duneq.ResponseValidationError, match="not valid JSON"):
        dune.get_status(EID)
    with pytest.raises(duneq.ResponseValidationError, match="JSON object"):
        dune.get_status(EID)
    # the status has no execution_id but we know it from the request
    assert dune.get_status(EID).state == duneq.ExecutionState.COMPLETED


def test_a_broken_read_body_is_retried() -> None:
    """Defect 1: a 200 whose body is truncated, and a 500, are retried on a read."""
    replies = iter(
        [
            httpx.Response(200, content=b'{"execution_id": "01HK'),
            httpx.Response(500, json={"error": "Internal error"}),
            httpx.Response(200, json={"execution_id": EID, "state": "QUERY_STATE_COMPLETED"}),
        ]
    )
    dune = client(lambda r: next(replies))
    assert dune.get_status(EID).state == duneq.ExecutionState.COMPLETED


def test_execute_with_an_unknown_outcome_may_have_started() -> None:
    """Defect 3: an execute answered 200 without a usable body is ExecutionMayHaveStarted,
    never retried, carrying the id when the broken body still shows it."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            return httpx.Response(200, json={"state": "QUERY_STATE_PENDING"})
        return httpx.Response(200, content=b'{"execution_id": "' + EID.encode() + b'", "sta')

    dune = client(handler)
    with pytest.raises(duneq.ExecutionMayHaveStarted, match="execution_id") as no_id:
        dune.execute_sql("select 1")
    assert no_id.value.execution_id is None and no_id.value.status_code == 200
    with pytest.raises(duneq.ExecutionMayHaveStarted, match="not valid JSON") as cut:
        dune.run_sql("select 1")
    assert cut.value.execution_id == EID
    assert len(calls) == 2  # neither was retried


def test_unknown_state_warns_and_keeps_polling() -> None:
    states = iter(["QUERY_STATE_WEIRD", "QUERY_STATE_WEIRD", "QUERY_STATE_CANCELED"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"execution_id": EID, "state": next(states)})

    dune = client(handler)
    with (
        pytest.warns(duneq.UnknownStateWarning, match="QUERY_STATE_WEIRD"),
        pytest.raises(duneq.ExecutionCancelled),
    ):
        dune.wait(EID, timeout=60)


def test_keyboard_interrupt_cancels_remotely() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(200, json={"success": True})
        return httpx.Response(200, json={"execution_id": EID, "state": "QUERY_STATE_EXECUTING"})

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    dune = duneq.Client(
        api_key=KEY,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=interrupt,
    )
    with pytest.raises(KeyboardInterrupt):
        dune.wait(EID)
    assert seen[-1] == f"POST /api/v1/execution/{EID}/cancel"

    keep = duneq.Client(
        api_key=KEY,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=interrupt,
        cancel_on_timeout=False,
    )
    seen.clear()
    with pytest.raises(KeyboardInterrupt):
        keep.wait(EID)
    assert all(not s.startswith("POST") for s in seen)


def test_async_task_cancellation_cancels_remotely() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "POST":
            return httpx.Response(200, json={"success": True})
        return httpx.Response(200, json={"execution_id": EID, "state": "QUERY_STATE_PENDING"})

    async def scenario() -> None:
        async with duneq.AsyncClient(
            api_key=KEY,
            base_url="https://api.example.test",
            transport=httpx.MockTransport(handler),
        ) as dune:
            task = asyncio.create_task(dune.wait(EID))
            while not seen:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    assert seen[-1] == "POST"


def test_key_never_in_repr_and_base_url_semantics(monkeypatch: pytest.MonkeyPatch) -> None:
    dune = client(lambda r: httpx.Response(200, json={}))
    for text in (repr(dune), repr(dune.lowlevel), repr(dune._settings)):
        assert KEY not in text
    monkeypatch.setenv("DUNE_API_KEY", KEY)
    for raw in ("https://api.dune.com", "https://api.dune.com/", "https://api.dune.com/api/v1"):
        monkeypatch.setenv("DUNE_API_BASE_URL", raw)
        assert duneq.Client().base_url == "https://api.dune.com"
    monkeypatch.setenv("DUNE_API_BASE_URL", "api.dune.com")
    with pytest.raises(duneq.InvalidArgument, match="DUNE_API_BASE_URL"):
        duneq.Client()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monkeypatch.delenv("DUNE_API_BASE_URL")
        assert duneq.Client().lowlevel.get_httpx_client().timeout.read == 60.0


def test_invalid_arguments_are_clear() -> None:
    dune = client(lambda r: httpx.Response(200, json={}))
    with pytest.raises(duneq.InvalidArgument, match="performance"):
        dune.execute_query(1, performance="huge")  # type: ignore[arg-type]
    with pytest.raises(duneq.InvalidArgument, match="unknown result option"):
        dune.run_query(1, page_sise=5)  # type: ignore[call-arg]
    with pytest.raises(duneq.InvalidArgument, match="sql"):
        dune.execute_sql("  ")


def test_a_just_submitted_execution_is_not_polled_at_once() -> None:
    """The first status poll of a fresh execution waits for the schedule's first interval (it
    could only see PENDING sooner); waiting on an id of unknown age polls at once."""
    log: list[str] = []
    now = [100.0]

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path.endswith("/execute"):
            return httpx.Response(200, json={"execution_id": EID, "state": "QUERY_STATE_PENDING"})
        return httpx.Response(200, json={"execution_id": EID, "state": "QUERY_STATE_COMPLETED"})

    def sleep(seconds: float) -> None:
        log.append(f"sleep {seconds:.2f}")
        now[0] += seconds

    dune = duneq.Client(
        api_key=KEY,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        clock=lambda: now[0],
    )
    dune.execute_sql("select 1").wait(timeout=60)
    assert log == ["execute", "sleep 0.25", "status"]
    log.clear()
    dune.wait(EID, timeout=60)
    assert log == ["status"]
    with pytest.raises(duneq.InvalidArgument, match="first_delay"):
        dune.wait(EID, first_delay=-1)
