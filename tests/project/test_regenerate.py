"""scripts/regenerate.py: normalizer rules, reproducible output, --check, upstream generation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts import regenerate  # noqa: E402
from scripts._spec_normalize import SpecError, normalize  # noqa: E402

# Dune's upstream document lives in the workspace's shared/ folder beside the repository.
UPSTREAM = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "dune-openapi-upstream.json"
)
GENERATED = ROOT / "generated" / "dune_api"


def _mini_upstream() -> dict[str, Any]:
    """A tiny document with the upstream generator's artifacts."""
    auth = [
        {"name": "X-Dune-Api-Key", "in": "header", "required": True, "schema": {"type": "string"}},
        {"name": "api_key", "in": "query", "schema": {"type": "string"}},
    ]
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/query/{queryId}": {
                "get": {
                    "parameters": [
                        *auth,
                        {
                            "name": "queryId",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/models.Page"}
                                }
                            },
                        },
                        "400": {
                            "description": "bad",
                            "content": {
                                "text/plain": {
                                    "schema": {"$ref": "#/components/schemas/models.Error400"}
                                }
                            },
                        },
                    },
                }
            },
            "/v1/query/{query_id}/results": {
                "get": {
                    "parameters": [
                        *auth,
                        {
                            "name": "query_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "queryID",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/v1/materialized-views": {
                "post": {
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *auth,
                    ],
                    "requestBody": {
                        "content": {
                            "*/*": {"schema": {"$ref": "#/components/schemas/models.Error400"}}
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/v1/brand/{newThing}": {"delete": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                "models.Error400": {"type": "object", "properties": {"error": {"type": "string"}}},
                "models.Row": {"type": "object", "additionalProperties": {"type": "object"}},
                "models.Page": {
                    "type": "object",
                    "properties": {
                        "z": {"type": "string"},
                        "rows": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/models.Row"},
                        },
                        "a": {"type": "integer"},
                    },
                },
            }
        },
    }


def test_normalizer_removes_upstream_artifacts() -> None:
    source = _mini_upstream()
    before = json.dumps(source, sort_keys=True)
    doc = normalize(source)
    assert json.dumps(source, sort_keys=True) == before, "input must not be modified"

    # Prefix gone, Row unused; the upsert body's and get_query's response schemas take the
    # contract's model names (Page becomes Query).
    assert set(doc["components"]["schemas"]) == {"UpsertMaterializedViewRequest", "Query"}
    page = doc["components"]["schemas"]["Query"]
    assert list(page["properties"]) == ["a", "rows", "z"]
    assert page["properties"]["rows"]["items"] == {}

    get_query = doc["paths"]["/v1/query/{query_id}"]["get"]
    assert (get_query["operationId"], get_query["tags"]) == ("get_query", ["queries"])
    assert get_query["parameters"] == [
        {"name": "query_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert get_query["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Query"
    }
    assert list(get_query["responses"]["400"]["content"]) == ["application/json"]

    latest = doc["paths"]["/v1/query/{query_id}/results"]["get"]
    assert latest["operationId"] == "get_latest_query_results"
    assert [p["name"] for p in latest["parameters"]] == ["query_id"]

    upsert = doc["paths"]["/v1/materialized-views"]["post"]
    assert upsert["operationId"] == "upsert_materialized_view"
    assert upsert["parameters"] == []
    assert list(upsert["requestBody"]["content"]) == ["application/json"]

    unknown = doc["paths"]["/v1/brand/{new_thing}"]["delete"]
    assert (unknown["operationId"], unknown["tags"]) == ("delete_v1_brand_new_thing", ["brand"])


def test_normalizer_rejects_non_openapi3() -> None:
    with pytest.raises(SpecError, match="Swagger 2.0 document; convert it to OpenAPI 3"):
        normalize({"swagger": "2.0", "paths": {}})
    with pytest.raises(SpecError, match="not an OpenAPI 3 document"):
        normalize({"openapi": "2.9", "paths": {}})


def test_normalizer_is_idempotent_on_our_spec() -> None:
    ours = regenerate.load_spec(regenerate.DEFAULT_SPEC)
    once = normalize(ours)
    assert normalize(once) == once


def test_bad_spec_path_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "regenerate.py"),
            "--spec",
            str(missing),
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"spec file not found: {missing}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "dune_api"
    regenerate.generate(regenerate.DEFAULT_SPEC, out)
    return out


def test_regeneration_is_byte_identical_to_committed(fresh: Path) -> None:
    assert regenerate.diff_trees(fresh, GENERATED) == []
    provenance = json.loads((fresh / "_provenance.json").read_text())
    assert provenance["generator"] == "openapi-python-client 0.29.1"
    assert provenance["ruff"] == "ruff 0.11.13"
    assert provenance["spec"] == "openapi/dune.yaml"
    assert (fresh / "py.typed").exists()
    assert not list(fresh.rglob(".ruff_cache"))


def test_check_cli_passes_on_committed_tree() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is up to date" in result.stdout


def test_check_fails_with_diff_on_perturbed_copy(
    fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "dune_api"
    shutil.copytree(fresh, copy)
    client_py = copy / "client.py"
    client_py.write_text(client_py.read_text() + "# hand edit\n")
    (copy / "stray.py").write_text("x = 1\n")
    (copy / "errors.py").unlink()

    assert regenerate.check(regenerate.DEFAULT_SPEC, copy) == 1
    out = capsys.readouterr().out
    assert "-# hand edit" in out
    assert "--- a/stray.py" in out and "+++ /dev/null" in out
    assert "+++ b/errors.py" in out


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream reference document not available")
def test_upstream_generates_35_operations_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "pkg" / "dune_api"
    regenerate.generate(UPSTREAM, out)  # raises RegenerateError on any generator warning
    probe = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        sys.path.insert(0, sys.argv[1])
        import dune_api.api
        ops = []
        for tag in pkgutil.iter_modules(dune_api.api.__path__):
            pkg = importlib.import_module("dune_api.api." + tag.name)
            for mod in pkgutil.iter_modules(pkg.__path__):
                m = importlib.import_module(f"dune_api.api.{tag.name}.{mod.name}")
                assert callable(m.sync_detailed) and callable(m.asyncio_detailed)
                ops.append(f"{tag.name}.{mod.name}")
        from dune_api.models import ReadExecutionResultResponse
        page = ReadExecutionResultResponse.from_dict(
            {"execution_id": "x", "state": "QUERY_STATE_COMPLETED",
             "result": {"rows": [{"n": 1, "s": "a", "f": 1.5, "b": True, "z": None}]}})
        print(json.dumps({"ops": sorted(ops), "row": page.result.rows[0]}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(out.parent)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["ops"]) == 35
    assert "executions.execute_sql" in report["ops"]
    assert "uploads.insert_upload_rows" in report["ops"]
    assert report["row"] == {"n": 1, "s": "a", "f": 1.5, "b": True, "z": None}
