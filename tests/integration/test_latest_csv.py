"""``dune.latest_csv``: a query's latest result as CSV, pinned to
that execution and read through the verified CSV page path, never executing; through real
HTTP to the emulator (seeded query 2 returns n rows numbered 0..n-1)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import duneq
import pytest
from dune_emulator import EmulatorHandle
from dune_emulator.testing import EmulatorTime
from helpers.clients import count

EXECUTE = "POST /api/v1/query/{query_id}/execute"
CSV_PAGE = "GET /api/v1/execution/{execution_id}/results/csv"


def expected(n: int) -> bytes:
    return ("number\n" + "".join(f"{i}\n" for i in range(n))).encode()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_latest_csv_streams_the_latest_run_in_verified_pages_without_executing(
    mode: str, dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    waits = EmulatorTime(dune_emulator).client_kwargs(asynchronous=mode == "async")
    kw: dict[str, Any] = {"api_key": dune_emulator.api_key, "base_url": dune_emulator.base_url}
    kw.update(waits, page_size=3)  # 10 rows: 4 CSV pages, each header and count checked

    async def scenario() -> None:
        if mode == "sync":
            with duneq.Client(**kw) as dune:
                assert len(dune.run_query(2, {"n": 10}).rows) == 10
                runs, pages = count(dune_emulator, EXECUTE), count(dune_emulator, CSV_PAGE)
                written = dune.latest_csv(2, tmp_path / "out.csv", {"n": 10})
                buf = io.StringIO()
                dune.latest_csv(2, buf, {"n": 10}, limit=4)
                with pytest.raises(duneq.NotFound, match="no completed latest result"):
                    dune.latest_csv(2, tmp_path / "never.csv", {"n": 77})
        else:
            async with duneq.AsyncClient(**kw) as dune:
                assert len(await (await dune.run_query(2, {"n": 10})).rows) == 10
                runs, pages = count(dune_emulator, EXECUTE), count(dune_emulator, CSV_PAGE)
                written = await dune.latest_csv(2, tmp_path / "out.csv", {"n": 10})
                buf = io.StringIO()
                await dune.latest_csv(2, buf, {"n": 10}, limit=4)
                with pytest.raises(duneq.NotFound, match="no completed latest result"):
                    await dune.latest_csv(2, tmp_path / "never.csv", {"n": 77})
        data = (tmp_path / "out.csv").read_bytes()
        assert data == expected(10) and written == len(data)
        assert buf.getvalue() == expected(4).decode()
        assert count(dune_emulator, EXECUTE) == runs  # nothing executed
        assert count(dune_emulator, CSV_PAGE) - pages == 4 + 2  # 3+3+3+1 rows, then 3+1
        assert not (tmp_path / "never.csv").exists()

    asyncio.run(scenario())


def test_latest_csv_refuses_bad_arguments_before_any_request(
    dune_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with duneq.Client(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        before = count(dune_emulator, "GET /api/v1/query/{query_id}/results")
        with pytest.raises(duneq.InvalidArgument, match="folder"):
            dune.latest_csv(2, tmp_path / "no" / "such" / "x.csv")
        with pytest.raises(duneq.InvalidArgument, match="max_age"):
            dune.latest_csv(2, tmp_path / "x.csv", max_age=5)  # type: ignore[arg-type]
        with pytest.raises(duneq.InvalidArgument):
            dune.latest_csv(0, tmp_path / "x.csv")
        assert count(dune_emulator, "GET /api/v1/query/{query_id}/results") == before
