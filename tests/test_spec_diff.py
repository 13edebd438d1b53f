"""scripts/spec_diff.py reports deliberate differences from upstream and nothing spurious."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.regenerate import DEFAULT_SPEC, load_spec  # noqa: E402
from scripts.spec_diff import Difference, diff_documents  # noqa: E402

# Dune's upstream document lives in the workspace's shared/ folder beside the repository.
UPSTREAM = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "dune-openapi-upstream.json"
)
SCRIPT = ROOT / "scripts" / "spec_diff.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def _lines(diffs: list[Difference]) -> set[tuple[str, str]]:
    return {(d.operation, d.text) for d in diffs}


def test_our_spec_against_itself_is_clean() -> None:
    result = _run(str(DEFAULT_SPEC))
    assert result.returncode == 0, result.stdout
    assert "nothing new" in result.stdout


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
    found = _lines(diff_documents(ours, other))
    status = "get_execution_status"
    assert (status, "response 200 field queue_position: ours integer, upstream string") in found
    assert (status, "response 200 field cancelled_at: only in ours (string)") in found
    assert (status, "response 200 field brand_new: only upstream (boolean)") in found
    assert ("get_usage", "operation only in ours") in found


def test_deprecated_defaults_constraints_extra_properties_and_oneof_are_seen() -> None:
    ours = load_spec(DEFAULT_SPEC)
    other = copy.deepcopy(ours)
    op = other["paths"]["/v1/materialized-views"]["get"]
    op["deprecated"] = True
    for param in op["parameters"]:
        if "$ref" not in param and param["name"] == "limit":
            param["schema"]["maximum"] = 250
            param["schema"]["default"] = 50
    schemas = other["components"]["schemas"]
    schemas["ExecuteSqlRequest"]["properties"]["sql"]["minLength"] = 1
    schemas["ExecuteQueryRequest"]["properties"]["query_parameters"]["additionalProperties"] = {
        "type": "string"
    }
    schemas["ExecuteSqlRequest"]["properties"]["performance"] = {
        "oneOf": [{"$ref": "#/components/schemas/Performance"}, {"type": "integer"}]
    }
    found = _lines(diff_documents(ours, other))
    views = "list_materialized_views"
    assert (views, "deprecated: ours False, upstream True") in found
    assert any(
        o == views and "parameter query limit" in t and "maximum=250] default=50" in t
        for o, t in found
    ), found
    assert any(
        o == "execute_sql" and t.startswith("request body field sql:") and "minLength=1" in t
        for o, t in found
    ), found
    assert (
        "execute_query",
        "request body field query_parameters: ours object, upstream object<string>",
    ) in found
    assert any(
        o == "execute_sql" and "oneOf[string enum[large,medium]|integer]" in t for o, t in found
    ), found


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream reference document not available")
def test_upstream_today_has_nothing_new_with_the_accepted_file() -> None:
    result = _run(str(UPSTREAM))
    assert result.returncode == 0, result.stdout
    assert "nothing new" in result.stdout
    assert "accepted but no longer differs" not in result.stdout
    # Without the accepted file the deliberate differences show, with upstream's own values.
    everything = _run(str(UPSTREAM), "--all")
    assert everything.returncode == 1
    out = everything.stdout
    assert "request body media types: ours application/json; upstream */*: create_query" in out
    assert "response 429: only in ours: archive_query, cancel_execution" in out
    assert "and 27 more" in out
    for spurious in ("queryID", "X-Dune-Api-Key", "api_key", "models.", "description"):
        assert spurious not in out, spurious


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream reference document not available")
def test_a_crafted_upstream_change_is_reported_as_exactly_that(tmp_path: Path) -> None:
    upstream = json.loads(UPSTREAM.read_text(encoding="utf-8"))
    status = upstream["components"]["schemas"]["models.GetExecutionStatusResponse"]
    status["properties"]["queue_position"]["maximum"] = 100
    upstream["paths"]["/v1/uploads"]["get"]["deprecated"] = True
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(upstream), encoding="utf-8")
    result = _run(str(changed))
    assert result.returncode == 1
    new = [line for line in result.stdout.splitlines()[1:] if not line.startswith("(")]
    assert sorted(new) == [
        "deprecated: ours False, upstream True: list_uploads",
        "response 200 field queue_position: ours integer, upstream integer [maximum=100]: "
        "get_execution_status",
    ]
    md = tmp_path / "report.md"
    assert _run(str(changed), "--markdown", str(md)).returncode == 1
    report = md.read_text(encoding="utf-8")
    assert report.startswith("### Upstream spec drift: `changed.json`")
    assert "| `deprecated: ours False, upstream True` | `list_uploads` |" in report


def test_accepted_entry_needs_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "accepted.yaml"
    bad.write_text("accepted:\n  - difference: x\n    operations: all\n", encoding="utf-8")
    result = _run(str(DEFAULT_SPEC), "--accepted", str(bad))
    assert result.returncode == 2
    assert "needs a 'difference' and a one-line 'reason'" in result.stderr
