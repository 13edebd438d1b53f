"""Parameter sweeps: one saved query over a list of parameter sets, its items' state kept in a
resumable JSON file (written atomically), and the combined result with parameter columns."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson

from ._errors import (
    DuneError,
    ExecutionCancelled,
    ExecutionError,
    ExecutionExpired,
    InvalidArgument,
    QueryFailed,
)
from ._options import encode_params
from ._types import Row

if TYPE_CHECKING:
    from ._dataset import WrittenDataset

Outcome = Literal["queued", "running", "done", "failed"]
STATE_VERSION = 1


@dataclass(frozen=True)
class SweepProgress:
    """What ``on_progress`` receives after every change: item counts and credits so far."""

    done: int
    running: int
    queued: int
    failed: int
    credits: float

    @property
    def total(self) -> int:
        return self.done + self.running + self.queued + self.failed


@dataclass(frozen=True)
class SweepFailure:
    """One item that did not complete: its parameters, execution (if one started) and the
    typed error (QueryFailed, ExecutionTimeout, an APIError ...)."""

    index: int
    params: Mapping[str, Any]
    execution_id: str | None
    error: DuneError


@dataclass
class SweepItem:
    """One parameter set of a sweep and where it stands."""

    index: int
    params: Mapping[str, Any]
    key: str
    outcome: Outcome = "queued"
    execution_id: str | None = None
    error: DuneError | None = None
    rows: list[Row] | None = None
    columns: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    started: float = 0.0  # client clock at submission (this process only)
    #: Its rows are in the sweep's dataset (written now, or found there on resume), not here.
    stored: bool = False

    @property
    def encoded(self) -> dict[str, Any]:
        return encode_params(self.params)


def build_items(params: object) -> list[SweepItem]:
    """Validate the parameter sets; each gets a key from its values (and its repeat count)."""
    if isinstance(params, str | bytes | Mapping) or not isinstance(params, Sequence):
        raise InvalidArgument("params must be a list of parameter mappings, one per run")
    if not params:
        raise InvalidArgument("params must hold at least one parameter mapping")
    items: list[SweepItem] = []
    seen: dict[str, int] = {}
    for index, one in enumerate(params):
        if not isinstance(one, Mapping):
            raise InvalidArgument(f"params[{index}] must be a mapping, got {type(one).__name__}")
        encoded = encode_params(one)
        digest = hashlib.sha256(orjson.dumps(encoded, option=orjson.OPT_SORT_KEYS)).hexdigest()
        nth = seen.get(digest, 0)
        seen[digest] = nth + 1
        items.append(SweepItem(index, dict(one), f"{digest[:24]}#{nth}"))
    return items


# -- the state file ----------------------------------------------------------------------------


def _error_record(error: DuneError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, QueryFailed):
        record.update(
            error_type=error.error_type,
            detail=error.error_message,
            line=error.line,
            column=error.column,
        )
    return record


def _error_from(record: object, execution_id: str | None) -> DuneError:
    """The typed error of an item that failed in an earlier process."""
    data = record if isinstance(record, dict) else {}
    kind, message = str(data.get("type")), str(data.get("message") or "failed")
    if kind == "QueryFailed" and execution_id:
        return QueryFailed(
            execution_id,
            error_type=data.get("error_type"),
            message=str(data.get("detail") or message),
            line=data.get("line"),
            column=data.get("column"),
        )
    if kind == "ExecutionCancelled":
        return ExecutionCancelled(message, execution_id=execution_id)
    if kind == "ExecutionExpired":
        return ExecutionExpired(message, execution_id=execution_id)
    return ExecutionError(message, execution_id=execution_id)


class SweepState:
    """The JSON file a sweep resumes from: per item its key, execution id and outcome."""

    def __init__(self, path: str | os.PathLike[str] | None, query_id: int) -> None:
        if path is not None and not isinstance(path, str | os.PathLike):
            raise InvalidArgument("state must be a file path or None")
        self.path = Path(path) if path is not None else None
        self.query_id = query_id

    def load(self, items: Sequence[SweepItem]) -> None:
        """Apply a saved state to ``items`` (matched by key); running items stay running so
        that they are waited on, never executed again."""
        if self.path is None or not self.path.exists():
            return
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise InvalidArgument(f"cannot read the sweep state {self.path}: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise InvalidArgument(f"{self.path} is not a duneq sweep state file")
        if data.get("query_id") != self.query_id:
            raise InvalidArgument(
                f"{self.path} holds a sweep of query {data.get('query_id')}, not {self.query_id}; "
                "pass another state file"
            )
        saved = {rec.get("key"): rec for rec in data.get("items", []) if isinstance(rec, dict)}
        for item in items:
            rec = saved.get(item.key)
            if rec is None or rec.get("outcome") not in ("running", "done", "failed"):
                continue
            eid = rec.get("execution_id")
            item.execution_id = eid if isinstance(eid, str) else None
            item.outcome = (
                rec["outcome"] if item.execution_id or rec["outcome"] == "failed" else "queued"
            )
            if item.outcome == "failed":
                item.error = _error_from(rec.get("error"), item.execution_id)

    def save(self, items: Sequence[SweepItem]) -> None:
        """Write the state atomically: a temp file beside it, then a rename."""
        if self.path is None:
            return
        data = {
            "version": STATE_VERSION,
            "query_id": self.query_id,
            "items": [
                {
                    "key": item.key,
                    "index": item.index,
                    "params": item.encoded,
                    "execution_id": item.execution_id,
                    "outcome": item.outcome,
                    "error": _error_record(item.error),
                }
                for item in items
            ],
        }
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# -- the outcome -------------------------------------------------------------------------------


def param_column(name: str, result_columns: Sequence[str]) -> str:
    """A parameter's column name: its own, or ``param_<name>`` if the result has that column."""
    return f"param_{name}" if name in result_columns else name


