"""``duneq mcp`` driven by the mcp SDK's own client against the emulator: as a real subprocess
over stdio and over streamable HTTP, and (for the tools' budget, deadline, read-only and error
behaviour) as the same server built in-process from the same flags, waiting on the emulator's clock."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import anyio
import duneq
import httpx
import httpx2
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from duneq.cli.commands import mcp_config
from duneq.cli.parser import build_parser
from duneq.mcp import ServerConfig, build_server, server_client
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

REPO = Path(__file__).resolve().parents[2]
READ_TOOLS = {
    "run_sql",
    "run_query",
    "get_execution",
    "get_results",
    "latest_result",
    "get_query",
    "search_datasets",
    "get_dataset",
    "usage",
}
WRITE_TOOLS = {"create_query", "update_query", "archive_query", "cancel_execution"}


def _env(emu: EmulatorHandle) -> dict[str, str]:
    return {**os.environ, "DUNE_API_KEY": emu.api_key, "DUNE_API_BASE_URL": emu.base_url}


@asynccontextmanager
async def stdio_session(emu: EmulatorHandle, *flags: str) -> AsyncIterator[Client]:
    """A connected SDK client on ``python -m duneq mcp FLAGS`` over stdio."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "duneq", "mcp", *flags], env=_env(emu), cwd=REPO
    )
    async with Client(params, read_timeout_seconds=60) as client:
        yield client


@asynccontextmanager
async def inproc_session(emu: EmulatorHandle, *flags: str) -> AsyncIterator[Client]:
    """A connected SDK client on the server ``duneq mcp FLAGS`` serves, built in this process
    with its client on the emulator's clock, so pinned runs and tool waits cost no real time."""
    args = build_parser().parse_args(["mcp", *flags])
    config = mcp_config(args)  # what ``duneq mcp`` itself serves with: every field from a flag
    assert config == ServerConfig(**{f.name: getattr(args, f.name) for f in fields(ServerConfig)})
    time_kw = EmulatorTime(emu).client_kwargs(asynchronous=True)
    dune = server_client(config, api_key=emu.api_key, base_url=emu.base_url, **time_kw)
    async with dune, Client(build_server(dune, config, secret=emu.api_key)) as client:
        yield client


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    anyio.run(scenario)


