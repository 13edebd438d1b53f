"""scripts/spec_diff.py reports deliberate differences from upstream and nothing spurious."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts.regenerate import DEFAULT_SPEC, load_spec  # noqa: E402
from scripts.spec_diff import Difference, diff_documents, main  # noqa: E402

# Dune's upstream document lives in the workspace's shared/ folder beside the repository.
UPSTREAM = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "dune-openapi-upstream.json"
)
SCRIPT = ROOT / "scripts" / "spec_diff.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The CLI in-process: (exit status, stdout)."""
    code = main(list(args))
    return code, capsys.readouterr().out


def _lines(diffs: list[Difference]) -> set[tuple[str, str]]:
    return {(d.operation, d.text) for d in diffs}


@pytest.fixture(scope="module")
def ours_doc() -> dict[str, Any]:
    """openapi/dune.yaml, parsed once (pure-Python YAML: 0.3-0.6 s a parse)."""
    return load_spec(DEFAULT_SPEC)


@pytest.fixture
def ours(ours_doc: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of our spec per test, so that no test sees another's changes."""
    return copy.deepcopy(ours_doc)


@pytest.fixture(scope="module")
def ours_json(tmp_path_factory: pytest.TempPathFactory, ours_doc: dict[str, Any]) -> Path:
    """Our spec as JSON, for --ours: the same document (it round-trips exactly), read fast; the
    YAML file itself is read by the real-process run against itself."""
    path = tmp_path_factory.mktemp("ours") / "dune.json"
    path.write_text(json.dumps(ours_doc), encoding="utf-8")
    assert load_spec(path) == ours_doc
    return path


def test_our_spec_against_itself_is_clean() -> None:
    result = _run(str(DEFAULT_SPEC))
    assert result.returncode == 0, result.stdout
    assert "nothing new" in result.stdout


def test_descriptions_and_schema_names_are_not_differences(ours: dict[str, Any]) -> None:
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


def test_field_changes_are_reported(ours: dict[str, Any]) -> None:
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


def test_deprecated_defaults_constraints_extra_properties_and_oneof_are_seen(
    ours: dict[str, Any],
) -> None:
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
def test_upstream_today_has_nothing_new_with_the_accepted_file(
    capsys: pytest.CaptureFixture[str], ours_json: Path
) -> None:
    code, out = _main(capsys, str(UPSTREAM), "--ours", str(ours_json))
    assert code == 0, out
    assert "nothing new" in out
    assert "accepted but no longer differs" not in out
    # Without the accepted file the deliberate differences show, with upstream's own values.
    code, out = _main(capsys, str(UPSTREAM), "--ours", str(ours_json), "--all")
    assert code == 1
    assert "request body media types: ours application/json; upstream */*: create_query" in out
    assert "response 429: only in ours: archive_query, cancel_execution" in out
    assert "and 27 more" in out
    for spurious in ("queryID", "X-Dune-Api-Key", "api_key", "models.", "description"):
        assert spurious not in out, spurious


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream reference document not available")
def test_a_crafted_upstream_change_is_reported_as_exactly_that(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ours_json: Path
) -> None:
    upstream = json.loads(UPSTREAM.read_text(encoding="utf-8"))
    status = upstream["components"]["schemas"]["models.GetExecutionStatusResponse"]
    status["properties"]["queue_position"]["maximum"] = 100
    upstream["paths"]["/v1/uploads"]["get"]["deprecated"] = True
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(upstream), encoding="utf-8")
    code, out = _main(capsys, str(changed), "--ours", str(ours_json))
    assert code == 1
    new = [line for line in out.splitlines()[1:] if not line.startswith("(")]
    assert sorted(new) == [
        "deprecated: ours False, upstream True: list_uploads",
        "response 200 field queue_position: ours integer, upstream integer [maximum=100]: "
        "get_execution_status",
    ]
    md = tmp_path / "report.md"
    assert _main(capsys, str(changed), "--ours", str(ours_json), "--markdown", str(md))[0] == 1
    report = md.read_text(encoding="utf-8")
    assert report.startswith("### Upstream spec drift: `changed.json`")
    assert "| `deprecated: ours False, upstream True` | `list_uploads` |" in report


def test_accepted_entry_needs_a_reason(tmp_path: Path, ours_json: Path) -> None:
    bad = tmp_path / "accepted.yaml"
    bad.write_text("accepted:\n  - difference: x\n    operations: all\n", encoding="utf-8")
    result = _run(str(ours_json), "--ours", str(ours_json), "--accepted", str(bad))
    assert result.returncode == 2
    assert "needs a 'difference' and a one-line 'reason'" in result.stderr
