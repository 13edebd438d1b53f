"""Dune's specs of every vintage regenerate cleanly; each known defect class is handled; the
contract fails loudly into generated/ and warns elsewhere; bad input gets one clear line."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts import regenerate  # noqa: E402
from scripts._contract import ContractError, load_contract, parse_contract  # noqa: E402
from scripts._spec_normalize import iter_operations  # noqa: E402

# Dune's upstream documents live in the workspace's shared/ folder beside the repository.
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
UPSTREAM = REFERENCE / "dune-openapi-upstream.json"
UPSTREAM_MAIN = REFERENCE / "dune-openapi-upstream-main.json"
needs_upstream = pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream documents missing")

# Imports every generated endpoint module, then parses the payloads given as JSON in argv[2].
PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    sys.path.insert(0, sys.argv[1])
    import dune_api.api, dune_api.models as models
    ops = []
    for tag in pkgutil.iter_modules(dune_api.api.__path__):
        pkg = importlib.import_module("dune_api.api." + tag.name)
        for mod in pkgutil.iter_modules(pkg.__path__):
            m = importlib.import_module(f"dune_api.api.{tag.name}.{mod.name}")
            assert callable(m.sync_detailed) and callable(m.build_request)
            ops.append(f"{tag.name}.{mod.name}")
    parsed = {}
    for name, payload in json.loads(sys.argv[2]).items():
        parsed[name] = getattr(models, name.split(":")[0]).from_dict(payload).to_dict()
    print(json.dumps({"ops": sorted(ops), "parsed": parsed}))
    """
)


