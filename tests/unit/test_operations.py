"""The one billing table (``duneq._policy.operations``): exactly the spec's operations, read by the
request builders by name and by the low-level transport and ``request()`` by method and path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from duneq._options import ResultOptions
from duneq._policy.operations import OPERATIONS, bucket_of, operation, operation_of
from duneq._wire import adapter as wire

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "dune.yaml"


def _spec_operations() -> dict[str, tuple[str, str]]:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found[op["operationId"]] = (method.upper(), path)
    return found


def test_the_table_is_exactly_the_specs_operations() -> None:
    table = {name: (op.method, op.template) for name, op in OPERATIONS.items()}
    assert table == _spec_operations()


def test_every_generated_endpoint_module_has_an_entry() -> None:
    import pkgutil

    import dune_api.api as api

    modules = {
        info.name
        for package in pkgutil.iter_modules(api.__path__)
        for info in pkgutil.iter_modules([str(Path(api.__path__[0]) / package.name)])
    }
    assert modules == set(OPERATIONS)


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("POST", "/v1/query/12/execute", "execute_query"),
        ("GET", "/v1/query/12/results", "get_latest_query_results"),
        ("GET", "/v1/query/12/results/csv", "get_latest_query_results_csv"),
        ("GET", "/v1/query/12", "get_query"),
        ("PATCH", "/v1/query/12", "update_query"),
        ("POST", "/v1/query", "create_query"),
        ("POST", "/v1/uploads/csv", "upload_csv"),
        ("POST", "/v1/uploads/dune/t/insert", "insert_upload_rows"),
        ("DELETE", "/v1/uploads/dune/t", "delete_upload"),
        ("post", "/v1/materialized-views/result_x/refresh/", "refresh_materialized_view"),
        ("GET", "/v1/endpoints/h/s/results", "get_custom_endpoint_results"),
    ],
)
def test_a_path_finds_its_operation(method: str, path: str, name: str) -> None:
    assert operation_of(method, path).name == name


def test_a_path_the_spec_lacks_gets_the_cautious_default() -> None:
    legacy = operation_of("POST", "/v1/table/create")
    assert (legacy.name, legacy.kind, legacy.bucket) == (None, "unsafe", "low")
    newer = operation_of("GET", "/v1/something/new")
    assert (newer.name, newer.kind, newer.bucket) == (None, "idempotent", "high")
    assert operation_of("POST", "/v1/query/12/execute/more").name is None  # full match only


def test_what_it_charges_and_where_it_is_counted() -> None:
    billed = {name for name, op in OPERATIONS.items() if op.billed}
    assert billed == {
        "execute_query",
        "execute_sql",
        "execute_query_pipeline",
        "execute_pipeline",
        "upsert_materialized_view",
        "refresh_materialized_view",
    }
    assert {n for n, op in OPERATIONS.items() if op.kind == "unsafe"} == {
        "create_query",
        "create_upload",
        "insert_upload_rows",
    }
    assert operation("cancel_execution").bucket == "high"  # Dune counts a cancel as a read
    assert operation("get_usage").kind == "idempotent"  # a POST that only reads
    assert bucket_of("POST", "/v1/execution/x/cancel") == "high"
    assert bucket_of("POST", "/v1/table/create", "create_upload") == "low"


def test_the_builders_read_the_table() -> None:
    reqs = [
        wire.execute_sql_request("select 1", {}, None),
        wire.execute_query_request(1, {}, None),
        wire.cancel_request("01HZZZZZZZZZZZZZZZZZZZZZZZ"),
        wire.results_request("01HZZZZZZZZZZZZZZZZZZZZZZZ", ResultOptions.build(), 0, 10),
        wire.usage_request(None, None),
        wire.create_upload_request(
            "dune", "t", [("a", "integer", True)], description=None, is_private=False
        ),
        wire.create_upload_request(
            "dune", "t", [("a", "integer", True)], description=None, is_private=False, legacy=True
        ),
        wire.query_action_request(1, "archive"),
    ]
    for req in reqs:
        assert req.operation is not None
        op = OPERATIONS[req.operation]
        assert req.kind == op.kind and req.method == op.method
    assert [r.operation for r in reqs] == [
        "execute_sql",
        "execute_query",
        "cancel_execution",
        "get_execution_results",
        "get_usage",
        "create_upload",
        "create_upload",  # the legacy route keeps its operation (and bucket)
        "archive_query",
    ]
    assert reqs[6].path == "/v1/table/create"
