"""Parameter sweeps: one saved query over a list of parameter sets, its items' state kept in a
resumable JSON file (written atomically), and the combined result with parameter columns."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson

from .._errors import (
    APIError,
    DuneError,
    DuneWarning,
    ExecutionCancelled,
    ExecutionError,
    ExecutionExpired,
    InvalidArgument,
    QueryFailed,
    SweepStopped,
)
from .._options import encode_param_value, encode_params
from .._types import Row
from .._warn import warn_at_caller

if TYPE_CHECKING:
    from .datasets import WrittenDataset

Outcome = Literal["queued", "running", "done", "failed"]
STATE_VERSION = 1


@dataclass(frozen=True)
class SweepProgress:
    """What ``on_progress`` receives after every change: item counts and the credits this
    sweep has spent so far (not what the client spent before it)."""

    done: int
    running: int
    queued: int
    failed: int
    credits: float
    #: Items run again without finding the run a killed process's execute may have started
    #: (each may be billed twice; a ``SweepWarning`` names it).
    reruns: int = 0

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
    #: Wall-clock time (UTC, ISO) its execute was about to be sent, until its answer came: a
    #: process killed meanwhile leaves it in the state file, and the resume looks for the
    #: execution the server may have started then.
    submitting_at: str | None = None
    #: Its rows are in the sweep's dataset (written now, or found there on resume), not here.
    stored: bool = False
    #: Seconds its run took, submitted to ended (server times): how long a killed process's
    #: run of this query may still be going on resume.
    run_seconds: float | None = None
    #: Run again without finding the run a killed process's execute may have started.
    rerun: bool = False

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
        that they are waited on, never executed again; an item caught while submitting keeps
        its ``submitting_at`` (the sweep then adopts what the server started)."""
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
            if rec is not None:
                took = rec.get("run_seconds")
                if isinstance(took, int | float) and not isinstance(took, bool) and took >= 0:
                    item.run_seconds = float(took)
                item.rerun = rec.get("rerun") is True
            if rec is not None and rec.get("outcome") == "submitting":
                when = rec.get("submitting_at")
                item.submitting_at = when if isinstance(when, str) else None
                continue
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
                    "outcome": "submitting"
                    if item.outcome == "queued" and item.submitting_at
                    else item.outcome,
                    "submitting_at": item.submitting_at,
                    "run_seconds": item.run_seconds,
                    "rerun": item.rerun,
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


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return value.strip() if isinstance(value, str) else None


def param_column_type(declared: str | None, values: Sequence[Any]) -> str:
    """The Dune type of a parameter column: a declared ``number`` is ``bigint`` when every
    value is a whole number in 64 bits, else ``decimal(38, s)`` with the largest scale given
    (exact); ``datetime``/``date`` is ``timestamp(3)``; anything else (text, enum, list) and a
    value that does not parse as its declared type is ``varchar``. Undeclared: from the
    Python values (int, Decimal, float, date, datetime)."""
    present = [v for v in values if v is not None]
    if declared is None:
        if present and all(isinstance(v, dt.date) for v in present):
            declared = "datetime"
        elif present and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present
        ):
            declared = "number"
    if declared == "number":
        numbers = []
        for v in present:
            text = _number_text(v)
            try:
                numbers.append(Decimal(text) if text else None)
            except InvalidOperation:
                numbers.append(None)
        if not numbers or any(n is None or not n.is_finite() for n in numbers):
            return "varchar"
        scales = [max(0, -int(n.as_tuple().exponent)) for n in numbers if n is not None]
        if max(scales) == 0 and all(n is not None and -(2**63) <= n < 2**63 for n in numbers):
            return "bigint"
        whole = max(
            len(n.as_tuple().digits) + int(n.as_tuple().exponent) for n in numbers if n is not None
        )
        if max(whole, 0) + max(scales) > 38:
            return "varchar"
        return f"decimal(38,{max(scales)})"
    timestamps = present and all(_timestamp(v) is not None for v in present)
    return "timestamp(3)" if declared in ("datetime", "date") and timestamps else "varchar"


def _timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
        return _timestamp(parsed)
    return None


def param_wire(value: Any, dune_type: str) -> Any:
    """A parameter value as the wire writes a ``dune_type`` value (for the typed parser)."""
    if value is None:
        return None
    if dune_type == "bigint":
        return int(Decimal(_number_text(value) or "0"))
    if dune_type.startswith("decimal"):
        return str(Decimal(_number_text(value) or "0"))
    if dune_type == "timestamp(3)":
        ts = _timestamp(value)
        assert ts is not None
        return f"{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond // 1000:03d} UTC"
    encoded = encode_param_value("value", value)
    return ",".join(encoded) if isinstance(encoded, list) else str(encoded)