def _probe(pkg_parent: Path, payloads: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(pkg_parent), json.dumps(payloads)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _write(tmp: Path, doc: dict[str, Any], name: str = "spec.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _declared(doc: dict[str, Any]) -> int:
    return sum(1 for _ in iter_operations(doc))


ROWS = [{"n": 1, "s": "a", "f": 1.5, "b": True, "z": None}]
STATUS_PAYLOADS = {
    f"GetExecutionStatusResponse:{state}": {
        "execution_id": "01H",
        "query_id": 1,
        "state": state,
        "submitted_at": "2024-12-20T11:04:18.71989Z",
        "execution_started_at": "2024-12-20T11:04:18.724658237Z",
        "result_metadata": None,
        "error": None,
    }
    for state in ("QUERY_STATE_CANCELED", "QUERY_STATE_CANCELLED", "QUERY_STATE_NEW_ONE")
}
RESULT_PAYLOAD = {
    "ReadExecutionResultResponse": {
        "execution_id": "01H",
        "query_id": 1,
        "state": "QUERY_STATE_COMPLETED",
        "submitted_at": "2024-12-20T11:04:18.71989Z",
        "result": {"rows": ROWS, "metadata": {"column_names": ["n", "s"], "row_count": 1}},
        "error": None,
    }
}


def _check_payloads(parsed: dict[str, Any]) -> None:
    for key, value in parsed.items():
        if key.startswith("GetExecutionStatusResponse:"):
            assert value["state"] == key.split(":", 1)[1]
            assert value["error"] is None
    assert parsed["ReadExecutionResultResponse"]["result"]["rows"] == ROWS


def _legacy_2025(upstream: dict[str, Any]) -> dict[str, Any]:
    """The 2025-11-12 shape: today's document plus the deprecated /v1/table* routes (same
    operations as /v1/uploads*) and a removed "preset" results endpoint with hyphens."""
    doc = copy.deepcopy(upstream)
    paths = doc["paths"]
    legacy = {
        "/v1/tables": ("/v1/uploads", "get"),
        "/v1/table/create": ("/v1/uploads", "post"),
        "/v1/table/upload/csv": ("/v1/uploads/csv", "post"),
        "/v1/table/{namespace}/{table_name}/insert": (
            "/v1/uploads/{namespace}/{table_name}/insert",
            "post",
        ),
        "/v1/table/{namespace}/{table_name}/clear": (
            "/v1/uploads/{namespace}/{table_name}/clear",
            "post",
        ),
        "/v1/table/{namespace}/{table_name}": ("/v1/uploads/{namespace}/{table_name}", "delete"),
    }
    for new, (old, method) in legacy.items():
        op = copy.deepcopy(paths[old][method])
        op["deprecated"] = True
        paths.setdefault(new, {})[method] = op
    preset = copy.deepcopy(paths["/v1/query/{query_id}/results"]["get"])
    preset["parameters"] = [p for p in preset["parameters"] if p["in"] != "path"]
    paths["/v1/eigenlayer/avs-metadata"] = {"get": preset}
    return doc


def _handwritten_2024() -> dict[str, Any]:
    """The 2024 hand-written executions spec's shapes: an executions-only document with
    parameter schemas that have `items` but no type, `column_names` without `items`, rows as a
    bare object schema, date-time timestamps, an upper-case key header and a CamelCase id."""
    key = {"in": "header", "name": "X-DUNE-API-KEY", "required": True, "schema": {"type": "string"}}
    qid = {"in": "path", "name": "query_id", "required": True, "schema": {"type": "integer"}}
    eid = {"in": "path", "name": "execution_id", "required": True, "schema": {"type": "string"}}
    page = [
        {"in": "query", "name": "limit", "required": True, "schema": {"type": "integer"}},
        {"in": "query", "name": "offset", "schema": {"type": "integer"}},
        {"in": "query", "name": "params", "schema": {"items": {"$ref": "#/components/schemas/P"}}},
    ]
    obj = {"application/json": {"schema": {"type": "object"}}}
    errors = {
        "401": {"description": "x", "content": obj},
        "409": {"description": "x", "content": obj},
    }

    def ok(schema: str) -> dict[str, Any]:
        ref = {"$ref": f"#/components/schemas/{schema}"}
        return {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}

    csv = {
        "200": {
            "description": "ok",
            "headers": {"x-dune-next-offset": {"schema": {"type": "integer"}}},
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
    perf = {
        "in": "query",
        "name": "performance",
        "schema": {"items": {"$ref": "#/components/schemas/Perf"}},
    }
    stamp = {"type": "string", "format": "date-time"}
    return {
        "openapi": "3.0.1",
        "info": {"title": "OpenAPI for Query and Execution API", "version": "1.0.0"},
        "paths": {
            "/v1/query/{query_id}/execute": {
                "post": {"parameters": [key, qid, perf], "responses": {**ok("Obj"), **errors}}
            },
            "/v1/execution/{execution_id}/cancel": {
                "post": {"parameters": [key, eid], "responses": {**ok("Obj"), **errors}}
            },
            "/v1/execution/{execution_id}/status": {
                "get": {"parameters": [key, eid], "responses": {**ok("ExecutionStatus"), **errors}}
            },
            "/v1/execution/{execution_id}/results": {
                "get": {
                    "parameters": [key, eid, *page],
                    "responses": {**ok("QueryResult"), **errors},
                }
            },
            "/v1/execution/{execution_id}/results/csv": {
                "get": {"parameters": [key, eid, *page], "responses": {**csv, **errors}}
            },
            "/v1/query/{query_id}/results": {
                "get": {
                    "parameters": [key, qid, *page],
                    "responses": {**ok("QueryResult"), **errors},
                }
            },
            "/v1/query/{query_id}/results/csv": {
                "get": {
                    "operationId": "GetQueryResultsCSV",
                    "parameters": [key, qid, *page],
                    "responses": {**csv, **errors},
                }
            },
        },
        "components": {
            "schemas": {
                "Obj": {"type": "object"},
                "P": {"type": "object"},
                "Perf": {"type": "string", "enum": ["medium", "large"]},
                "ExecutionStatus": {
                    "type": "object",
                    "required": ["execution_id", "query_id", "state", "submitted_at"],
                    "properties": {
                        "execution_id": {"type": "string"},
                        "query_id": {"type": "integer"},
                        "state": {"type": "string"},
                        "submitted_at": stamp,
                        "execution_started_at": stamp,
                        "result_metadata": {"$ref": "#/components/schemas/Meta"},
                        "error": {"$ref": "#/components/schemas/Err"},
                    },
                },
                "QueryResult": {
                    "type": "object",
                    "required": ["execution_id", "query_id", "state", "submitted_at"],
                    "properties": {
                        "execution_id": {"type": "string"},
                        "query_id": {"type": "integer"},
                        "state": {"type": "string"},
                        "submitted_at": stamp,
                        "result": {"$ref": "#/components/schemas/Data"},
                        "error": {"$ref": "#/components/schemas/Err"},
                    },
                },
                "Data": {
                    "type": "object",
                    "properties": {
                        "metadata": {"$ref": "#/components/schemas/Meta"},
                        "rows": {"$ref": "#/components/schemas/Rows"},
                    },
                },
                "Rows": {"type": "object", "description": "A list of rows."},
                "Meta": {
                    "type": "object",
                    "properties": {
                        "column_names": {"type": "array"},
                        "row_count": {"type": "integer"},
                    },
                },
                "Err": {"type": "object", "properties": {"message": {"type": "string"}}},
            }
        },
    }


def _vintages() -> dict[str, dict[str, Any]]:
    upstream = json.loads(UPSTREAM.read_text(encoding="utf-8"))
    return {
        "upstream": upstream,
        "upstream-main": json.loads(UPSTREAM_MAIN.read_text(encoding="utf-8")),
        "2025-legacy-tables": _legacy_2025(upstream),
        "2024-handwritten": _handwritten_2024(),
    }


@needs_upstream
@pytest.mark.parametrize(
    ("vintage", "ops", "contract_warnings"),
    [
        ("upstream", 35, 3),
        ("upstream-main", 35, 3),
        ("2025-legacy-tables", 42, 3),
        ("2024-handwritten", 7, 71),
    ],
)
def test_every_vintage_generates_all_its_operations(
    tmp_path: Path, vintage: str, ops: int, contract_warnings: int
) -> None:
    doc = _vintages()[vintage]
    assert _declared(doc) == ops
    out = tmp_path / "pkg" / "dune_api"
    # The generator runs with --fail-on-warning: returning at all means 0 generator warnings.
    warnings = regenerate.generate(_write(tmp_path, doc), out)
    assert len(warnings) == contract_warnings, warnings
    payloads: dict[str, Any] = {**STATUS_PAYLOADS, **RESULT_PAYLOAD}
    if vintage == "2024-handwritten":  # no pinned request models there, all else is parsed
        assert all(w.startswith(("model", "operation")) for w in warnings)
    report = _probe(out.parent, payloads)
    assert len(report["ops"]) == ops
    _check_payloads(report["parsed"])
    if vintage == "2024-handwritten":
        # Contract names win over the document's own operationId.
        assert "executions.get_latest_query_results_csv" in report["ops"]
    if vintage == "2025-legacy-tables":
        assert "table.post_v1_table_namespace_table_name_insert" in report["ops"]
        assert "uploads.insert_upload_rows" in report["ops"]


DEFECTS: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/execution/{execution_id}/status": {
            "get": {
                "operationId": "getExecutionStatusHandler",
                "tags": ["executions_api"],
                "parameters": [
                    {
                        "in": "path",
                        "name": "execution_id",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "two media types on one response, */* among them",
                        "content": {
                            "text/plain": {"schema": {"type": "string"}},
                            "application/json": {"schema": {"$ref": "#/components/schemas/Status"}},
                        },
                    },
                    "400": {
                        "description": "x",
                        "content": {"*/*": {"schema": {"$ref": "#/components/schemas/Err"}}},
                    },
                },
            }
        },
        "/v1/stream": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ndjson",
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    }
                }
            }
        },
    },
    "components": {
        "schemas": {
            "Err": {"type": "object", "properties": {"error": {"type": "string"}}},
            "Meta": {"type": "object", "properties": {"column_names": {"type": "array"}}},
            "Status": {
                "type": "object",
                "properties": {
                    "state": {
                        "type": "string",
                        "enum": ["QUERY_STATE_PENDING", "QUERY_STATE_CANCELED"],
                    },
                    "tier": {"type": "string", "enum": ["medium", "Medium", "large"]},
                    "result_metadata": {"$ref": "#/components/schemas/Meta"},
                    "error": {"$ref": "#/components/schemas/Err", "nullable": True},
                },
            },
        }
    },
}


