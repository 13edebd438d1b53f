"""The typed-results plan of one read: options, the page parser, and how a fetched page (CSV
bytes, raw JSON rows or decoded rows) becomes a RecordBatch. No I/O; imports pyarrow, so the
results module imports this lazily, after ``require("pyarrow")``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
import pyarrow as pa

from .._dunetypes.arrow import PageParser
from .._dunetypes.tree import TypeOptions
from .._errors import InvalidArgument
from .._types import Row

Wire = Literal["csv", "json"]
WIRES: tuple[str, ...] = ("csv", "json")


@dataclass
class TypedPage:
    """A fetched page waiting to be parsed: exactly one of ``csv``, ``raw`` or ``rows``."""

    offset: int
    next_offset: int | None
    csv: bytes | None = None
    raw: msgspec.Raw | None = None
    rows: list[Row] | None = None


@dataclass
class ParsedPage:
    """A page's batch and the text columns whose empty CSV fields must be settled from JSON."""

    offset: int
    batch: pa.RecordBatch
    ambiguous: tuple[str, ...] = field(default=())


class TypedPlan:
    """How one typed read turns pages into batches of one schema."""

    def __init__(
        self,
        names: Sequence[str],
        column_types: Sequence[str] | None,
        *,
        big_ints: str = "string",
        binary: str = "bytes",
        wire: str = "csv",
        execution_id: str | None = None,
    ) -> None:
        if wire not in WIRES:
            raise InvalidArgument(
                f"wire must be one of {', '.join(map(repr, WIRES))}, got {wire!r}"
            )
        self.wire: Wire = "csv" if wire == "csv" else "json"
        options = TypeOptions(big_ints=big_ints, binary=binary)  # type: ignore[arg-type]
        self.parser = PageParser(names, column_types, options, execution_id=execution_id)

    @property
    def schema(self) -> pa.Schema:
        return self.parser.schema

    def parse(self, page: TypedPage) -> ParsedPage:
        """Parse a fetched page (CPU only; safe to run in a worker thread)."""
        if page.csv is not None:
            parsed = self.parser.from_csv(page.csv, page.offset)
            return ParsedPage(page.offset, parsed.batch, parsed.ambiguous)
        if page.rows is not None:
            return ParsedPage(page.offset, self.parser.from_rows(page.rows, page.offset))
        return ParsedPage(page.offset, self.parser.from_json_rows(page.raw, page.offset))

    def settle(self, parsed: ParsedPage, rows: list[Row]) -> pa.RecordBatch:
        """The batch with its ambiguous columns rebuilt from the page's JSON ``rows``."""
        return self.parser.with_columns(parsed.batch, rows, parsed.ambiguous, parsed.offset)

    @property
    def options(self) -> TypeOptions:
        return self.parser.options

    def table(self, batches: Sequence[pa.RecordBatch]) -> pa.Table:
        return pa.Table.from_batches(list(batches), schema=self.schema)

    def part(self, part: Any, offset: int) -> pa.RecordBatch:
        """A batch from a page kept by ``rows``: decoded rows or raw JSON (never re-fetched)."""
        if isinstance(part, list):
            return self.parser.from_rows(part, offset)
        if callable(getattr(part, "load", None)):  # a LazyPage of an Arrow cache entry
            return self.parser.from_rows(part.load(), offset)
        return self.parser.from_json_rows(part.raw, part.offset)