class SweepRuns:
    """A finished sweep: every completed item's rows with its parameter values as columns,
    the failures, and the execution id of each item."""

    def __init__(
        self, items: Sequence[SweepItem], credits: float, output: WrittenDataset | None = None
    ) -> None:
        self.items = list(items)
        #: Credits this client had spent when the sweep ended.
        self.credits = credits
        #: What a sweep run with ``out=`` wrote (items found there already are not counted).
        self.output = output

    def _check_held(self) -> None:
        """Rows written to a dataset are released: reading them here would be short."""
        stored = [i.index for i in self.items if i.stored and i.rows is None]
        if stored:
            where = self.output.uri if self.output is not None else "its dataset"
            raise InvalidArgument(
                f"{len(stored)} items of this sweep were written to {where} and are not held "
                "in memory; read the dataset instead"
            )

    @property
    def failed(self) -> list[SweepFailure]:
        return [
            SweepFailure(i.index, i.params, i.execution_id, i.error or DuneError("failed"))
            for i in self.items
            if i.outcome == "failed"
        ]

    @property
    def execution_ids(self) -> list[str | None]:
        return [item.execution_id for item in self.items]

    @property
    def column_names(self) -> list[str]:
        """Parameter columns first, then the result's columns (from the first completed item)."""
        result = next((i.columns for i in self.items if i.outcome == "done" and i.columns), [])
        names = list(dict.fromkeys(name for item in self.items for name in item.params))
        return [param_column(n, result) for n in names] + list(result)

    @property
    def column_types(self) -> list[str]:
        """Dune type names matching ``column_names`` (parameter columns are varchar)."""
        first = next((i for i in self.items if i.outcome == "done" and i.columns), None)
        result_types = list(first.types) if first is not None else []
        params = len(self.column_names) - (len(first.columns) if first is not None else 0)
        return ["varchar"] * params + result_types

    def iter_rows(self) -> Iterator[Row]:
        self._check_held()
        for item in self.items:
            if item.outcome != "done" or not item.rows:
                continue
            cols = {param_column(n, item.columns): v for n, v in item.params.items()}
            for row in item.rows:
                yield {**cols, **row}

    @property
    def rows(self) -> list[Row]:
        """All rows of the completed items, in item order, each with its parameter columns."""
        return list(self.iter_rows())

    def to_arrow(self, *, big_ints: str = "string", binary: str = "bytes") -> Any:
        """All rows as one typed ``pyarrow.Table`` (parameter columns as text), built with the
        same type mapping as ``Result.to_arrow`` (needs the ``arrow`` extra)."""
        from ._arrow import PageParser
        from ._dunetypes import TypeOptions
        from ._optional import require

        pa = require("pyarrow")
        self._check_held()
        parser = PageParser(
            self.column_names,
            self.column_types,
            TypeOptions(big_ints=big_ints, binary=binary),  # type: ignore[arg-type]
        )
        batches = []
        offset = 0
        for item in self.items:
            if item.outcome != "done" or not item.rows:
                continue
            # the text sent to Dune (a number parameter is "5"): the columns are varchar
            cols = {param_column(n, item.columns): v for n, v in item.encoded.items()}
            rows = [{**cols, **row} for row in item.rows]
            batches.append(parser.from_rows(rows, offset))
            offset += len(rows)
        return pa.Table.from_batches(batches, schema=parser.schema)

    def to_dataset(
        self,
        uri: str | os.PathLike[str],
        *,
        partition_by: Sequence[str] | str | None = None,
        format: str = "parquet",
        filesystem: object = None,
        existing: str = "skip",
        big_ints: str = "string",
        binary: str = "bytes",
    ) -> WrittenDataset:
        """Write each completed item as one file in its parameters' partition; items already
        there are skipped (``existing="skip"``), so a rerun fills in only what is missing."""
        from ._dataset import write_sweep

        return write_sweep(
            self,
            uri,
            partition_by=partition_by,
            format=format,
            filesystem=filesystem,
            existing=existing,
            table_of=lambda item: item_table(item, big_ints=big_ints, binary=binary),
        )

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        done = sum(i.outcome == "done" for i in self.items)
        return f"<SweepRuns items={len(self.items)} done={done} failed={len(self.failed)}>"


def item_table(item: SweepItem, *, big_ints: str = "string", binary: str = "bytes") -> Any:
    """One finished item's typed table, parameter columns included (as ``to_arrow`` types it)."""
    return SweepRuns([item], 0.0).to_arrow(big_ints=big_ints, binary=binary)


ProgressHook = Callable[[SweepProgress], object]
