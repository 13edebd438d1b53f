"""Every ``list()`` (datasets, queries, uploads, materialized views) is a lazily paged iterator
of typed records with ``limit=``/``offset=``/``page_size=`` and the API's total where it gives
one, sync and async; through real HTTP to the emulator, which pages these endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duneq
import httpx
import orjson
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from helpers.clients import MODES, aw, count, make, run


async def take(listing: Any, n: int | None = None) -> list[Any]:
    """Up to ``n`` items (all when None) of a sync or async listing."""
    out: list[Any] = []
    if hasattr(listing, "__aiter__"):
        async for item in listing:
            out.append(item)
            if len(out) == n:
                break
    else:
        for item in listing:
            out.append(item)
            if len(out) == n:
                break
    return out


def grow_catalog(api: httpx.Client, n: int = 3) -> None:
    """Uploaded tables are datasets too: a catalog of a few more entries to page through."""
    for i in range(n):
        schema = [{"name": "id", "type": "bigint"}]
        body = {"namespace": "emulator", "table_name": f"extra_{i}", "schema": schema}
        r = api.post("/uploads", json=body)
        assert r.status_code in (200, 201), r.text


@pytest.mark.parametrize("mode", MODES)
def test_datasets_list_pages_lazily_with_limit_and_total(
    mode: str, dune_emulator: EmulatorHandle, emu_api: httpx.Client
) -> None:
    grow_catalog(emu_api)
    truth = emu_api.get("/datasets", params={"limit": 250}).json()
    names = [d["full_name"] for d in truth["datasets"]]
    assert truth["total"] == len(names) >= 4

    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        route = "GET /api/v1/datasets"
        before = count(dune_emulator, route)
        every = dune.datasets.list(page_size=2)
        first = await take(every, 1)  # one item: one page fetched, not the catalog
        assert count(dune_emulator, route) - before == 1
        rest = await take(every)
        got = [d.full_name for d in first + rest]
        assert got == names and all(isinstance(d, duneq.Dataset) for d in first + rest)
        assert every.total == len(names)
        pages = -(-len(names) // 2)  # the last (short or total-reaching) page ends it
        assert count(dune_emulator, route) - before == pages

        before = count(dune_emulator, route)
        three = dune.datasets.list(limit=3, page_size=2, offset=1)
        assert [d.full_name for d in await take(three)] == names[1:4]
        assert count(dune_emulator, route) - before == 2  # asks 2, then only 1
        assert three.total == len(names)

        # still what it exposed: awaitable (async) / one page in .datasets, with .total
        page = await aw(dune.datasets.list(type="spell", limit=250))
        assert page.total == len(page.datasets) and {d.type for d in page.datasets} == {"spell"}
        assert "dex.trades" in [d.full_name for d in page.datasets]
        assert await take(dune.datasets.list(offset=len(names))) == []

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_queries_list_yields_saved_queries_every_page(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        made = [await aw(dune.queries.create(f"q{i}", f"select {i} as x")) for i in range(5)]
        listing = dune.queries.list(page_size=2)
        found = await take(listing)
        assert all(isinstance(q, duneq.SavedQuery) for q in found)
        ids = [q.query_id for q in found]
        assert len(ids) == len(set(ids)) and set(made) <= set(ids)
        assert listing.total == len(ids)
        mine = {q.query_id: q for q in found}
        assert [mine[i].name for i in made] == [f"q{i}" for i in range(5)]
        assert mine[made[0]].query_sql is None and mine[made[0]].updated_at  # a summary
        got = await aw(dune.queries.get(made[0]))
        assert got.query_sql == "select 0 as x" and got.name == mine[made[0]].name

        route = "GET /api/v1/queries"
        before = count(dune_emulator, route)
        assert [q.query_id for q in await take(dune.queries.list(limit=3))] == ids[:3]
        assert count(dune_emulator, route) - before == 1
        tail = await take(dune.queries.list(offset=len(ids) - 2, page_size=1))
        assert [q.query_id for q in tail] == ids[-2:]

        legacy = await aw(dune.queries.list(limit=100))  # .queries: the first page as sent
        assert [q["id"] for q in legacy.queries] == ids and legacy.total == len(ids)

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_uploads_and_matviews_lists_take_limit_and_offset(
    mode: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        for i in range(4):
            await aw(dune.uploads.create("emulator", f"t{i}", [("id", "bigint")]))
        everything = [t.full_name for t in await take(dune.uploads.list(page_size=3))]
        assert [f"dune.emulator.t{i}" for i in range(4)] == everything[-4:]
        route = "GET /api/v1/uploads"
        before = count(dune_emulator, route)
        two = dune.uploads.list(limit=2, offset=1, page_size=1)
        assert [t.full_name for t in await take(two)] == everything[1:3]
        assert two.total is None  # the API gives none
        assert count(dune_emulator, route) - before == 2

        query_id = await aw(dune.queries.create("mv", "select 1 as x"))
        for name in ("result_a", "result_b", "result_c"):
            await aw(dune.matviews.upsert(name, query_id))
        views = [v.name for v in await take(dune.matviews.list(page_size=2))]
        assert len(views) == 3 and all(v.rsplit(".", 1)[-1].startswith("result_") for v in views)
        some = await take(dune.matviews.list(limit=1, offset=1))
        assert [v.name for v in some] == views[1:2]
        assert isinstance(some[0], duneq.MaterializedView)

    run(scenario)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.datasets.list(limit=0), "limit must be a positive integer"),
        (lambda d: d.datasets.list(page_size=251), "page_size must be at most 250"),
        (lambda d: d.queries.list(offset=-1), "offset"),
        (lambda d: d.uploads.list(limit="10"), "limit"),
        (lambda d: d.matviews.list(page_size=10_001), "page_size must be at most 10000"),
        (lambda d: d.datasets.list(type=3), "type must be a string"),
    ],
)
def test_bad_listing_arguments_are_refused_before_any_request(
    call: Callable[[Any], Any], message: str, dune_emulator: EmulatorHandle
) -> None:
    dune = duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url)
    with dune, pytest.raises(duneq.InvalidArgument, match=message):
        call(dune)


def test_an_item_repeated_by_a_shifted_page_is_yielded_once() -> None:
    """Offset paging over a list that grew at its front in between repeats an item; the
    listing yields it once (the emulator's lists never shift, so this one edge is mocked)."""
    pages = {
        "0": {"tables": [{"full_name": "dune.t.a"}, {"full_name": "dune.t.b"}], "next_offset": 2},
        "2": {"tables": [{"full_name": "dune.t.b"}, {"full_name": "dune.t.c"}]},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=orjson.dumps(pages[request.url.params["offset"]]))

    transport = httpx.MockTransport(handler)
    with duneq.Client(api_key="k", base_url="https://x.test", transport=transport) as dune:
        got = [t.full_name for t in dune.uploads.list(page_size=2)]
    assert got == ["dune.t.a", "dune.t.b", "dune.t.c"]


def test_cli_lists_say_how_many_more_there_are(
    dune_emulator: EmulatorHandle,
    emu_api: httpx.Client,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from duneq.cli import main
    from helpers.cli_seam import give_cli_clients

    grow_catalog(emu_api)
    monkeypatch.setenv("DUNE_API_KEY", dune_emulator.api_key)
    monkeypatch.setenv("DUNE_API_BASE_URL", dune_emulator.base_url)
    give_cli_clients(monkeypatch, **EmulatorTime(dune_emulator).client_kwargs())

    def duneq_(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = duneq_("datasets", "list", "--limit", "250", "-o", "json")
    every = orjson.loads(out)
    total = every["total"]
    assert code == 0 and len(every["datasets"]) == total > 3
    code, out, err = duneq_("datasets", "list", "--limit", "2", "--offset", "1")
    names = [d["full_name"] for d in every["datasets"]]
    assert code == 0 and names[1] in out and names[2] in out and names[3] not in out
    assert f"2 of {total} datasets shown; --limit N, --offset N or --all" in err
    code, out, err = duneq_("datasets", "list", "--all", "-o", "json")
    assert [d["full_name"] for d in orjson.loads(out)["datasets"]] == names and err == ""
    code, out, _ = duneq_("queries", "list", "--limit", "1", "-o", "json")
    assert code == 0 and [sorted(q) for q in orjson.loads(out)] == [
        ["created_at", "description", "id", "name", "owner", "tags", "updated_at"]
    ]
    code, out, _ = duneq_("uploads", "list", "--limit", "1", "-o", "json")
    assert code == 0 and len(orjson.loads(out)) <= 1
    assert duneq_("queries", "list", "--offset", "-1")[0] == 2
