"""dune.queries against the emulator over real HTTP, with Client and AsyncClient."""

from __future__ import annotations

import asyncio

import duneq
import pytest
from dune_emulator import EmulatorHandle
from helpers.clients import MODES, aw, make

CREATE = "POST /api/v1/query"


@pytest.mark.parametrize("mode", MODES)
def test_query_lifecycle(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        q = dune.queries
        qid = await aw(
            q.create(
                "top trades",
                "select {{n}} as n",
                description="a test",
                parameters=[{"key": "n", "type": "number", "value": "3"}],
                tags=["t1"],
            )
        )
        assert isinstance(qid, int) and qid > 0
        saved = await aw(q.get(qid))
        assert saved.query_id == qid
        assert saved.name == "top trades"
        assert saved.query_sql == "select {{n}} as n"
        assert saved.tags == ["t1"]
        assert saved.parameters[0]["key"] == "n"
        version = saved.version

        assert await aw(q.update(qid, name="renamed", tags=[])) == qid
        saved = await aw(q.get(qid))
        assert saved.name == "renamed"
        assert saved.tags == []
        assert version is None or saved.version == version + 1

        result = await aw(dune.run_query(qid, params={"n": 7}))
        rows = await aw(result.rows)
        assert list(rows) == [{"n": 7}]

        assert await aw(q.make_private(qid)) == qid
        assert (await aw(q.get(qid))).is_private is True
        assert await aw(q.make_public(qid)) == qid
        assert (await aw(q.get(qid))).is_private is False

        assert await aw(q.archive(qid)) == qid
        assert (await aw(q.get(qid))).is_archived is True
        with pytest.raises(duneq.PermissionDenied) as caught:
            await aw(dune.execute_query(qid))
        assert "archived" in str(caught.value)
        assert await aw(q.unarchive(qid)) == qid
        assert (await aw(q.get(qid))).is_archived is False

        listing = await aw(q.list(limit=100))
        assert qid in {item.get("id", item.get("query_id")) for item in listing.queries}
        assert listing.total is None or listing.total >= 1
        await aw(dune.close())

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_query_errors(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        with pytest.raises(duneq.NotFound) as caught:
            await aw(dune.queries.get(987654321))
        assert caught.value.status_code == 404
        assert "Query not found" in str(caught.value)
        with pytest.raises(duneq.InvalidArgument, match="name must be a non-empty string"):
            await aw(dune.queries.create("  ", "select 1"))
        with pytest.raises(duneq.InvalidArgument, match="cannot update field"):
            await aw(dune.queries.update(1, colour="red"))
        with pytest.raises(duneq.InvalidArgument, match="query_id"):
            await aw(dune.queries.get(-4))
        await aw(dune.close())

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_create_is_not_retried_after_a_server_error(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    """A 503 on create may have created the query: it is raised, never silently repeated."""

    async def scenario() -> None:
        dune_emulator.control.add_fault(CREATE, status=503, count=1)
        dune = make(mode, dune_emulator)
        with pytest.raises(duneq.ServerError):
            await aw(dune.queries.create("x", "select 1"))
        assert dune_emulator.control.counters()["requests"].get(CREATE) == 1
        dune_emulator.control.add_fault(CREATE, status=429, retry_after=0, count=1)
        qid = await aw(dune.queries.create("x", "select 1"))
        assert qid > 0
        assert dune_emulator.control.counters()["requests"].get(CREATE) == 3
        await aw(dune.close())

    asyncio.run(scenario())
