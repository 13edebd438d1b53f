"""Guard the public surface of duneq: ``__all__`` lists exactly these names."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duneq
import pytest

EXPECTED = {
    "params",
    # pipelines and materialized views
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "Cancellation",
    "Retrying",
    "ResultTooLarge",
    "APIStatusError",
    "APITimeout",
    "AsyncClient",
    "AsyncDatasetListing",
    "AsyncDatasets",
    "AsyncListing",
    "AsyncQueryListing",
    "AsyncEndpoints",
    "AsyncExecution",
    "AsyncMaterializedViews",
    "AsyncPipelineRun",
    "AsyncPipelines",
    "AsyncQueries",
    "AsyncResult",
    "AsyncUploads",
    "AuthenticationError",
    "BadRequest",
    "BillingPeriod",
    "RateConfig",
    "FetchProgress",
    "ClientClosed",
    "BudgetExceeded",
    "Cache",
    "CacheCorruptWarning",
    "CacheWarning",
    "CacheMiss",
    "Client",
    "Conflict",
    "CreatedTable",
    "CsvUpload",
    "DatapointBudgetExceeded",
    "DatapointLimitExceeded",
    "Dataset",
    "DatasetListing",
    "Datasets",
    "DuneError",
    "DuneWarning",
    "Endpoints",
    "Execution",
    "ExecutionCancelled",
    "ExecutionError",
    "ExecutionExpired",
    "ExecutionMayHaveStarted",
    "ExecutionState",
    "ExecutionStatus",
    "ExecutionTimeout",
    "InsertFailed",
    "InsertResult",
    "InvalidArgument",
    "Listing",
    "MaterializedView",
    "MaterializedViews",
    "MissingAPIKey",
    "NOT_GIVEN",
    "NodeStatus",
    "NotFound",
    "NotGiven",
    "PageMetadata",
    "PartialResultError",
    "PartialResultWarning",
    "PaymentRequired",
    "PermissionDenied",
    "Pipeline",
    "PipelineEvent",
    "PipelineFailed",
    "PipelineNode",
    "PipelineRun",
    "PipelineState",
    "PipelineStatus",
    "Spent",
    "SweepFailure",
    "SweepProgress",
    "SweepRuns",
    "SweepStopped",
    "SweepWarning",
    "Pipelines",
    "PollConfig",
    "Progress",
    "Queries",
    "QueryError",
    "QueryFailed",
    "QueryListing",
    "RateLimited",
    "ResponseValidationError",
    "Result",
    "ResultKwargs",
    "ResultMetadata",
    "RowSequence",
    "SavedQuery",
    "ServerError",
    "TableColumn",
    "UnknownStateWarning",
    "UploadedTable",
    "Uploads",
    "UpsertedView",
    "Usage",
    "WrittenDataset",
    "__version__",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(duneq.__all__) == EXPECTED
    assert len(duneq.__all__) == len(EXPECTED)
    for name in EXPECTED:
        assert hasattr(duneq, name), name
    public = {n for n in dir(duneq) if not n.startswith("_")} - {"annotations", "cli"}
    assert public <= EXPECTED


def test_sync_and_async_share_method_names() -> None:
    for sync, async_ in [
        (duneq.Client, duneq.AsyncClient),
        (duneq.Execution, duneq.AsyncExecution),
        (duneq.Result, duneq.AsyncResult),
        (duneq.Queries, duneq.AsyncQueries),
        (duneq.Uploads, duneq.AsyncUploads),
        (duneq.Datasets, duneq.AsyncDatasets),
        (duneq.Endpoints, duneq.AsyncEndpoints),
        (duneq.Pipelines, duneq.AsyncPipelines),
        (duneq.PipelineRun, duneq.AsyncPipelineRun),
        (duneq.MaterializedViews, duneq.AsyncMaterializedViews),
    ]:
        names = {n for n in vars(sync) if not n.startswith("_")}
        assert names == {n for n in vars(async_) if not n.startswith("_")}
        for name in names | {"__init__"}:
            one, two = getattr(sync, name), getattr(async_, name)
            if isinstance(one, property) or name == "__init__":
                continue
            assert _params(one) == _params(two), f"{sync.__name__}.{name}"
            assert (
                inspect.iscoroutinefunction(two)
                or inspect.isasyncgenfunction(two)
                or name in _SYNC_IN_BOTH
            ), f"{async_.__name__}.{name} is not awaitable"


# Methods that return an async iterator (or a plain value) in the async twin.
_SYNC_IN_BOTH = {"list"}


def _params(fn: Callable[..., object]) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults of a method's parameters (annotations differ by design:
    sync takes/returns Result, async AsyncResult)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


FACADE = Path(duneq.__file__).parent


def _runtime_imports(path: Path) -> set[str]:
    """The facade modules ``path`` imports at run time (``if TYPE_CHECKING`` blocks skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("duneq", *path.relative_to(FACADE).with_suffix("").parts))
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    base = package.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.level:
                parts = base.split(".")[: len(base.split(".")) - child.level + 1]
                target = ".".join([*parts, *(child.module.split(".") if child.module else [])])
                found.add(target)
                if not child.module:
                    found.update(f"{target}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(tree)
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in FACADE.rglob("*.py"):
        name = ".".join(("duneq", *path.relative_to(FACADE).with_suffix("").parts))
        out[name.removesuffix(".__init__")] = path
    return out


def test_generated_client_is_imported_by_exactly_one_facade_module() -> None:
    importers = sorted(
        name
        for name, path in _modules().items()
        if any(m == "dune_api" or m.startswith("dune_api.") for m in _runtime_imports(path))
    )
    assert importers == ["duneq._wire.adapter"]


def test_facade_has_no_import_circle_and_the_cli_sits_on_top() -> None:
    modules = _modules()
    graph = {
        name: {m for m in _runtime_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    for name, deps in graph.items():
        if not name.startswith(("duneq.cli", "duneq.__main__")):
            assert not any(d.startswith("duneq.cli") for d in deps), f"{name} imports the CLI"
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if dep == "duneq" or (node.startswith(dep + ".") and dep in modules):
                continue  # a package's own __init__ (lazy names only)
            if state.get(dep) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, node, dep]))
            if dep not in state:
                visit(dep, [*trail, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_import_duneq_stays_light() -> None:
    # httpx itself imports rich when its optional CLI extra is installed: measure after it.
    code = (
        "import sys, httpx; before = set(sys.modules); import duneq; duneq.Client; "
        "new = set(sys.modules) - before; "
        "heavy = [m for m in ('duneq.cli', 'rich', 'pyarrow', 'polars', 'pandas', "
        "'dune_emulator', 'duckdb') if m in new]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    bare = subprocess.run(
        [sys.executable, "-c", "import sys, duneq; print('httpx' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert bare.stdout.strip() == "False"  # names are imported on first use


def test_error_tree() -> None:
    assert issubclass(duneq.DatapointLimitExceeded, duneq.PaymentRequired)
    for cls in (duneq.BadRequest, duneq.RateLimited, duneq.ServerError, duneq.NotFound):
        assert issubclass(cls, duneq.APIStatusError)
    assert issubclass(duneq.APITimeout, duneq.APIConnectionError)
    assert issubclass(duneq.InvalidArgument, ValueError)
    for exc in (
        duneq.QueryFailed,
        duneq.ExecutionTimeout,
        duneq.DatapointBudgetExceeded,
        duneq.PipelineFailed,
    ):
        assert issubclass(exc, duneq.ExecutionError) and issubclass(exc, duneq.DuneError)
    assert duneq.__version__


_WRAPPER_MODULES = (
    "_client.py",
    "_results/execution.py",
    "_resources/queries.py",
    "_resources/matviews.py",
    "_resources/pipelines.py",
    "_resources/uploads.py",
    "_resources/catalog.py",
)


def test_sync_and_async_wrappers_hold_no_logic() -> None:
    """Public methods of the client and resource classes only build arguments and run a flow:
    no branch, loop or try (those live in the shared flows and helpers)."""
    offenders = []
    for name in _WRAPPER_MODULES:
        tree = ast.parse((FACADE / name).read_text(encoding="utf-8"))
        classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        twins = [c for n, c in classes.items() if f"Async{n}" in classes or n.startswith("Async")]
        for cls in twins:
            for fn in cls.body:
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if fn.name.startswith("_") or fn.name == "list":  # list(): an iterator by design
                    continue
                branches = [
                    node
                    for stmt in fn.body
                    for node in ast.walk(stmt)
                    if isinstance(node, ast.If | ast.For | ast.While | ast.Try | ast.AsyncFor)
                ]
                if branches:
                    offenders.append(f"{name}:{cls.name}.{fn.name}")
    assert offenders == []


def test_the_public_names_are_written_once() -> None:
    """``__all__`` and the lazy map are read from the ``TYPE_CHECKING`` imports: each public name
    is written once in ``duneq/__init__.py`` (``X as X``), never again as a string."""
    source = (FACADE / "__init__.py").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert source.count(f"{name} as {name}") == 1, name
        assert f'"{name}"' not in source, name
    assert "__all__ = sorted(_LAZY)" in source
    assert duneq.__all__ == sorted(EXPECTED)


def test_the_client_options_are_written_once() -> None:
    """Both clients take the options of one ``ClientOptions`` list (only ``transport`` and
    ``sleep`` differ); a misspelt one is refused by name, and one left out takes its default."""
    from duneq import _constants as C
    from duneq._client import ClientOptions

    source = (FACADE / "_client.py").read_text(encoding="utf-8")
    for name in ClientOptions.__optional_keys__:
        assert source.count(f"\n    {name}: ") == 1, name  # annotated once, in ClientOptions
    assert len(ClientOptions.__optional_keys__) == 18
    inits = {
        cls.name: [a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)]
        for cls in ast.parse(source).body
        if isinstance(cls, ast.ClassDef) and cls.name in ("_BaseClient", "Client", "AsyncClient")
        for fn in cls.body
        if isinstance(fn, ast.FunctionDef) and fn.name == "__init__"
    }
    assert inits == {
        "_BaseClient": ["self", "api_key", "options"],
        "Client": ["self", "api_key", "transport", "sleep"],
        "AsyncClient": ["self", "api_key", "transport", "sleep"],
    }
    for cls in (duneq.Client, duneq.AsyncClient):
        with pytest.raises(
            TypeError, match=rf"{cls.__name__}\(\) got an unexpected keyword argument 'max_retry'"
        ):
            cls(api_key="x", max_retry=3)  # type: ignore[call-arg]
    given = duneq.Client(api_key="x", max_retries=2, page_size=10, wait_timeout=None)
    assert (given._ctx.retry.max_retries, given._defaults.page_size) == (2, 10)
    assert given._defaults.wait_timeout is None
    default = duneq.Client(api_key="x")
    assert default._defaults.wait_timeout == C.DEFAULT_WAIT_TIMEOUT
    assert default._defaults.page_size == C.DEFAULT_PAGE_SIZE
    assert default._ctx.retry.max_retries == C.DEFAULT_MAX_RETRIES
    given.close()
    default.close()
