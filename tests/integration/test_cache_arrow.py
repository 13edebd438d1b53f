"""Arrow IPC cache entries through the emulator, sync and async: a complete typed read writes
one, a later typed read is served from it with zero requests and the same values and dtypes,
rows from it equal the wire's, schema options are part of the key, a corrupt one is refetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duneq
import pyarrow as pa
import pytest
from dune_emulator import EmulatorHandle
from duneq._cache.framing import ARROW_CODEC
from helpers.clients import MODES, aw, collect, make, run
from test_typed_emulator import SQL, same

#: The flat columns of samples.all_types: their wire rows can be rebuilt from Arrow exactly.
FLAT_SQL = (
    "select id, amount_raw, delta_raw, tx_hash, block_time, local_time, block_date, price, fee, "
    "ratio, is_contract, tiny_n, small_n, int_n, big_n, label from samples.all_types order by id"
)


def requests(emu: EmulatorHandle) -> int:
    return sum(int(n) for n in emu.control.counters()["requests"].values())


def arrow_entries(root: Path) -> list[Path]:
    mark = f'"codec":"{ARROW_CODEC}"'.encode()
    paths = sorted((root / "entries").glob("*.dqe"))
    return [path for path in paths if mark in path.read_bytes()[-4096:]]


def same_table(a: pa.Table, b: pa.Table) -> bool:
    return a.schema.equals(b.schema, check_metadata=True) and same(a.to_pylist(), b.to_pylist())


@pytest.mark.parametrize("mode", MODES)
def test_arrow_hit_without_requests(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path)
        result = await aw(dune.run_sql(SQL, page_size=1))
        fetched = await aw(result.to_arrow())
        assert len(arrow_entries(tmp_path)) == 1  # the complete typed pass became an entry
        before = requests(dune_emulator)
        hit = await aw(dune.get_result(result.execution_id, page_size=1))
        # all_types has nested columns, so its Arrow entry serves typed reads only: the result
        # is opened from the server, and to_arrow() then reads the entry without a request
        opened = requests(dune_emulator)
        table = await aw(hit.to_arrow())
        batches = [b async for b in _aiter(hit.iter_batches())]
        assert requests(dune_emulator) == opened > before
        assert same_table(table, fetched)
        assert same_table(pa.Table.from_batches(batches), fetched)
        assert table["amount_raw"].to_pylist()[1] == str(2**256 - 1)
        assert table.column("fee").type == pa.decimal128(10, 2)
        assert table.column("block_time").type == pa.timestamp("ms", "UTC")
        assert table.column("big_n").null_count == 1
        await aw(dune.close())

    run(scenario)


async def _aiter(items: Any) -> Any:
    if hasattr(items, "__aiter__"):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


@pytest.mark.parametrize("mode", MODES)
def test_arrow_entry_serves_a_hit_and_its_rows(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path)
        result = await aw(dune.run_sql(FLAT_SQL, page_size=2))
        wire_rows = list(await aw(result.rows))  # the rows as the API sent them
        fresh = make(mode, dune_emulator)  # no cache: the reference table from the wire
        fetched = await aw((await aw(fresh.get_result(result.execution_id))).to_arrow())
        await aw(fresh.close())
        (tmp_path / "entries").mkdir(exist_ok=True)
        for path in (tmp_path / "entries").glob("*.dqe"):
            path.unlink()  # only the Arrow entry written next remains
        other = make(mode, dune_emulator, cache=tmp_path)
        again = await aw(other.get_result(result.execution_id, page_size=2))
        assert again.source == "new"
        assert same_table(await aw(again.to_arrow()), fetched)
        assert len(arrow_entries(tmp_path)) == 1
        before = requests(dune_emulator)
        hit = await aw(other.get_result(result.execution_id, page_size=2))
        assert hit.source == "cache"
        table = await aw(hit.to_arrow())
        rows = list(await aw(hit.rows))
        iterated = await collect(hit.iter_rows())
        assert requests(dune_emulator) == before  # a hit: no request at all
        assert same_table(table, fetched)
        assert same(rows, wire_rows) and same(iterated, wire_rows)
        assert hit.column_names == list(wire_rows[0])
        await aw(other.close())
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_schema_options_are_part_of_the_key(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path)
        result = await aw(dune.run_sql(FLAT_SQL, page_size=2))
        plain = await aw(result.to_arrow())
        assert plain.schema.field("amount_raw").type == pa.string()
        floats = await aw(result.to_arrow(big_ints="float", binary="hex"))
        assert floats.schema.field("amount_raw").type == pa.float64()
        assert floats.schema.field("tx_hash").type == pa.string()
        assert len(arrow_entries(tmp_path)) == 2  # one entry per schema
        before = requests(dune_emulator)
        again = await aw(result.to_arrow(big_ints="float", binary="hex"))
        assert requests(dune_emulator) == before
        assert same_table(again, floats)
        assert same_table(await aw(result.to_arrow()), plain)
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_corrupt_arrow_entry_is_discarded_and_fetched_again(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path)
        result = await aw(dune.run_sql(FLAT_SQL, page_size=2))
        fetched = await aw(result.to_arrow())
        (path,) = arrow_entries(tmp_path)
        data = bytearray(path.read_bytes())
        data[40] ^= 0xFF  # one flipped byte inside the IPC payload
        path.write_bytes(bytes(data))
        before = requests(dune_emulator)
        with pytest.warns(duneq.CacheCorruptWarning, match="checksum"):
            again = await aw(result.to_arrow())
        assert requests(dune_emulator) > before  # fetched again, never returned
        assert same_table(again, fetched)
        (path,) = arrow_entries(tmp_path)  # rewritten whole by that read
        before = requests(dune_emulator)
        assert same_table(await aw(result.to_arrow()), fetched)
        assert requests(dune_emulator) == before
        await aw(dune.close())

    run(scenario)


def test_an_incomplete_pass_writes_no_entry(dune_emulator: EmulatorHandle, tmp_path: Path) -> None:
    dune = make("sync", dune_emulator, cache=tmp_path)
    result = dune.run_sql(FLAT_SQL, page_size=1)
    batches = result.iter_batches()
    next(batches)
    batches.close()  # stopped after one page
    assert arrow_entries(tmp_path) == []
    assert not [p for p in (tmp_path / "entries").iterdir() if p.name.startswith(".tmp-")]
    written = result.to_parquet(tmp_path / "out.parquet")
    assert written == 3 and len(arrow_entries(tmp_path)) == 1
    dune.close()
