"""Schemathesis against the running emulator: every answer to spec-generated requests must be a
declared status code with the declared content type and schema, and never a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from dune_emulator import EmulatorHandle
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "dune.yaml"
# Positive examples per operation on top of the coverage phase's explicit ones; the CLI run
# (test_emulator_schemathesis.py) fuzzes 15 per operation with a superset of these checks.
MAX_EXAMPLES = 5


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Insert bodies are raw bytes; send generated NDJSON bodies as-is, like the CSV ones.
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
schema = schemathesis.openapi.from_path(str(SPEC))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    no_shrink=True,
    database="none",
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_emulator_conforms_to_spec(case: Any, dune_emulator_server: EmulatorHandle) -> None:
    case.call_and_validate(
        base_url=f"{dune_emulator_server.base_url}/api",
        headers={"X-Dune-Api-Key": dune_emulator_server.api_key},
        checks=CHECKS,
        timeout=30,
    )
