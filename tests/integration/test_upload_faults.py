"""A chunked insert whose request fails says exactly what landed: the rows confirmed, and the
failed chunk either surely not written or of unknown outcome (named with its row range), so
that following its advice resumes without a lost or duplicated row. Real HTTP to the
emulator, whose faults write the chunk and then break the reply."""

from __future__ import annotations

from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle

INSERT = "POST /api/v1/uploads/{namespace}/{table_name}/insert"
ROWS = 30
#: about 10 rows per chunk, so chunk 3 starts at a row well inside the data
CHUNK_BYTES = 130

# (fault, whether the server wrote the chunk)
FAULTS: dict[str, tuple[dict[str, Any], bool]] = {
    "5xx-after-handler": ({"status": 502, "after_handler": True}, True),
    "reset-mid-body": ({"kind": "reset"}, True),
    "truncated-200": ({"kind": "truncate"}, True),
    "dropped-before-handler": ({"kind": "drop"}, False),
}


def _data() -> bytes:
    return b"id,label\n" + b"".join(f"{i},row-{i:04d}\n".encode() for i in range(ROWS))


def _ids(dune: duneq.Client, table: str) -> list[int]:
    rows = dune.run_sql(f"select id from {table} order by id").rows
    return [int(r["id"]) for r in rows]


def _resume(dune: duneq.Client, err: duneq.InsertFailed, table: str, before: int) -> int:
    """The README's rule: count the table's rows to learn whether the unknown chunk landed."""
    if err.unknown_rows is None:
        return err.resume_row
    landed = len(_ids(dune, table)) - before
    return err.unknown_rows.stop if landed > err.rows_written else err.unknown_rows.start


@pytest.mark.parametrize("skip", [0, 2], ids=["chunk1", "chunk3"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_unknown_chunk_is_named_and_resume_is_exact(
    fault: str, skip: int, dune_emulator: EmulatorHandle
) -> None:
    spec, written = FAULTS[fault]
    name = f"f_{fault.replace('-', '_')}_{skip}"
    table = f"dune.emulator.{name}"
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        dune.uploads.create("emulator", name, [("id", "bigint"), ("label", "varchar")])
        dune_emulator.control.add_fault(INSERT, skip=skip, **spec)
        with pytest.raises(duneq.InsertFailed) as info:
            dune.uploads.insert("emulator", name, _data(), chunk_bytes=CHUNK_BYTES)
        err = info.value
        ids = _ids(dune, table)
        assert err.chunks_written == skip and err.resume_row == err.rows_written
        assert ids[: err.rows_written] == list(range(err.rows_written))
        unknown = err.unknown_rows
        assert unknown is not None and err.unknown_chunk == skip + 1 and not err.outcome_known
        assert unknown.start == err.rows_written and len(unknown) > 0
        assert f"Chunk {skip + 1} (input rows {unknown.start}..{unknown.stop - 1}" in str(err)
        assert "may or may not have been written" in str(err)
        assert f"start_row={unknown.stop}" in str(err) and f"start_row={unknown.start}" in str(err)
        # what the server holds is the confirmed rows, plus the unknown chunk if it wrote it
        assert len(ids) == err.rows_written + (len(unknown) if written else 0)
        dune.uploads.insert(
            "emulator",
            name,
            _data(),
            chunk_bytes=CHUNK_BYTES,
            start_row=_resume(dune, err, table, 0),
        )
        assert _ids(dune, table) == list(range(ROWS))  # none lost, none twice


def test_refused_chunk_surely_did_not_land(dune_emulator: EmulatorHandle) -> None:
    """A 4xx answer (the server refused the chunk) is a known outcome: resume at its start."""
    table = "dune.emulator.refused"
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        dune.uploads.create("emulator", "refused", [("id", "bigint"), ("label", "varchar")])
        dune_emulator.control.add_fault(INSERT, skip=2, status=400)
        with pytest.raises(duneq.InsertFailed) as info:
            dune.uploads.insert("emulator", "refused", _data(), chunk_bytes=CHUNK_BYTES)
        err = info.value
        assert err.outcome_known and err.unknown_rows is None and err.unknown_chunk is None
        assert isinstance(err.__cause__, duneq.BadRequest)
        assert len(_ids(dune, table)) == err.rows_written > 0
        assert f"that chunk and the rest did not. Resume with start_row={err.resume_row}" in str(
            err
        )
        dune.uploads.insert(
            "emulator", "refused", _data(), chunk_bytes=CHUNK_BYTES, start_row=err.resume_row
        )
        assert _ids(dune, table) == list(range(ROWS))
        # a first chunk refused: nothing landed, the API's own error
        dune_emulator.control.add_fault(INSERT, status=400)
        with pytest.raises(duneq.BadRequest):
            dune.uploads.insert("emulator", "refused", _data(), chunk_bytes=CHUNK_BYTES)
        with pytest.raises(duneq.InvalidArgument, match="start_row"):
            dune.uploads.insert("emulator", "refused", _data(), start_row=-1)


def test_start_row_skips_rows_of_every_input_kind(dune_emulator: EmulatorHandle) -> None:
    """start_row leaves out the first rows of CSV bytes and of an iterable of dicts alike."""
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        dune.uploads.create("emulator", "skipped", [("id", "bigint"), ("label", "varchar")])
        result = dune.uploads.insert("emulator", "skipped", _data(), start_row=25)
        assert result.rows_written == 5
        dicts = [{"id": 100 + i, "label": "d"} for i in range(4)]
        assert dune.uploads.insert("emulator", "skipped", dicts, start_row=3).rows_written == 1
        assert _ids(dune, "dune.emulator.skipped") == [25, 26, 27, 28, 29, 103]