def param_column(name: str, result_columns: Sequence[str]) -> str:
    """A parameter's column name: its own, or ``param_<name>`` if the result has that column."""
    return f"param_{name}" if name in result_columns else name


class SweepRuns:
    """A finished sweep: every completed item's rows with its parameter values as columns,
    the failures, and the execution id of each item."""

    def __init__(
        self,
        items: Sequence[SweepItem],
        credits: float,
        param_types: Mapping[str, str] | None = None,
        output: WrittenDataset | None = None,
    ) -> None:
        self.items = list(items)
        #: Credits this sweep spent (executions and result pages).
        self.credits = credits
        #: The query's declared type of each parameter (number, datetime, text, enum, ...);
        #: a name it does not declare is typed from its values.
        self.param_types = dict(param_types or {})
        #: What a sweep run with ``out=`` wrote (items found there already are not counted).
        self.output = output

    def _param_names(self) -> list[str]:
        return list(dict.fromkeys(name for item in self.items for name in item.params))

    def _param_dune_types(self) -> dict[str, str]:
        """Each parameter column's Dune type, from the declared parameter type and values."""
        out = {}
        for name in self._param_names():
            values = [i.params[name] for i in self.items if name in i.params]
            out[name] = param_column_type(self.param_types.get(name), values)
        return out

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
    def reruns(self) -> list[Mapping[str, Any]]:
        """The parameters of each item run again after a killed process's execute whose run
        was not found (each may be billed twice; a ``SweepWarning`` said so)."""
        return [item.params for item in self.items if item.rerun]

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
        """Dune type names matching ``column_names``: parameter columns typed from the query's
        declared parameters (number: bigint or decimal, datetime: timestamp(3), else varchar)."""
        first = next((i for i in self.items if i.outcome == "done" and i.columns), None)
        result_types = list(first.types) if first is not None else []
        return list(self._param_dune_types().values()) + result_types

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
        """All rows as one typed ``pyarrow.Table`` (parameter columns typed as
        ``column_types`` says, values exact), built with the same type mapping as
        ``Result.to_arrow`` (needs the ``arrow`` extra)."""
        self._check_held()
        return self._arrow(self.items, self.column_names, self.column_types, big_ints, binary)

    def item_table(
        self, item: SweepItem, *, big_ints: str = "string", binary: str = "bytes"
    ) -> Any:
        """One finished item's typed table: its parameter columns typed for the whole sweep
        (so every item's file of a dataset has the same schema), then its result columns."""
        kinds = self._param_dune_types()
        names = [param_column(n, item.columns) for n in kinds] + list(item.columns)
        return self._arrow([item], names, [*kinds.values(), *item.types], big_ints, binary)

    def _arrow(
        self,
        items: Sequence[SweepItem],
        names: list[str],
        types: list[str],
        big_ints: str,
        binary: str,
    ) -> Any:
        from .._dunetypes.arrow import PageParser
        from .._dunetypes.tree import TypeOptions
        from .._optional import require

        pa = require("pyarrow")
        parser = PageParser(
            names,
            types,
            TypeOptions(big_ints=big_ints, binary=binary),  # type: ignore[arg-type]
        )
        batches = []
        offset = 0
        kinds = self._param_dune_types()
        for item in items:
            if item.outcome != "done" or not item.rows:
                continue
            cols = {
                param_column(n, item.columns): param_wire(v, kinds[n])
                for n, v in item.params.items()
            }
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
        from .datasets import write_sweep

        return write_sweep(
            self,
            uri,
            partition_by=partition_by,
            format=format,
            filesystem=filesystem,
            existing=existing,
            table_of=lambda item: self.item_table(item, big_ints=big_ints, binary=binary),
        )

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        done = sum(i.outcome == "done" for i in self.items)
        return f"<SweepRuns items={len(self.items)} done={done} failed={len(self.failed)}>"


ProgressHook = Callable[[SweepProgress], object]


def sweep_outcome(
    items: list[SweepItem],
    credits: float,
    stopped: tuple[SweepItem, APIError] | None,
    param_types: Mapping[str, str] | None = None,
    output: WrittenDataset | None = None,
) -> SweepRuns:
    """The finished sweep; raise ``SweepStopped`` if it stopped on an error every item would
    get, and warn when every item failed (so that a sweep of failures is never silent)."""
    runs = SweepRuns(items, credits, param_types, output)
    if stopped is not None:
        item, error = stopped
        where = ", ".join(f"{k}={v}" for k, v in item.params.items())
        queued = sum(i.outcome == "queued" for i in items)
        raise SweepStopped(error, params=where or "no parameters", not_started=queued, runs=runs)
    failed = runs.failed
    if items and len(failed) == len(items):
        warn_at_caller(
            DuneWarning(f"every sweep item failed ({len(items)}); the first: {failed[0].error}")
        )
    return runs
