"""Uploaded tables on the emulator: create, insert (CSV / NDJSON), query, clear, delete, list,
CSV upload, legacy `/table` aliases and persistence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from dune_emulator import EmulatorConfig, run_emulator
from dune_emulator.testing import wait_terminal

SCHEMA = [
    {"name": "id", "type": "bigint", "nullable": False},
    {"name": "label", "type": "varchar"},
    {"name": "addr", "type": "varbinary"},
    {"name": "amount", "type": "uint256"},
    {"name": "delta", "type": "int256"},
    {"name": "price", "type": "double"},
    {"name": "ok", "type": "boolean"},
    {"name": "ts", "type": "timestamp"},
    {"name": "day", "type": "date"},
    {"name": "n", "type": "integer"},
]
BIG = str(2**200 + 7)
NEG = str(-(2**130))
CSV_ROWS = (
    "id,label,addr,amount,delta,price,ok,ts,day,n\n"
    f'1,"hello, world",0xDEADbeef,{BIG},{NEG},1.5,true,2024-01-02 03:04:05,2024-01-02,7\n'
    "2,,,,,,,,,\n"
)
RunSql = Callable[..., tuple[str, dict[str, Any]]]


def _create(api: httpx.Client, ns: str = "alice", table: str = "things") -> httpx.Response:
    body = {"namespace": ns, "table_name": table, "schema": SCHEMA, "description": "d"}
    return api.post("/uploads", json=body)


def _rows(api: httpx.Client, run_sql: RunSql, sql: str) -> list[dict[str, Any]]:
    eid, status = run_sql(sql)
    assert status["state"] == "QUERY_STATE_COMPLETED", status
    rows: list[dict[str, Any]] = api.get(f"/execution/{eid}/results").json()["result"]["rows"]
    return rows


def test_create_insert_query_clear_delete(emu_api: httpx.Client, run_sql: RunSql) -> None:
    r = _create(emu_api)
    assert r.status_code == 200
    assert r.json() == {
        "namespace": "alice",
        "table_name": "things",
        "full_name": "dune.alice.things",
        "example_query": "select * from dune.alice.things limit 10",
        "message": "Table created successfully",
        "already_existed": False,
    }
    again = _create(emu_api)
    assert again.status_code == 400
    assert again.json() == {"error": "Table dune.alice.things already exists"}

    ins = emu_api.post(
        "/uploads/alice/things/insert",
        content=CSV_ROWS.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert ins.status_code == 200, ins.text
    assert ins.json() == {
        "name": "alice.things",
        "rows_written": 2,
        "bytes_written": len(CSV_ROWS.encode()),
    }
    nd = b'{"id": 3, "label": "x", "addr": "3q2+7w==", "ok": false, "price": 2}\n'
    ins = emu_api.post(
        "/uploads/alice/things/insert", content=nd, headers={"Content-Type": "application/x-ndjson"}
    )
    assert ins.json()["rows_written"] == 1

    rows = _rows(emu_api, run_sql, "select * from dune.alice.things order by id")
    assert rows == [
        {
            "id": 1,
            "label": "hello, world",
            "addr": "0xdeadbeef",
            "amount": BIG,
            "delta": NEG,
            "price": 1.5,
            "ok": True,
            "ts": "2024-01-02 03:04:05.000",
            "day": "2024-01-02T00:00:00Z",
            "n": 7,
        },
        {
            "id": 2,
            "label": None,
            "addr": None,
            "amount": None,
            "delta": None,
            "price": None,
            "ok": None,
            "ts": None,
            "day": None,
            "n": None,
        },
        {
            "id": 3,
            "label": "x",
            "addr": "0xdeadbeef",
            "amount": None,
            "delta": None,
            "price": 2.0,
            "ok": False,
            "ts": None,
            "day": None,
            "n": None,
        },
    ]
    # Trino syntax that sqlglot transpiles also resolves the dune catalog
    trino = _rows(emu_api, run_sql, "SELECT count(*) AS c FROM dune.alice.things WHERE id > 1")
    assert trino == [{"c": 2}]

    listing = emu_api.get("/uploads").json()
    assert "next_offset" not in listing
    (table,) = listing["tables"]
    assert table["full_name"] == "dune.alice.things" and table["is_private"] is False
    assert table["owner"] == {"handle": "alice", "type": "user"}
    assert int(table["table_size_bytes"]) == len(CSV_ROWS.encode()) + len(nd)
    assert [(c["name"], c["type"], c["nullable"]) for c in table["columns"]][:4] == [
        ("id", "bigint", False),
        ("label", "varchar", True),
        ("addr", "varbinary", True),
        ("amount", "uint256", True),
    ]

    assert emu_api.post("/uploads/alice/things/clear").json() == {
        "message": "Table alice.things successfully cleared"
    }
    assert _rows(emu_api, run_sql, "select count(*) as c from dune.alice.things") == [{"c": 0}]
    assert emu_api.delete("/uploads/alice/things").json() == {
        "message": "Table alice.things successfully deleted"
    }
    eid, status = run_sql("select * from dune.alice.things")
    assert status["state"] == "QUERY_STATE_FAILED"
    missing = emu_api.post("/uploads/alice/things/clear")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Table dune.alice.things not found"}
    assert emu_api.delete("/uploads/alice/things").status_code == 404


def test_insert_is_atomic_and_validated(emu_api: httpx.Client, run_sql: RunSql) -> None:
    assert _create(emu_api).status_code == 200
    url = "/uploads/alice/things/insert"
    csv_h = {"Content-Type": "text/csv"}
    bad_value = "id,label,addr,amount,delta,price,ok,ts,day,n\n1,a,,,,,,,,\n2,b,,-1,,,,,,\n"
    r = emu_api.post(url, content=bad_value.encode(), headers=csv_h)
    assert r.status_code == 400 and "out of range for uint256" in r.json()["error"]
    null_key = "id,label,addr,amount,delta,price,ok,ts,day,n\n5,a,,,,,,,,\n,b,,,,,,,,\n"
    r = emu_api.post(url, content=null_key.encode(), headers=csv_h)
    assert r.status_code == 400 and r.json()["error"].startswith("no rows were written")
    r = emu_api.post(url, content=b"id,label\n1,a\n", headers=csv_h)
    assert r.status_code == 400 and "does not match" in r.json()["error"]
    r = emu_api.post(
        url, content=b'{"id": 1, "nope": 2}\n', headers={"Content-Type": "application/x-ndjson"}
    )
    assert r.json() == {"error": "NDJSON line 1: unknown columns ['nope']"}
    r = emu_api.post(url, content=b"[1]", headers={"Content-Type": "application/json"})
    assert r.json() == {"error": "Content-Type must be text/csv or application/x-ndjson"}
    assert _rows(emu_api, run_sql, "select count(*) as c from dune.alice.things") == [{"c": 0}]
    r = emu_api.post("/uploads/alice/nope/insert", content=b"x\n", headers=csv_h)
    assert r.status_code == 404


def test_create_validation(emu_api: httpx.Client) -> None:
    def err(body: dict[str, Any]) -> str:
        r = emu_api.post("/uploads", json=body)
        assert r.status_code == 400, r.text
        message: str = r.json()["error"]
        return message

    base = {"namespace": "alice", "table_name": "t", "schema": [{"name": "a", "type": "bigint"}]}
    assert "table_name" in err({**base, "table_name": "1abc"})
    assert "namespace" in err({**base, "namespace": "a-b"})
    assert "unsupported type 'text'" in err({**base, "schema": [{"name": "a", "type": "text"}]})
    assert "invalid column name '9a'" in err({**base, "schema": [{"name": "9a", "type": "date"}]})
    assert "non-empty list" in err({**base, "schema": []})
    dup = [{"name": "a", "type": "date"}, {"name": "A", "type": "date"}]
    assert "duplicate" in err({**base, "schema": dup})
    assert emu_api.post("/uploads", content=b"nope").json() == {
        "error": "Invalid request body payload"
    }


def test_csv_upload_infers_and_overwrites(emu_api: httpx.Client, run_sql: RunSql) -> None:
    data = "name,score,day\nann,1.5,2024-01-01\nbob,2,2024-02-03\n"
    r = emu_api.post("/uploads/csv", json={"table_name": "scores", "data": data})
    assert r.json() == {
        "success": True,
        "table_name": "dataset_scores",  # Dune names it with the prefix (issue 12.4)
        "full_name": "dune.emulator.dataset_scores",
    }
    rows = _rows(emu_api, run_sql, "select * from dune.emulator.dataset_scores order by name")
    assert rows == [
        {"name": "ann", "score": 1.5, "day": "2024-01-01T00:00:00Z"},
        {"name": "bob", "score": 2.0, "day": "2024-02-03T00:00:00Z"},
    ]
    listing = emu_api.get("/uploads").json()["tables"]
    assert [(c["name"], c["type"]) for c in listing[0]["columns"]] == [
        ("name", "varchar"),
        ("score", "double"),
        ("day", "date"),
    ]
    r = emu_api.post("/uploads/csv", json={"table_name": "scores", "data": "x\n42\n"})
    assert r.status_code == 200
    assert _rows(emu_api, run_sql, "select * from dune.emulator.dataset_scores") == [{"x": 42}]
    assert len(emu_api.get("/uploads").json()["tables"]) == 1
    assert emu_api.post("/uploads/csv", json={"table_name": "s", "data": " "}).status_code == 400
    assert emu_api.post("/uploads/csv", json={"table_name": "s"}).status_code == 400


def test_list_pagination_and_legacy_aliases(emu_api: httpx.Client) -> None:
    for i in range(3):
        body = {
            "namespace": "bob",
            "table_name": f"t{i}",
            "schema": [{"name": "a", "type": "date"}],
        }
        assert emu_api.post("/table/create", json=body).status_code == 200
    first = emu_api.get("/tables", params={"limit": 2}).json()
    assert [t["full_name"] for t in first["tables"]] == ["dune.bob.t0", "dune.bob.t1"]
    assert first["next_offset"] == 2
    last = emu_api.get("/uploads", params={"limit": 2, "offset": 2}).json()
    assert [t["full_name"] for t in last["tables"]] == ["dune.bob.t2"]
    assert "next_offset" not in last
    assert len(emu_api.get("/uploads", params={"offset": -5}).json()["tables"]) == 3
    assert emu_api.get("/uploads", params={"limit": 0}).status_code == 400
    ins = emu_api.post(
        "/table/bob/t0/insert", content=b"a\n2024-05-06\n", headers={"Content-Type": "text/csv"}
    )
    assert ins.json()["rows_written"] == 1
    assert emu_api.post("/table/bob/t0/clear").status_code == 200
    assert emu_api.delete("/table/bob/t0").json() == {
        "message": "Table bob.t0 successfully deleted"
    }
    up = emu_api.post("/table/upload/csv", json={"table_name": "legacy", "data": "a\n1\n"})
    assert up.json()["full_name"] == "dune.emulator.dataset_legacy"


def test_saved_query_reads_upload_and_reset_drops_it(
    dune_emulator: Any, emu_api: httpx.Client
) -> None:
    assert _create(emu_api, "carol", "t").status_code == 200
    emu_api.post(
        "/uploads/carol/t/insert",
        content=b'{"id": 9}\n',
        headers={"Content-Type": "application/x-ndjson"},
    )
    qid = emu_api.post(
        "/query", json={"name": "q", "query_sql": "select id from dune.carol.t"}
    ).json()["query_id"]
    eid = emu_api.post(f"/query/{qid}/execute").json()["execution_id"]
    assert wait_terminal(emu_api, eid)["state"] == "QUERY_STATE_COMPLETED"
    assert emu_api.get(f"/query/{qid}/results").json()["result"]["rows"] == [{"id": 9}]
    dune_emulator.control.reset()
    assert emu_api.get("/uploads").json() == {"tables": []}


def test_uploads_persist_in_data_dir(tmp_path: Path) -> None:
    cfg = EmulatorConfig(api_keys=("k",), data_dir=tmp_path)
    headers = {"X-Dune-Api-Key": "k"}
    with (
        run_emulator(cfg) as emu,
        httpx.Client(base_url=f"{emu.base_url}/api/v1", headers=headers) as api,
    ):
        assert _create(api, "dave", "kept").status_code == 200
        api.post(
            "/uploads/dave/kept/insert",
            content=b'{"id": 1, "label": "a"}\n',
            headers={"Content-Type": "application/x-ndjson"},
        )
    with (
        run_emulator(cfg) as emu,
        httpx.Client(base_url=f"{emu.base_url}/api/v1", headers=headers) as api,
    ):
        (table,) = api.get("/uploads").json()["tables"]
        assert table["full_name"] == "dune.dave.kept" and table["columns"][0]["nullable"] is False
        eid = api.post("/sql/execute", json={"sql": "select label from dune.dave.kept"}).json()[
            "execution_id"
        ]
        assert wait_terminal(api, eid)["state"] == "QUERY_STATE_COMPLETED"
        assert api.get(f"/execution/{eid}/results").json()["result"]["rows"] == [{"label": "a"}]
