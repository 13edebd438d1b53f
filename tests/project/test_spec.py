"""openapi/dune.yaml is valid OpenAPI 3.0 and carries the agreed operations and wire fixes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts._spec_normalize import OPERATIONS, iter_operations, resolve  # noqa: E402

SPEC_PATH = ROOT / "openapi" / "dune.yaml"
RESULT_PARAMS = {
    "limit",
    "offset",
    "columns",
    "filters",
    "sort_by",
    "sample_count",
    "allow_partial_results",
    "ignore_max_datapoints_per_request",
    "ignore_max_credits_per_request",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _op(spec: dict[str, Any], op_id: str) -> dict[str, Any]:
    for _, _, op in iter_operations(spec):
        if op["operationId"] == op_id:
            return op
    raise AssertionError(f"operation {op_id} missing")


def _param_names(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    return {resolve(spec, p)["name"] for p in op.get("parameters", [])}


def test_spec_validates(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.0")
    assert spec["servers"] == [{"url": "https://api.dune.com/api"}]


def test_all_35_operations_with_agreed_ids_and_tags(spec: dict[str, Any]) -> None:
    found = {(m, p): (op["tags"], op["operationId"]) for m, p, op in iter_operations(spec)}
    assert len(found) == 35 == len(OPERATIONS)
    for key, (tag, op_id) in OPERATIONS.items():
        assert found[key] == ([tag], op_id), key


def test_auth_is_one_api_key_scheme_without_header_params(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes == {
        "dune_api_key": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Dune-Api-Key",
            "description": schemes["dune_api_key"]["description"],
        }
    }
    assert spec["security"] == [{"dune_api_key": []}]
    for _, _, op in iter_operations(spec):
        for raw in op.get("parameters", []):
            param = resolve(spec, raw)
            assert param["in"] != "header", op["operationId"]
            assert param["name"] not in {"api_key", "queryID"}, op["operationId"]


def test_every_operation_declares_429_with_error_body(spec: dict[str, Any]) -> None:
    for _, _, op in iter_operations(spec):
        response = resolve(spec, op["responses"]["429"])
        schema = resolve(spec, response["content"]["application/json"]["schema"])
        assert schema["properties"] == {
            "error": {"type": "string", "description": "Human-readable message."}
        }
        for status, raw in op["responses"].items():
            if not status.startswith("2"):
                assert list(resolve(spec, raw)["content"]) == ["application/json"], (
                    op["operationId"],
                    status,
                )


def test_execute_parameters_go_in_json_body(spec: dict[str, Any]) -> None:
    op = _op(spec, "execute_query")
    assert _param_names(spec, op) == {"query_id"}
    schema = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"performance", "query_parameters"}


def test_post_bodies_are_json_except_insert(spec: dict[str, Any]) -> None:
    for method, path, op in iter_operations(spec):
        body = op.get("requestBody")
        if body is None:
            continue
        media = list(body["content"])
        if op["operationId"] == "insert_upload_rows":
            assert media == ["text/csv", "application/x-ndjson"]
        else:
            assert media == ["application/json"], (method, path)
    assert "requestBody" in _op(spec, "update_query")


@pytest.mark.parametrize(
    "op_id",
    [
        "get_execution_results",
        "get_execution_results_csv",
        "get_latest_query_results",
        "get_latest_query_results_csv",
        "get_custom_endpoint_results",
    ],
)
def test_result_operations_have_all_result_parameters(spec: dict[str, Any], op_id: str) -> None:
    op = _op(spec, op_id)
    assert _param_names(spec, op) >= RESULT_PARAMS
    if op_id.endswith("_csv"):
        ok = resolve(spec, op["responses"]["200"])
        assert set(ok["headers"]) == {"x-dune-next-offset", "x-dune-next-uri"}
        assert list(ok["content"]) == ["text/csv"]


def test_rows_free_form_states_and_timestamps_are_strings(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["ExecutionResult"]["properties"]["rows"]["items"] == {}
    for name in (
        "GetExecutionStatusResponse",
        "ReadExecutionResultResponse",
        "ExecuteQueryResponse",
    ):
        state = schemas[name]["properties"]["state"]
        assert state["type"] == "string" and "enum" not in state
    for field in (
        "submitted_at",
        "expires_at",
        "execution_started_at",
        "execution_ended_at",
        "cancelled_at",
    ):
        assert schemas["GetExecutionStatusResponse"]["properties"][field] == {"type": "string"}
    status = schemas["GetExecutionStatusResponse"]["properties"]
    assert status["execution_cost_credits"]["type"] == "number"
    assert status["queue_position"]["type"] == "integer"


def test_pipeline_schemas_follow_surface(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["PipelineNode"]["properties"]) == {
        "id",
        "dependencies",
        "query_execution",
        "materialized_view_refresh",
    }
    assert set(schemas["PipelineNodeExecution"]["properties"]) == {
        "id",
        "query_execution_status",
        "materialized_view_refresh_status",
    }
    assert set(schemas["PipelineQueryExecutionStatus"]["properties"]) == {
        "status",
        "query_id",
        "execution_id",
        "error",
    }
    assert set(schemas["PipelineMaterializedViewRefreshStatus"]["properties"]) == {
        "status",
        "name",
        "execution_id",
        "error",
    }
    body = schemas["ExecutePipelineRequest"]
    assert set(body["properties"]) == {"pipeline", "query_id", "performance", "query_parameters"}
    assert "required" not in body and "oneOf" not in body
    assert "skipped" in schemas["PipelineNodeExecution"]["description"]
