"""The README's Dagster assets, run as written in this environment (the dev one has no
Dagster): the definitions load, with the two assets, the daily partitions and the resource."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dagster as dg
from duneq.dagster import DuneResource

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_block(name: str) -> str:
    """The README's fenced Python block that imports ``name``."""
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    (block,) = [b for b in blocks if re.search(rf"^(import|from) {name}\b", b, re.M)]
    return str(block)


def test_readme_assets_load() -> None:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_block("dagster"), "README.md", "exec"), namespace)
    defs = namespace["defs"]
    assert isinstance(defs, dg.Definitions)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"dex_volume", "top_pools"}
    daily = graph.get(dg.AssetKey("dex_volume")).partitions_def
    assert isinstance(daily, dg.DailyPartitionsDefinition)
    assert isinstance(defs.resources["dune"], DuneResource)
