"""Issue 23: Dune's `decode_evm_event` table function in the emulator, over real HTTP.

Hand-built log rows for ERC-20 Transfer and for an event with a string and an int24 are decoded
into Dune's column names, order and types (docs.dune.com, EVM decoding functions); rows of
another event, a malformed ABI and undecodable data fail loudly or give NULLs as documented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from dune_emulator.dune_functions import keccak256

TRANSFER_TOPIC0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
TRANSFER_ABI = (
    '{"anonymous":false,"inputs":['
    '{"indexed":true,"internalType":"address","name":"from","type":"address"},'
    '{"indexed":true,"internalType":"address","name":"to","type":"address"},'
    '{"indexed":false,"internalType":"uint256","name":"value","type":"uint256"}],'
    '"name":"Transfer","type":"event"}'
)
FROM = "aa" * 20
TO = "bb" * 20
BIG = 2**200 + 12345  # past a double's 53 bits: a lossy path would show


def word(value: int) -> str:
    """One 32-byte ABI word as hex (two's complement for negatives)."""
    return (value % 2**256).to_bytes(32, "big").hex()


def address_topic(hex40: str) -> str:
    return "0x" + "00" * 12 + hex40


def transfer_row(value: int, topic0: str = TRANSFER_TOPIC0, n: int = 1) -> str:
    return (
        f"select {topic0} as topic0, {address_topic(FROM)} as topic1, "
        f"{address_topic(TO)} as topic2, cast(null as varbinary) as topic3, "
        f"0x{word(value)} as data, {n} as n"
    )


def decode(abi: str, input_sql: str, extra: str = "") -> str:
    return (
        f"select * from table(decode_evm_event(abi => '{abi}', input => table({input_sql}){extra}))"
    )


@pytest.fixture
def query(
    emu_api: httpx.Client, run_sql: Callable[..., tuple[str, dict[str, Any]]]
) -> Callable[[str], dict[str, Any]]:
    """Run SQL; the result (names, types, rows) or {"error": message}."""

    def run(sql: str) -> dict[str, Any]:
        eid, status = run_sql(sql)
        if status["state"] != "QUERY_STATE_COMPLETED":
            return {"error": str(status.get("error", {}).get("message", status["state"]))}
        result = emu_api.get(f"/execution/{eid}/results").json()["result"]
        meta = result["metadata"]
        return {
            "names": meta["column_names"],
            "types": meta["column_types"],
            "rows": result["rows"],
        }

    return run


def test_transfer_topic0_is_keccak_of_the_signature() -> None:
    assert "0x" + keccak256(b"Transfer(address,address,uint256)").hex() == TRANSFER_TOPIC0


def test_transfer_decodes_into_typed_columns_followed_by_the_input_columns(
    query: Callable[[str], dict[str, Any]],
) -> None:
    row = transfer_row(BIG).replace(
        TRANSFER_TOPIC0, "keccak(to_utf8('Transfer(address,address,uint256)'))", 1
    )
    got = query(decode(TRANSFER_ABI, row))
    assert got["names"] == [
        "from",
        "to",
        "value",
        "topic0",
        "topic1",
        "topic2",
        "topic3",
        "data",
        "n",
    ]
    assert got["types"][:4] == ["varbinary", "varbinary", "uint256", "varbinary"]
    assert got["types"][-1] == "integer"
    (r,) = got["rows"]
    assert r["from"] == "0x" + FROM and r["to"] == "0x" + TO
    assert r["value"] == str(BIG)
    assert r["topic0"] == TRANSFER_TOPIC0  # the emulator's keccak gives the known hash
    assert r["topic3"] is None and r["n"] == 1


def test_decoded_uint256_keeps_exact_arithmetic_through_an_alias_and_a_cte_join(
    query: Callable[[str], dict[str, Any]],
) -> None:
    # spellbook's shape: the input joins a CTE of the outer query; the call has an alias
    sql = (
        "with tokens as (select 0x" + "cc" * 20 + " as token) "
        'select r.value * 2 as doubled, r.token, r."from" from table(decode_evm_event('
        f"abi => '{TRANSFER_ABI}', input => table(select l.*, t.token from ("
        f"{transfer_row(BIG)}) l cross join tokens t "
        f"where l.topic0 = {TRANSFER_TOPIC0}))) as r"
    )
    got = query(sql)
    assert got["types"] == ["uint256", "varbinary", "varbinary"], got
    assert got["rows"] == [
        {"doubled": str(2 * BIG), "token": "0x" + "cc" * 20, "from": "0x" + FROM}
    ]


def test_a_row_of_another_event_is_refused_even_when_no_decoded_column_is_read(
    query: Callable[[str], dict[str, Any]],
) -> None:
    other = "0x" + "11" * 32
    rows = f"{transfer_row(1)} union all {transfer_row(2, topic0=other, n=2)}"
    for select in ("*", "n"):
        sql = decode(TRANSFER_ABI, rows).replace("select *", f"select {select}", 1)
        got = query(sql)
        assert "error" in got, got
        assert f"topic0 {other} is not the signature hash {TRANSFER_TOPIC0}" in got["error"]
        assert "Transfer(address,address,uint256)" in got["error"]
    # filtered on topic0, as spellbook's models do, the same rows decode
    filtered = f"select * from ({rows}) where topic0 = {TRANSFER_TOPIC0}"
    got = query(decode(TRANSFER_ABI, filtered))
    assert [r["value"] for r in got["rows"]] == ["1"]


def test_string_and_int24_from_the_data_tail_with_the_indexed_input_first(
    query: Callable[[str], dict[str, Any]],
) -> None:
    abi = (
        '{"anonymous":false,"inputs":['
        '{"indexed":false,"name":"label","type":"string"},'
        '{"indexed":true,"name":"who","type":"address"},'
        '{"indexed":false,"name":"tick","type":"int24"},'
        '{"indexed":false,"name":"","type":"bool"}],"name":"Named","type":"event"}'
    )
    topic0 = "0x" + keccak256(b"Named(string,address,int24,bool)").hex()
    text = "héllo, Dune".encode()
    data = word(0x60) + word(-5) + word(1) + word(len(text)) + text.ljust(32, b"\0").hex()
    row = (
        f"select {topic0} as topic0, {address_topic(FROM)} as topic1, "
        f"cast(null as varbinary) as topic2, cast(null as varbinary) as topic3, 0x{data} as data"
    )
    got = query(decode(abi, row))
    assert got["names"][:4] == ["who", "label", "tick", "_arg3"]
    assert got["types"][:4] == ["varbinary", "varchar", "int256", "boolean"]
    (r,) = got["rows"]
    assert (r["who"], r["label"], r["tick"], r["_arg3"]) == ("0x" + FROM, "héllo, Dune", "-5", True)


def test_dynamic_arrays_decode_as_arrays(query: Callable[[str], dict[str, Any]]) -> None:
    abi = (
        '{"inputs":[{"indexed":false,"name":"ids","type":"uint256[]"},'
        '{"indexed":false,"name":"who","type":"address[]"}],"name":"Batch","type":"event"}'
    )
    topic0 = "0x" + keccak256(b"Batch(uint256[],address[])").hex()
    data = word(0x40) + word(0xA0) + word(2) + word(BIG) + word(7) + word(1) + "00" * 12 + TO
    row = (
        f"select {topic0} as topic0, cast(null as varbinary) as topic1, "
        f"cast(null as varbinary) as topic2, cast(null as varbinary) as topic3, 0x{data} as data"
    )
    got = query(decode(abi, row))
    assert got["types"][:2] == ["array(uint256)", "array(varbinary)"]
    (r,) = got["rows"]
    assert r["ids"] == [str(BIG), "7"] and r["who"] == ["0x" + TO]


def test_undecodable_data_is_null_by_default_and_an_error_with_null_on_error_false(
    query: Callable[[str], dict[str, Any]],
) -> None:
    short = transfer_row(5).replace(f"0x{word(5)}", "0x0102")
    got = query(decode(TRANSFER_ABI, short))
    (r,) = got["rows"]
    assert r["value"] is None and r["from"] is None and r["n"] == 1
    got = query(decode(TRANSFER_ABI, short, ", null_on_error => false"))
    assert "cannot decode Transfer(address,address,uint256): data too short" in got["error"]


def test_custom_topic_and_data_descriptors(query: Callable[[str], dict[str, Any]]) -> None:
    row = (
        f"select {TRANSFER_TOPIC0} as t0, {address_topic(FROM)} as t1, "
        f"{address_topic(TO)} as t2, 0x{word(9)} as payload"
    )
    extra = ", topics => descriptor(t0, t1, t2), data => descriptor(payload)"
    got = query(decode(TRANSFER_ABI, row, extra))
    assert got["names"] == ["from", "to", "value", "t0", "t1", "t2", "payload"]
    assert got["rows"][0]["value"] == "9"


@pytest.mark.parametrize(
    ("abi", "message"),
    [
        ('{"inputs": [', "invalid ABI: the ABI is not valid JSON"),
        (f"[{TRANSFER_ABI}]", "not an array"),
        ('{"inputs":[],"name":"f","type":"function"}', 'is not an event ("type": "function")'),
        (
            '{"inputs":[{"name":"x","type":"uint7"}],"name":"E","type":"event"}',
            "unknown type 'uint7'",
        ),
        (
            '{"inputs":[{"name":"x","type":"tuple","components":[]}],"name":"E","type":"event"}',
            "tuple inputs ('tuple') are not supported by the emulator",
        ),
        (
            '{"inputs":[{"indexed":true,"name":"s","type":"string"}],"name":"E","type":"event"}',
            "indexed string input 's' is not supported by the emulator",
        ),
    ],
)
def test_a_malformed_abi_is_refused_before_running(
    query: Callable[[str], dict[str, Any]], abi: str, message: str
) -> None:
    got = query(decode(abi, transfer_row(1)))
    assert "error" in got, got
    assert "decode_evm_event: " in got["error"] and message in got["error"], got["error"]


def test_decode_evm_function_call_is_still_refused(query: Callable[[str], dict[str, Any]]) -> None:
    got = query(
        "select * from table(decode_evm_function_call(abi => '{}', data => table(select 1 as x)))"
    )
    assert (
        "Table function 'decode_evm_function_call' is not supported by the emulator" in got["error"]
    )


def test_the_internal_decoding_udfs_are_not_callable_from_sql(
    query: Callable[[str], dict[str, Any]],
) -> None:
    got = query("select dune_evm_check('{}', 0x00)")
    assert "Function 'dune_evm_check' not registered" in got["error"]


def test_fixed_arrays_and_bytes32_sit_in_the_head(query: Callable[[str], dict[str, Any]]) -> None:
    abi = (
        '{"inputs":[{"name":"pair","type":"uint8[2]"},{"name":"tag","type":"bytes32"},'
        '{"name":"note","type":"bytes"}],"name":"Fixed","type":"event"}'
    )
    topic0 = "0x" + keccak256(b"Fixed(uint8[2],bytes32,bytes)").hex()
    tag = "ab" * 32
    data = word(3) + word(250) + tag + word(0x80) + word(2) + "beef".ljust(64, "0")
    row = (
        f"select {topic0} as topic0, cast(null as varbinary) as topic1, "
        f"cast(null as varbinary) as topic2, cast(null as varbinary) as topic3, 0x{data} as data"
    )
    got = query(decode(abi, row))
    assert got["types"][:3] == ["array(uint256)", "varbinary", "varbinary"]
    (r,) = got["rows"]
    assert (r["pair"], r["tag"], r["note"]) == (["3", "250"], "0x" + tag, "0xbeef")


def test_a_log_with_more_topics_than_the_abi_indexes_does_not_decode(
    query: Callable[[str], dict[str, Any]],
) -> None:
    # ERC-721's Transfer shares ERC-20's topic0 but indexes the token id in topic3
    row = transfer_row(5).replace("cast(null as varbinary) as topic3", f"0x{word(77)} as topic3")
    (r,) = query(decode(TRANSFER_ABI, row))["rows"]
    assert (r["from"], r["value"], r["n"]) == (None, None, 1)
    got = query(decode(TRANSFER_ABI, row, ", null_on_error => false"))
    assert "the log has 3 topics after topic0, the event indexes 2" in got["error"]


def test_an_input_column_named_as_a_decoded_one_is_refused(
    query: Callable[[str], dict[str, Any]],
) -> None:
    # DuckDB would rename the second `value` to value_1 in silence
    got = query(decode(TRANSFER_ABI, f"select *, 99 as Value from ({transfer_row(1)})"))
    assert "the input has a column 'value', as the event's decoded input is named" in got["error"]