@pytest.fixture(scope="module")
def defects_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """One CLI run on DEFECTS (exit code, output tree), shared by the tests reading its output;
    the words error and warning are in both the spec's and the output's path."""
    tmp = tmp_path_factory.mktemp("error-warning")
    out = tmp / "error-warning" / "dune_api"
    code = regenerate.main(["--spec", str(_write(tmp, DEFECTS)), "--output", str(out)])
    return code, out


def test_each_defect_class_is_handled(defects_run: tuple[int, Path]) -> None:
    code, out = defects_run
    assert code == 0
    module = (out / "api" / "executions" / "get_execution_status.py").read_text()
    # JSON kept over text/plain; the schema takes the contract's model name for this response.
    assert "GetExecutionStatusResponse.from_dict(response.json())" in module
    # */* on a response read as JSON; Err, the status's error object, takes its contract name
    assert "QueryResultError.from_dict(response.json())" in module
    assert "response.text" in (out / "api" / "stream" / "get_v1_stream.py").read_text()
    payloads = {
        f"GetExecutionStatusResponse:{state}": {
            "state": state,
            "tier": "Medium",
            "result_metadata": None,
            "error": None,
        }
        for state in ("QUERY_STATE_CANCELED", "QUERY_STATE_CANCELLED")
    }
    parsed = _probe(out.parent, payloads)["parsed"]
    for key, value in parsed.items():
        assert value == {
            "state": key.split(":")[1],
            "tier": "Medium",
            "result_metadata": None,
            "error": None,
        }


