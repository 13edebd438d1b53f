"""A mistyped or unreachable host fails fast and says where (issue 24 item 11): a name that does
not resolve is never retried, a refused connection at most twice (about 1.5 s of backoff), and
the error names the host and port, for the sync, async and ``lowlevel`` paths."""

from __future__ import annotations

import asyncio
import logging
import socket

import duneq
import pytest
from dune_api.api.executions import execute_sql
from dune_api.api.usage import get_usage
from dune_api.models import ExecuteSqlRequest

BAD_HOST = "no-such-host.invalid"  # RFC 6761: never resolves


def _closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: nobody listens, the OS refuses
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _sync(base_url: str, sleeps: list[float]) -> duneq.Client:
    return duneq.Client(api_key="k", base_url=base_url, sleep=sleeps.append)


def test_a_name_that_does_not_resolve_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    sleeps: list[float] = []
    caplog.set_level(logging.DEBUG, logger="duneq")
    with _sync(f"https://{BAD_HOST}", sleeps) as dune:
        with pytest.raises(duneq.APIConnectionError) as info:
            dune.run_sql("select 1")
        assert not isinstance(info.value, duneq.ExecutionMayHaveStarted)  # nothing was sent
        with pytest.raises(duneq.APIConnectionError) as read:
            dune.get_status("01HZX1X9ABCDEFGHJKMNPQRSTV")
        with pytest.raises(duneq.APIConnectionError) as low:
            get_usage.sync(client=dune.lowlevel)
    assert sleeps == []  # never retried
    for err in (info.value, read.value, low.value):
        assert f"cannot resolve host {BAD_HOST} ({BAD_HOST}:443)" in str(err)
    assert not [r for r in caplog.records if "retry in" in r.getMessage()]


def test_a_refused_connection_is_retried_twice_then_names_host_and_port(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = _closed_port()
    sleeps: list[float] = []
    caplog.set_level(logging.DEBUG, logger="duneq")
    with _sync(f"http://127.0.0.1:{port}", sleeps) as dune:
        with pytest.raises(duneq.APIConnectionError) as info:
            dune.get_status("01HZX1X9ABCDEFGHJKMNPQRSTV")
        assert len(sleeps) == 2 and sum(sleeps) <= 1.5
        assert f"127.0.0.1:{port} refused the connection" in str(info.value)
        retries = [r.getMessage() for r in caplog.records if r.name == "duneq.send"]
        assert len(retries) == 2 and all("refused" in m for m in retries)

        del sleeps[:]
        with pytest.raises(duneq.APIConnectionError) as billed:  # nothing ran: not "may have"
            dune.execute_sql("select 1")
        assert not isinstance(billed.value, duneq.ExecutionMayHaveStarted)
        assert len(sleeps) == 2

        del sleeps[:]
        with pytest.raises(duneq.APIConnectionError) as low:
            execute_sql.sync(client=dune.lowlevel, body=ExecuteSqlRequest(sql="select 1"))
        assert f"127.0.0.1:{port} refused the connection" in str(low.value)
        assert len(sleeps) == 2


def test_async_paths_fail_as_fast() -> None:
    port = _closed_port()

    async def scenario() -> None:
        for base_url, retries, text in (
            (f"https://{BAD_HOST}", 0, f"cannot resolve host {BAD_HOST}"),
            (f"http://127.0.0.1:{port}", 2, f"127.0.0.1:{port} refused the connection"),
        ):
            sleeps: list[float] = []
            async with duneq.AsyncClient(
                api_key="k", base_url=base_url, sleep=sleeps.append
            ) as dune:
                with pytest.raises(duneq.APIConnectionError) as info:
                    await dune.run_sql("select 1")
                assert text in str(info.value) and len(sleeps) == retries
                del sleeps[:]
                with pytest.raises(duneq.APIConnectionError) as low:
                    await get_usage.asyncio(client=dune.lowlevel)
                assert text in str(low.value) and len(sleeps) == retries

    asyncio.run(scenario())