async def call(client: Client, tool: str, /, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured content."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, _text(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def refused(client: Client, tool: str, /, **arguments: Any) -> str:
    """Call a tool that must fail; its one-line error text."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = _text(result)
    assert "\n" not in text and "Traceback" not in text
    return text


def _text(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def test_tools_schemas_and_every_tool(dune_emulator: EmulatorHandle) -> None:
    seen: list[str] = []

    async def scenario() -> None:
        async with stdio_session(dune_emulator, "--max-rows", "5") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == READ_TOOLS
            sql = tools["run_sql"]
            assert sql.input_schema["required"] == ["sql"]
            perf = sql.input_schema["properties"]["performance"]["anyOf"][0]
            assert perf["enum"] == ["medium", "large"]
            assert sql.output_schema is not None
            assert {"execution_id", "state", "finished", "result"} <= set(
                sql.output_schema["properties"]
            )
            assert "PREFER" in (tools["latest_result"].description or "")
            assert tools["get_results"].input_schema["properties"]["offset"]["minimum"] == 0

            ran = await call(client, "run_sql", sql="select 1 as a, 'x' as b, 2.5 as c")
            assert ran["finished"] and ran["state"] == "QUERY_STATE_COMPLETED"
            assert ran["result"]["columns"] == [
                {"name": "a", "type": "integer"},
                {"name": "b", "type": "varchar"},
                {"name": "c", "type": "decimal(2,1)"},
            ]
            assert ran["result"]["rows"] == [[1, "x", "2.5"]]
            assert ran["result"]["total_row_count"] == 1 and ran["result"]["next_offset"] is None

            q = await call(client, "run_query", query_id=2, params={"n": 7})
            eid = q["execution_id"]
            table = q["result"]
            assert table["columns"] == [{"name": "number", "type": "bigint"}]
            assert table["rows"] == [[0], [1], [2], [3], [4]]
            assert (table["total_row_count"], table["next_offset"]) == (7, 5)
            assert "offset=5" in q["next_step"]

            page = await call(client, "get_results", execution_id=eid, offset=5)
            assert page["result"]["rows"] == [[5], [6]] and page["result"]["offset"] == 5
            picked = await call(
                client,
                "get_results",
                execution_id=eid,
                columns=["number"],
                filters="number > 3",
                sort_by=["number desc"],
                limit=2,
            )
            assert picked["result"]["rows"] == [[6], [5]]

            status = await call(client, "get_execution", execution_id=eid, limit=2)
            assert status["finished"] and status["cost_credits"] == 10.0
            assert status["result"]["rows"] == [[0], [1]]

            latest = await call(client, "latest_result", query_id=2, params={"n": 7})
            assert latest["reused"] is True and latest["execution_id"] == eid
            assert latest["result"]["rows"] == [[0], [1], [2], [3], [4]]

            query = await call(client, "get_query", query_id=1)
            assert query["sql"] == "select * from dex.trades where blockchain = '{{chain}}'"
            assert query["parameters"] == [{"key": "chain", "type": "text", "default": "ethereum"}]

            found = await call(client, "search_datasets", query="dex")
            assert [d["full_name"] for d in found["datasets"]] == ["dex.trades"]
            columns = {c["name"]: c["type"] for c in found["datasets"][0]["columns"]}
            assert columns["amount_usd"] == "double"
            assert columns["token_bought_amount_raw"] == "uint256"
            ds = await call(client, "get_dataset", slug="tokens.transfers")
            assert ds["type"] == "spell" and ds["columns"][0] == {
                "name": "block_time",
                "type": "timestamp(3) with time zone",
                "nullable": True,
            }
            missing = await refused(client, "get_dataset", slug="nope.nothing")
            assert missing.endswith("(search_datasets lists tables).") and "not found" in missing

            use = await call(client, "usage")
            assert use["billing_periods"][0]["credits_used"] == 20.0
            assert use["session"]["executions"] == 2 and use["session"]["credits"] == 20.0
            seen.extend(repr(r) for r in (ran, q, page, picked, status, latest, query, found, ds))
            seen.extend([repr(use), missing])

    run(scenario)
    assert all(dune_emulator.api_key not in text for text in seen)


def test_async_hand_off_then_get_execution(dune_emulator: EmulatorHandle) -> None:
    # The run lasts 3 s; the tool deadline is 0.5 s, so run_query hands back the execution id.
    dune_emulator.control.pin_next_executions(1, pending_seconds=0.5, executing_seconds=2.5)

    async def scenario() -> None:
        async with inproc_session(dune_emulator, "--tool-timeout", "0.5") as client:
            started = await call(client, "run_query", query_id=2, params={"n": 3})
            assert started["finished"] is False and started["result"] is None
            assert started["state"] in ("QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING")
            eid = started["execution_id"]
            assert f'get_execution(execution_id="{eid}")' in started["next_step"]
            states = []
            for _ in range(60):
                status = await call(client, "get_execution", execution_id=eid, wait_seconds=0.5)
                states.append(status["state"])
                if status["finished"]:
                    break
            assert status["state"] == "QUERY_STATE_COMPLETED", states
            assert status["result"]["rows"] == [[0], [1], [2]]
            use = await call(client, "usage")
            assert use["session"]["executions"] == 1  # followed up, never re-run

    run(scenario)
    assert dune_emulator.control.counters()["executions_started"] == 1


def test_budget_refusals(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with inproc_session(dune_emulator, "--max-credits", "15") as client:
            await call(client, "run_sql", sql="select 1 as a")
            text = await refused(client, "run_sql", sql="select 2 as a")
            assert "Refused by the session budget" in text
            assert "estimated at 10 credits" in text and "only 5 of the 15-credit" in text
        async with inproc_session(dune_emulator, "--max-executions", "1") as client:
            await call(client, "run_query", query_id=2, params={"n": 2})
            text = await refused(client, "run_query", query_id=2, params={"n": 2})
            assert "--max-executions is 1" in text
        async with inproc_session(dune_emulator, "--max-datapoints", "4") as client:
            text = await refused(client, "run_query", query_id=2, params={"n": 10})
            assert "fetching these results needs 10 datapoints" in text
            assert "only 4 of the 4-datapoint budget" in text
            eid = text.split("Execution ", 1)[1].split(" ", 1)[0]
            page = await call(client, "get_results", execution_id=eid, limit=4)
            assert page["result"]["rows"] == [[0], [1], [2], [3]]
            text = await refused(client, "get_results", execution_id=eid, offset=4, limit=1)
            assert "only 0 of the 4-datapoint budget" in text

    run(scenario)


def test_the_session_budget_is_the_clients_own(dune_emulator: EmulatorHandle) -> None:
    """--max-credits and --max-datapoints reach the AsyncClient's own budget (issue 25 item 2):
    one BudgetExceeded, a DuneError, refuses before anything is sent; only the execution count
    stays in the server."""
    from duneq.mcp import BudgetExceeded

    assert BudgetExceeded is duneq.BudgetExceeded and issubclass(BudgetExceeded, duneq.DuneError)
    config = mcp_config(build_parser().parse_args(["mcp", "--max-credits", "15"]))
    time_kw = EmulatorTime(dune_emulator).client_kwargs(asynchronous=True)

    async def scenario() -> None:
        dune = server_client(
            config, api_key=dune_emulator.api_key, base_url=dune_emulator.base_url, **time_kw
        )
        async with dune:
            await (await dune.execute_sql("select 1 as a")).wait()
            with pytest.raises(duneq.BudgetExceeded) as info:
                await dune.execute_sql("select 2 as a")
            assert info.value.unit == "credits" and info.value.limit == 15
            assert dune.spent.executions == 1

    run(scenario)
    assert dune_emulator.control.counters()["executions_started"] == 1


def test_read_only_by_default_and_writes_when_allowed(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            text = await refused(
                client, "run_sql", sql="-- make a table\nCREATE TABLE dune.me.t AS SELECT 1 AS a"
            )
            assert "read-only" in text and "`create table`" in text and "--allow-writes" in text
            ok = await call(client, "run_sql", sql="select 'create table x' as note")
            assert ok["result"]["rows"] == [["create table x"]]
            unknown = await refused(client, "create_query", name="x", sql="select 1")
            assert "create_query" in unknown
        async with inproc_session(dune_emulator, "--allow-writes") as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == READ_TOOLS | WRITE_TOOLS
            made = await call(client, "create_query", name="mcp test", sql="select 41 + 1 as n")
            qid = made["query_id"]
            query = await call(client, "get_query", query_id=qid)
            assert (query["name"], query["sql"]) == ("mcp test", "select 41 + 1 as n")
            result = await call(client, "run_query", query_id=qid)
            assert result["result"]["rows"] == [[42]]

    run(scenario)
    assert dune_emulator.control.counters()["executions_started"] == 2


def test_sql_error_with_line_and_column(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            text = await refused(client, "run_sql", sql="select 1 as a,\n  nope from dex.trades")
            assert "The SQL failed at line 2, column 3:" in text
            assert "Column 'nope' cannot be resolved" in text
            assert text.endswith("(get_dataset shows a table's columns and types).")
            eid = text.split("(execution ", 1)[1].split(")", 1)[0]
            status = await call(client, "get_execution", execution_id=eid)
            assert status["state"] == "QUERY_STATE_FAILED" and status["finished"]
            assert (status["error"]["line"], status["error"]["column"]) == (2, 3)
            bad = await refused(client, "get_execution", execution_id="not-an-id")
            assert bad.startswith("Error executing tool get_execution: Invalid argument:")

    run(scenario)


def test_partial_result_is_flagged(dune_emulator: EmulatorHandle) -> None:
    dune_emulator.control.configure(result_row_cap=3)

    async def scenario() -> None:
        async with inproc_session(dune_emulator) as client:
            out = await call(
                client,
                "run_sql",
                sql="select number from (select 1 as number union all "
                "select 2 union all select 3 union all select 4 union all select 5) order by 1",
            )
            assert out["state"] == "QUERY_STATE_COMPLETED_PARTIAL"
            assert out["result"]["is_partial"] is True
            assert out["result"]["rows"] == [[1], [2], [3]]
            result = await out_text(client, out["execution_id"])
            assert "PARTIAL" in result

    run(scenario)


async def out_text(client: Client, execution_id: str) -> str:
    result = await client.call_tool("get_results", {"execution_id": execution_id})
    return _text(result)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def http_server(emu: EmulatorHandle, token: str | None = None) -> Iterator[tuple[str, str]]:
    """``duneq mcp --http PORT`` as a subprocess (with ``DUNEQ_MCP_TOKEN=token`` if given):
    its /mcp URL and the bearer token (read from stderr when the server generated it)."""
    port = _free_port()
    env = {k: v for k, v in _env(emu).items() if k != "DUNEQ_MCP_TOKEN"}
    if token is not None:
        env["DUNEQ_MCP_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "duneq", "mcp", "--http", str(port), "--max-rows", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: lines.put(proc.stderr.readline() if proc.stderr else "")
    ).start()
    err: list[str] = []
    try:
        try:
            err.append(lines.get(timeout=60))  # printed once, before the server listens
        except queue.Empty:
            err.append("")
        found = re.search(r"Authorization: Bearer ([\w-]+)", err[0])
        if token is None:
            assert found, err
            token = found.group(1)
        else:
            assert not found and "DUNEQ_MCP_TOKEN" in err[0], err  # a chosen token is not echoed
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, err[0]
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", token
    finally:
        proc.terminate()
        err.append(proc.communicate(timeout=30)[1])
        assert emu.api_key not in "".join(err)


@asynccontextmanager
async def _authorized(url: str, token: str) -> AsyncIterator[Client]:
    """An SDK client on ``url`` that sends the bearer token with every request."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, read_timeout_seconds=60) as client:
            yield client


def _initialize(url: str, **headers: str) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "curl", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    return httpx.post(url, json=body, headers={**accept, **headers}, timeout=30)


def test_streamable_http_transport_with_a_generated_token(dune_emulator: EmulatorHandle) -> None:
    with http_server(dune_emulator) as (url, token):
        assert len(token) >= 32

        async def scenario() -> None:
            async with _authorized(url, token) as client:
                names = {t.name for t in (await client.list_tools()).tools}
                assert names == READ_TOOLS
                out = await call(client, "run_query", query_id=2, params={"n": 3})
                assert out["result"]["rows"] == [[0], [1]]
                assert out["result"]["next_offset"] == 2

        run(scenario)
        missing = _initialize(url)
        assert missing.status_code == 401 and "missing bearer token" in missing.text
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = _initialize(url, Authorization=f"Bearer {token[:-1]}x")
        assert wrong.status_code == 401 and "wrong bearer token" in wrong.text
        basic = _initialize(url, Authorization=f"Basic {token}")
        assert basic.status_code == 401
        assert _initialize(url, Authorization=f"Bearer {token}").status_code == 200
    assert dune_emulator.control.counters()["executions_started"] == 1  # only the token's run


def test_streamable_http_token_from_the_environment_and_rebinding_checks(
    dune_emulator: EmulatorHandle,
) -> None:
    chosen = "a-chosen-token-of-some-length"
    with http_server(dune_emulator, chosen) as (url, token):
        assert token == chosen
        assert _initialize(url).status_code == 401
        assert _initialize(url, Authorization="Bearer another-token-entirely").status_code == 401
        ok = _initialize(url, Authorization=f"Bearer {chosen}")
        assert ok.status_code == 200
        # A page on another origin that rebinds its name to 127.0.0.1 is still refused.
        auth = {"Authorization": f"Bearer {chosen}"}
        rebound = _initialize(url, Host="evil.example:80", **auth)
        assert rebound.status_code in (403, 421), rebound.text
        cross = _initialize(url, Origin="http://evil.example", **auth)
        assert cross.status_code == 403, cross.text


def test_a_short_environment_token_is_a_usage_error(dune_emulator: EmulatorHandle) -> None:
    env = {**_env(dune_emulator), "DUNEQ_MCP_TOKEN": "short"}
    out = subprocess.run(
        [sys.executable, "-m", "duneq", "mcp", "--http", str(_free_port())],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert "DUNEQ_MCP_TOKEN must be at least 16 characters" in out.stderr


@pytest.mark.parametrize("flag", ["--max-rows", "--max-executions", "--max-datapoints"])
def test_bad_flags_are_usage_errors(flag: str) -> None:
    from duneq.cli import main

    assert main(["mcp", flag, "0"]) == 2


def test_library_and_cli_parser_never_import_mcp() -> None:
    code = (
        "import sys, duneq; duneq.AsyncClient; duneq.Client; "
        "from duneq.cli.parser import build_parser; build_parser().parse_args(['mcp']); "
        "print([m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'duneq.mcp'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_usage_text_labels_the_session_limits(dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        async with inproc_session(dune_emulator, "--max-credits", "30") as client:
            result = await client.call_tool("usage", {})
            assert not result.is_error
            text = _text(result)
            assert "(session limits: executions no limit, credits 30, datapoints no limit)" in text
            assert "None" not in text

    run(scenario)
