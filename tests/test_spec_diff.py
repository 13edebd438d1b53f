"""scripts/spec_diff.py reports deliberate differences from upstream and nothing spurious."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.regenerate import DEFAULT_SPEC, load_spec  # noqa: E402
from scripts.spec_diff import diff_documents  # noqa: E402

# Dune's upstream document lives in the workspace's shared/ folder beside the repository.
UPSTREAM = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "dune-openapi-upstream.json"
)
SCRIPT = ROOT / "scripts" / "spec_diff.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def test_our_spec_against_itself_is_clean() -> None:
    result = _run(str(DEFAULT_SPEC))
    assert result.returncode == 0, result.stdout
    assert "no differences" in result.stdout


def test_descriptions_and_schema_names_are_not_differences() -> None:
    ours = load_spec(DEFAULT_SPEC)
    other = copy.deepcopy(ours)
    schemas = other["components"]["schemas"]
    schemas["models.Renamed"] = schemas.pop("GetExecutionStatusResponse")
    schemas["models.Renamed"]["properties"]["state"]["description"] = "different words"
    status = other["paths"]["/v1/execution/{execution_id}/status"]["get"]
    status["description"] = "changed"
    status["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] = (
        "#/components/schemas/models.Renamed"
    )
    other["paths"] = dict(reversed(list(other["paths"].items())))
    assert diff_documents(ours, other) == []


def test_field_changes_are_reported() -> None:
    ours = load_spec(DEFAULT_SPEC)
    other = copy.deepcopy(ours)
    props = other["components"]["schemas"]["GetExecutionStatusResponse"]["properties"]
    props["queue_position"] = {"type": "string"}
    del props["cancelled_at"]
    props["brand_new"] = {"type": "boolean"}
    del other["paths"]["/v1/usage"]
    lines = "\n".join(diff_documents(ours, other))
    assert "response 200 field queue_position: ours integer, upstream string" in lines
    assert "response 200 field cancelled_at: only in ours (string)" in lines
    assert "response 200 field brand_new: only upstream (boolean)" in lines
    assert "POST /v1/usage\n  operation only in ours (get_usage)" in lines


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream reference document not available")
def test_upstream_lists_deliberate_differences_only() -> None:
    result = _run(str(UPSTREAM))
    assert result.returncode == 1
    out = result.stdout
    expected = [
        "response 429: only in ours  [35 operations]",
        "parameter query ignore_max_datapoints_per_request: only in ours (boolean)  [5 operations]",
        "POST /v1/query/{query_id}/execute\n"
        "  parameter query performance: only upstream (string enum[large,medium])\n"
        "  parameter query query_parameters: only upstream (string)\n"
        "  request body: only in ours (application/json)",
        "PATCH /v1/query/{query_id}\n  request body: only in ours (application/json)",
        "response 200 media types: ours text/csv; upstream text/plain",
        "response 200 header x-dune-next-offset: only in ours (integer)",
        "request body media types: ours application/x-ndjson, text/csv; upstream application/octet-stream",
        "request body field schema[].type: ours string required, upstream array<integer>",
        "parameter query limit: ours integer, upstream string",
        "parameter path query_id: ours integer required, upstream string required",
    ]
    for snippet in expected:
        assert snippet in out, snippet
    # Artifacts the normalizer removes, and naming, never show up.
    for spurious in (
        "queryID",
        "X-Dune-Api-Key",
        "api_key",
        "parameter path name",
        "models.",
        "description",
    ):
        assert spurious not in out, spurious
    assert "operation only" not in out  # both sides have the same 35 operations
