"""varbinary in frames through real HTTP to the emulator, sync and async, CSV and JSON wire:
polars and pandas show ``0x`` lower-case hex text by default (null stays null, empty bytes are
``"0x"``, nested values too), ``binary="bytes"`` keeps bytes, Arrow keeps binary, a bad
``binary=`` is refused before any request, and a cached typed entry serves frames as hex."""

from __future__ import annotations

from pathlib import Path

import duneq
import polars as pl
import pyarrow as pa
import pytest
from dune_emulator import EmulatorHandle
from duneq._results.frames import hex_binary, to_pandas, to_polars
from helpers.clients import MODES, aw, make, run
from test_cache_arrow import requests

#: upper-case input, empty bytes, NULL, a 32-byte hash; one page per row, so every batch is
#: its own chunk (and its own slice offsets) on the way to the frame
SQL = (
    "select id, b, hashes from (values "
    "(1, from_hex('1F8B08FF'), array[from_hex('00'), null]), "
    "(2, from_hex(''), cast(array[] as array(varbinary))), "
    "(3, cast(null as varbinary), null), "
    "(4, from_hex('" + "ab" * 32 + "'), array[from_hex('')])"
    ") as t(id, b, hashes) order by id"
)
HEX = ["0x1f8b08ff", "0x", None, "0x" + "ab" * 32]
BYTES = [b"\x1f\x8b\x08\xff", b"", None, b"\xab" * 32]
NESTED_HEX = [["0x00", None], [], None, ["0x"]]
NESTED_BYTES = [[b"\x00", None], [], None, [b""]]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", ["csv", "json"])
def test_varbinary_frames_hex_by_default_bytes_on_request(
    mode: str, wire: str, dune_emulator: EmulatorHandle
) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql(SQL, page_size=1))
        table = await aw(result.to_arrow(wire=wire))  # Arrow keeps varbinary as binary
        assert table.schema.field("b").type == pa.binary()
        assert table.schema.field("hashes").type == pa.list_(pa.binary())
        assert table.column("b").to_pylist() == BYTES
        assert table.column("hashes").to_pylist() == NESTED_BYTES

        frame = await aw(result.to_polars(wire=wire))
        assert frame.schema["b"] == pl.String and frame.schema["hashes"] == pl.List(pl.String)
        assert frame["b"].to_list() == HEX
        assert frame["hashes"].to_list() == NESTED_HEX
        assert frame["id"].to_list() == [1, 2, 3, 4]

        pdf = await aw(result.to_pandas(wire=wire))
        assert str(pdf["b"].dtype) == "string[pyarrow]"
        assert pdf["b"].tolist()[:2] == HEX[:2] and pdf["b"].tolist()[3] == HEX[3]
        assert pdf["b"].isna().tolist() == [False, False, True, False]
        assert str(pdf["hashes"].dtype) == "list<item: string>[pyarrow]"
        nullable = await aw(result.to_pandas(dtype_backend="numpy_nullable", wire=wire))
        assert str(nullable["b"].dtype) == "string"
        assert nullable["b"].isna().tolist() == [False, False, True, False]
        assert [nullable["b"][i] for i in (0, 1, 3)] == [HEX[0], HEX[1], HEX[3]]

        raw = await aw(result.to_polars(binary="bytes", wire=wire))
        assert raw.schema["b"] == pl.Binary and raw["b"].to_list() == BYTES
        assert raw["hashes"].to_list() == NESTED_BYTES
        raw_pdf = await aw(result.to_pandas(binary="bytes", wire=wire))
        assert str(raw_pdf["b"].dtype) == "binary[pyarrow]"
        assert raw_pdf["b"].tolist()[:2] == BYTES[:2] and raw_pdf["b"].tolist()[3] == BYTES[3]
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_bad_binary_is_refused_before_any_request(mode: str, dune_emulator: EmulatorHandle) -> None:
    async def scenario() -> None:
        dune = make(mode, dune_emulator)
        result = await aw(dune.run_sql(SQL, page_size=1))
        before = requests(dune_emulator)
        message = "binary must be one of 'hex', 'bytes', got 'base64'"
        with pytest.raises(duneq.InvalidArgument, match=message) as polars_error:
            await aw(result.to_polars(binary="base64"))
        assert isinstance(polars_error.value, ValueError)
        with pytest.raises(duneq.InvalidArgument, match=message):
            await aw(result.to_pandas(binary="base64"))
        with pytest.raises(duneq.InvalidArgument, match="binary must be one of 'bytes', 'hex'"):
            await aw(result.to_arrow(binary="base64"))
        assert requests(dune_emulator) == before
        await aw(dune.close())

    run(scenario)


