"""Saved-query CRUD on the emulator."""

from __future__ import annotations

import httpx


def test_crud_cycle(emu_api: httpx.Client) -> None:
    body = {
        "name": "mine",
        "query_sql": "select {{x}} as x",
        "parameters": [{"key": "x", "type": "number", "value": "3"}],
        "tags": ["t"],
        "is_private": True,
    }
    qid = emu_api.post("/query/", json=body).json()["query_id"]
    assert qid >= 1000
    q = emu_api.get(f"/query/{qid}").json()
    assert (
        q["name"] == "mine"
        and q["version"] == 1
        and q["is_private"]
        and q["parameters"][0]["key"] == "x"
    )
    assert emu_api.patch(f"/query/{qid}", json={"name": "renamed", "tags": []}).json() == {
        "query_id": qid
    }
    q = emu_api.get(f"/query/{qid}").json()
    assert q["name"] == "renamed" and q["tags"] == [] and q["version"] == 2
    assert emu_api.post(f"/query/{qid}/unprivate").json() == {"query_id": qid}
    assert emu_api.get(f"/query/{qid}").json()["is_private"] is False
    emu_api.post(f"/query/{qid}/archive")
    assert emu_api.get(f"/query/{qid}").json()["is_archived"] is True
    assert emu_api.patch(f"/query/{qid}", json={"name": "x"}).status_code == 403
    listing = emu_api.get("/queries", params={"limit": 2}).json()
    assert listing["total"] == 5 and [q["id"] for q in listing["queries"]] == [1, 2]
    assert emu_api.post("/query", json={"name": "x"}).status_code == 400
    assert emu_api.post("/query", content=b"not json").json() == {
        "error": "Invalid request body payload"
    }
    assert emu_api.get("/query/987654").json() == {"error": "Query not found"}