def test_generator_failure_leads_with_cause_and_pointer(tmp_path: Path) -> None:
    doc = copy.deepcopy(DEFECTS)
    doc["paths"]["/v1/stream"]["get"]["responses"]["200"]["content"] = {
        "application/xml": {"schema": {"type": "string"}}
    }
    with pytest.raises(regenerate.RegenerateError) as caught:
        regenerate.generate(_write(tmp_path, doc), tmp_path / "o" / "dune_api")
    first = str(caught.value).splitlines()[0]
    assert first.startswith("spec: /paths/~1v1~1stream/get/responses/200: Unsupported content_type")
    assert "content_type_overrides" in first
    assert "UntrustedString" not in str(caught.value)
    assert "--- openapi-python-client output" in str(caught.value)


def test_words_error_and_warning_in_paths_do_not_fail(defects_run: tuple[int, Path]) -> None:
    code, out = defects_run
    assert out.parent.name == "error-warning"
    assert code == 0


Change = Callable[[dict[str, Any]], None]


def _removed(doc: dict[str, Any]) -> None:
    del doc["paths"]["/v1/execution/{execution_id}/status"]


def _renamed(doc: dict[str, Any]) -> None:
    doc["paths"]["/v1/execution/{execution_id}/status"]["get"]["operationId"] = "fetch_status"


def _collision(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    schemas["models.GetExecutionStatusResponse"] = copy.deepcopy(schemas["Error"])


# The collision touches only schemas, so it shares one changed spec (two generator runs, not
# four) with the rename. Any contract line makes the strict run fail, so each line printed is an
# item that breaks the contract on its own.
SPEC_CHANGES: dict[Change, tuple[Change, ...]] = {
    _removed: (_removed,),
    _renamed: (_renamed, _collision),
    _collision: (_renamed, _collision),
}


@dataclass(frozen=True)
class ContractRun:
    """The CLI on a changed copy of our spec: first into the output as if it were generated/
    (--strict-contract), then into the same output as any other directory."""

    strict_code: int
    strict_err: str
    left_alone: bool
    code: int
    err: str
    status_module: bool


@pytest.fixture(scope="module")
def contract_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[tuple[Change, ...]], ContractRun]:
    """Runs (once per set of changes) of the CLI on our spec with those changes applied."""
    ours = yaml.safe_load(regenerate.DEFAULT_SPEC.read_text(encoding="utf-8"))
    runs: dict[tuple[Change, ...], ContractRun] = {}

    def run(changes: tuple[Change, ...]) -> ContractRun:
        if changes not in runs:
            doc = copy.deepcopy(ours)
            for change in changes:
                change(doc)
            tmp = tmp_path_factory.mktemp("contract")
            out = tmp / "tree" / "dune_api"
            argv = ["--spec", str(_write(tmp, doc)), "--output", str(out)]
            with redirect_stderr(io.StringIO()) as strict_err:
                strict_code = regenerate.main([*argv, "--strict-contract"])
            left_alone = not out.exists()
            with redirect_stderr(io.StringIO()) as err:
                code = regenerate.main(argv)
            runs[changes] = ContractRun(
                strict_code=strict_code,
                strict_err=strict_err.getvalue(),
                left_alone=left_alone,
                code=code,
                err=err.getvalue(),
                status_module=(out / "api" / "executions" / "get_execution_status.py").is_file(),
            )
        return runs[changes]

    return run


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _removed,
            "operation get_execution_status: not generated (GET /v1/execution/{execution_id}/status is not in the spec",
        ),
        (
            _renamed,
            "operation get_execution_status: its operationId fetch_status in the spec disagrees",
        ),
        (
            _collision,
            "model GetExecutionStatusResponse: schemas GetExecutionStatusResponse, models.GetExecutionStatusResponse all normalize",
        ),
    ],
)
def test_contract_breakage_fails_into_generated_tree(
    contract_run: Callable[[tuple[Change, ...]], ContractRun], change: Change, message: str
) -> None:
    run = contract_run(SPEC_CHANGES[change])
    assert run.strict_code == 1
    assert f"regenerate: contract: {message}" in run.strict_err
    assert run.left_alone, "a broken contract leaves the output as it was"
    # Into any other output the exit is 0: a missing item is a warning; a renamed operation is
    # generated under its contract name regardless.
    assert run.code == 0
    if change is _renamed:
        assert run.status_module
    else:
        assert f"regenerate: warning: contract: {message}" in run.err