@pytest.mark.parametrize("mode", MODES)
def test_cached_typed_entry_serves_hex_frames(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Frames read the same bytes entry as to_arrow() and hex-encode it locally: a cached
    result read back gives hex frames with no request (no second download)."""

    async def scenario() -> None:
        dune = make(mode, dune_emulator, cache=tmp_path)
        result = await aw(dune.run_sql(SQL, page_size=1))
        await aw(result.to_arrow())
        other = make(mode, dune_emulator, cache=tmp_path)
        hit = await aw(other.get_result(result.execution_id, page_size=1))
        before = requests(dune_emulator)
        frame = await aw(hit.to_polars())
        pdf = await aw(hit.to_pandas())
        assert requests(dune_emulator) == before
        assert frame["b"].to_list() == HEX and frame["hashes"].to_list() == NESTED_HEX
        assert pdf["b"].isna().tolist() == [False, False, True, False]
        assert (await aw(hit.to_arrow())).column("b").to_pylist() == BYTES
        await aw(other.close())
        await aw(dune.close())

    run(scenario)


def _hex_of(value: object) -> object:
    """The expected hex form of a Python value, nested ones too."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list):
        return [_hex_of(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_hex_of(v) for v in value)
    if isinstance(value, dict):
        return {k: _hex_of(v) for k, v in value.items()}
    return value


NESTED = pa.table(
    {
        "b": pa.chunked_array(
            [pa.array([b"\x1f\xab", None], pa.binary()), pa.array([b""], pa.binary())]
        ),
        "l": pa.array([[b"\x01", None], None, [b"\xff"]], pa.list_(pa.binary())),
        "m": pa.array(
            [[(b"\x02", b"\x03")], None, [(b"\x0a", None)]], pa.map_(pa.binary(), pa.binary())
        ),
        "s": pa.array(
            [{"x": b"\x04", "y": 1}, None, {"x": None, "y": 2}],
            pa.struct([("x", pa.binary()), ("y", pa.int64())]),
        ),
        "ls": pa.array(
            [[{"x": b"\x05"}], [None, {"x": b"\x06"}], None],
            pa.list_(pa.struct([("x", pa.binary())])),
        ),
        "n": [1, 2, 3],
    }
)


@pytest.mark.parametrize(("start", "length"), [(0, 3), (1, 2), (0, 2), (2, 1), (1, 1), (3, 0)])
def test_hex_binary_nested_and_sliced(start: int, length: int) -> None:
    """Every binary value, inside lists, maps and rows too, of any slice becomes its hex text;
    other columns and the field metadata are untouched."""
    table = NESTED.slice(start, length).replace_schema_metadata({"k": "v"})
    hexed = hex_binary(table)
    hexed.validate(full=True)
    assert hexed.to_pylist() == _hex_of(table.to_pylist())
    assert hexed.schema.field("b").type == pa.string()
    assert hexed.schema.field("m").type == pa.map_(pa.string(), pa.string())
    assert hexed.schema.field("ls").type == pa.list_(pa.struct([("x", pa.string())]))
    assert hexed.schema.metadata == {b"k": b"v"}
    kept, given = hexed.column("n").chunks, table.column("n").chunks
    assert [c.buffers()[1].address for c in kept] == [c.buffers()[1].address for c in given]


def test_frames_of_a_table_hex_and_bytes() -> None:
    frame = to_polars(NESTED)
    assert frame["b"].to_list() == ["0x1fab", None, "0x"]
    assert frame["l"].to_list() == [["0x01", None], None, ["0xff"]]
    assert to_polars(NESTED, binary="bytes")["b"].to_list() == [b"\x1f\xab", None, b""]
    pdf = to_pandas(NESTED)
    assert str(pdf["b"].dtype) == "string[pyarrow]" and pdf["b"].tolist()[2] == "0x"
    assert str(to_pandas(NESTED, binary="bytes")["b"].dtype) == "binary[pyarrow]"
    plain = pa.table({"n": [1]})
    assert hex_binary(plain) is plain  # nothing to convert: the same table
    with pytest.raises(duneq.InvalidArgument, match="binary must be one of 'hex', 'bytes'"):
        to_polars(NESTED, binary="base16")


def test_hex_past_32_bit_offsets_becomes_large_string(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk whose hex text outgrows 32-bit offsets becomes large_string, and then the whole
    column does (the limit is lowered here so that a few bytes cross it)."""
    import duneq._dunetypes.arrow

    monkeypatch.setattr(duneq._dunetypes.arrow, "_LONGEST", 20)
    small = pa.array([b"\x01"], pa.binary())
    big = pa.array([b"\x02" * 8, None, b""], pa.binary())
    table = pa.table({"b": pa.chunked_array([small, big])})
    hexed = hex_binary(table)
    assert hexed.schema.field("b").type == pa.large_string()
    assert hexed.column("b").to_pylist() == ["0x01", "0x" + "02" * 8, None, "0x"]
    assert to_polars(table)["b"].to_list() == ["0x01", "0x" + "02" * 8, None, "0x"]


def test_frame_methods_have_real_return_types() -> None:
    """Editors complete frames: the annotations name pyarrow.Table, polars.DataFrame and
    pandas.DataFrame (resolved here with the modules a type checker sees; at run time duneq
    imports none of them, see test_typed_units.py::test_import_duneq_stays_light)."""
    import typing

    import pandas as pd

    names = {"pa": pa, "pl": pl, "pd": pd}
    for cls in (duneq.Result, duneq.AsyncResult):
        hints = {
            name: typing.get_type_hints(getattr(cls, name), localns=names)["return"]
            for name in ("to_arrow", "to_polars", "to_pandas")
        }
        assert hints == {"to_arrow": pa.Table, "to_polars": pl.DataFrame, "to_pandas": pd.DataFrame}
