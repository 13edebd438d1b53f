"""Load openapi/contract.yaml: the generated module and model names the facade depends on.

Kept apart from the normalizer so that a malformed contract is reported as such, item by item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTRACT_FILE = Path(__file__).resolve().parent.parent / "openapi" / "contract.yaml"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IDENT = re.compile(r"[a-z][a-z0-9_]*")
_CLASS = re.compile(r"[A-Z][A-Za-z0-9]*")


class ContractError(ValueError):
    """openapi/contract.yaml is malformed or names something it cannot."""


@dataclass(frozen=True)
class ContractOperation:
    """One pinned operation: generated as dune_api.api.<package>.<name>."""

    name: str
    method: str
    path: str
    package: str


@dataclass(frozen=True)
class ContractModel:
    """One pinned model: the JSON body schema of `operation`'s request or 200 response."""

    name: str
    operation: str
    where: str  # "request" or "response"
    #: A property path inside that body (``pipeline``, ``parameters[]``): the model is the
    #: schema found there (a nested object or enum the facade builds directly).
    property: str | None = None


@dataclass(frozen=True)
class Contract:
    operations: dict[str, ContractOperation]
    models: dict[str, ContractModel]

    def by_route(self) -> dict[tuple[str, str], ContractOperation]:
        """(method, path) -> operation."""
        return {(op.method, op.path): op for op in self.operations.values()}


def _fields(where: str, entry: Any, allowed: set[str]) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise ContractError(f"{where}: expected a mapping of {', '.join(sorted(allowed))}")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ContractError(
            f"{where}: unknown field {unknown[0]!r} (expected {', '.join(sorted(allowed))})"
        )
    if not all(isinstance(v, str) for v in entry.values()):
        raise ContractError(f"{where}: every value must be a string")
    return dict(entry)


def parse_contract(data: Any, source: str = "openapi/contract.yaml") -> Contract:
    """Validate a loaded contract document; raise ContractError naming the first bad item."""
    if not isinstance(data, dict):
        raise ContractError(f"{source}: expected a mapping with 'operations' and 'models'")
    unknown = sorted(set(data) - {"operations", "models"})
    if unknown:
        raise ContractError(
            f"{source}: unknown section {unknown[0]!r} (expected operations, models)"
        )
    operations: dict[str, ContractOperation] = {}
    routes: dict[tuple[str, str], str] = {}
    for name, entry in (data.get("operations") or {}).items():
        where = f"{source}: operation {name}"
        if not isinstance(name, str) or not _IDENT.fullmatch(name):
            raise ContractError(f"{where}: the name must be a snake_case Python identifier")
        fields = _fields(where, entry, {"method", "path", "package"})
        missing = sorted({"method", "path", "package"} - set(fields))
        if missing:
            raise ContractError(f"{where}: missing field {missing[0]!r}")
        method, path, package = fields["method"].lower(), fields["path"], fields["package"]
        if method not in _METHODS:
            raise ContractError(f"{where}: unknown HTTP method {fields['method']!r}")
        if not path.startswith("/"):
            raise ContractError(f"{where}: path {path!r} must start with '/'")
        if not _IDENT.fullmatch(package):
            raise ContractError(f"{where}: package {package!r} is not a snake_case identifier")
        if (method, path) in routes:
            raise ContractError(
                f"{where}: {method.upper()} {path} is already {routes[method, path]}"
            )
        routes[method, path] = name
        operations[name] = ContractOperation(name, method, path, package)
    models: dict[str, ContractModel] = {}
    for name, entry in (data.get("models") or {}).items():
        where = f"{source}: model {name}"
        if not isinstance(name, str) or not _CLASS.fullmatch(name):
            raise ContractError(f"{where}: the name must be a PascalCase class name")
        fields = _fields(where, entry, {"request", "response", "property"})
        prop = fields.pop("property", None)
        if len(fields) != 1:
            raise ContractError(f"{where}: give exactly one of 'request' or 'response'")
        kind, op_name = next(iter(fields.items()))
        if op_name not in operations:
            raise ContractError(f"{where}: unknown operation {op_name!r}")
        if prop is not None and not re.fullmatch(
            r"[a-z_][a-z0-9_]*(\[\])?(\.[a-z_][a-z0-9_]*(\[\])?)*", prop
        ):
            raise ContractError(f"{where}: property {prop!r} is not a path like a.b or items[]")
        models[name] = ContractModel(name, op_name, kind, prop)
    return Contract(operations, models)


def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    """Read and validate the contract file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"cannot read {path}: {exc}") from exc
    return parse_contract(data, path.name if path == CONTRACT_FILE else str(path))