def test_contract_covers_every_generated_name_the_facade_imports() -> None:
    contract = load_contract()
    modules = {f"{op.package}.{op.name}" for op in contract.operations.values()}
    imported_ops: set[str] = set()
    imported_models: set[str] = set()
    import ast

    for source in (ROOT / "facade" / "duneq").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {alias.name for alias in node.names}
                if node.module.startswith("dune_api.api."):
                    imported_ops |= {f"{node.module.split('.')[2]}.{n}" for n in names}
                elif node.module == "dune_api.models" or node.module.startswith("dune_api.models."):
                    imported_models |= names  # the package, or one model's module (lazy import)
    assert imported_ops and imported_ops <= modules, imported_ops - modules
    assert imported_models and imported_models <= set(contract.models), imported_models - set(
        contract.models
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"operations": {}, "modles": {}}, "unknown section 'modles'"),
        (
            {"operations": {"x": {"method": "get", "path": "/x", "pacakge": "y"}}},
            "unknown field 'pacakge'",
        ),
        (
            {"operations": {"x": {"method": "fetch", "path": "/x", "package": "y"}}},
            "unknown HTTP method",
        ),
        (
            {"operations": {}, "models": {"Foo": {"response": "nope"}}},
            "model Foo: unknown operation 'nope'",
        ),
    ],
)
def test_unknown_contract_item_is_a_clear_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        parse_contract(data)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "openapi: [3.0\n  - : x", "is not valid YAML or JSON"),
        ("bad.json", "{not json", "is not valid JSON"),
        (
            "swagger.json",
            json.dumps({"swagger": "2.0", "paths": {}}),
            "Swagger 2.0 document; convert it",
        ),
        (
            "nopaths.yaml",
            "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n",
            "has no 'paths' object",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    # In-process: test_regenerate.py runs this exit-2 path as a real process.
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    assert regenerate.main(["--spec", str(spec), "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def _raw_generator_log(tmp_path: Path, doc: dict[str, Any]) -> str:
    """The pinned generator's own output on `doc`, without our normalizer in between."""
    generator, _ = regenerate.check_tool_versions()
    spec = _write(tmp_path, doc, "raw.json")
    result = subprocess.run(
        [
            *(str(generator), "generate", "--path", str(spec), "--meta", "none"),
            *("--output-path", str(tmp_path / "raw"), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "first"),
    [
        (
            {"type": "object", "properties": {"column_names": {"type": "array"}}},
            "spec: /components/schemas/M/properties/column_names: type array must have items",
        ),
        (
            {
                "type": "object",
                "properties": {"p": {"type": "string", "enum": ["medium", "Medium"]}},
            },
            "spec: /components/schemas/M/properties/p/enum: ValueError: Duplicate key MEDIUM",
        ),
    ],
)
def test_generator_output_is_explained_cause_first(
    tmp_path: Path, schema: dict[str, Any], first: str
) -> None:
    from scripts._generator_errors import explain

    ref = {"$ref": "#/components/schemas/M"}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/x": {
                "get": {
                    "operationId": "get_x",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ref}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"M": schema}},
    }
    message = explain(_raw_generator_log(tmp_path, doc), doc, 1)
    assert message.splitlines()[0].startswith(first), message
    assert "UntrustedString" not in message
    assert len(message.splitlines()) < 50
