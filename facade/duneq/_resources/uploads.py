"""Uploaded tables (``dune.uploads``): list, create, upload_csv, insert, clear, delete.

Inserts are split into chunks under Dune's per-request limit; each request is atomic, so when
one fails the rows of every earlier chunk are in the table, and the failed one's are either
surely not (it was refused or never sent) or maybe (the reply was lost): InsertFailed says which.
``legacy=True`` sends the same calls to the deprecated ``/v1/table/*`` routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from .._bound import Bound
from .._dunetypes.tree import UPLOAD_KINDS
from .._errors import (
    APIConnectionError,
    APIStatusError,
    DuneError,
    InsertFailed,
    InvalidArgument,
    ResponseValidationError,
)
from .._flows.context import Flow, FlowContext
from .._flows.send import call
from .._options import validate_positive_int
from .._policy.retry import NOT_SENT
from .._protocol import Request
from .._transport.drivers import AsyncDriver, SyncDriver
from .._wire import adapter as wire
from .._wire.models import CreatedTable as CreatedTable  # re-exported: duneq.CreatedTable
from .._wire.models import CsvUpload as CsvUpload
from .._wire.models import TableColumn as TableColumn
from .._wire.models import UploadedTable as UploadedTable
from . import upload_data as data_
from .listing import AsyncListing, Listing, Page, Pager, validate_listing

#: Dune's documented maximum size of one insert request (1.2 GB).
INSERT_REQUEST_LIMIT = 1_200_000_000
#: The default chunk size: well under the limit, so memory stays small while streaming.
DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024
MAX_PAGE_SIZE = 10_000
COLUMN_TYPES = UPLOAD_KINDS

#: A schema as accepted by ``create``: a table to derive it from, or columns given as
#: ``{"name":, "type":, "nullable":}`` dicts or ``(name, type)`` / ``(name, type, nullable)``.
SchemaLike = Sequence[Mapping[str, Any] | tuple[str, str] | tuple[str, str, bool]] | Any


@dataclass(frozen=True)
class InsertResult:
    """What ``insert`` wrote, summed over its chunks (one request each)."""

    table: str
    rows_written: int
    bytes_written: int
    chunks: int


# -- requests ----------------------------------------------------------------------------------


def _name(argument: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        raise InvalidArgument(f"{argument} must be a table or namespace name, got {value!r}")
    return value.strip()


def _bool(argument: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be True or False, got {value!r}")
    return value


def _opt_text(argument: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"{argument} must be a string or None, got {value!r}")
    return value


def _column(index: int, col: object) -> tuple[str, str, bool]:
    if isinstance(col, Mapping):
        name, typ, nullable = col.get("name"), col.get("type"), col.get("nullable", True)
    elif isinstance(col, tuple) and len(col) in (2, 3):
        name, typ, nullable = col[0], col[1], col[2] if len(col) == 3 else True
    else:
        raise InvalidArgument(
            f"schema[{index}] must be a dict with name and type, or a (name, type) tuple"
        )
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"schema[{index}] has no column name")
    if not isinstance(typ, str) or typ.lower() not in COLUMN_TYPES:
        raise InvalidArgument(
            f"schema[{index}] ({name}): type must be one of {', '.join(COLUMN_TYPES)}, got {typ!r}"
        )
    return name, typ.lower(), _bool(f"schema[{index}].nullable", nullable)


def schema_columns(schema: SchemaLike) -> list[tuple[str, str, bool]]:
    """Validated (name, type, nullable) columns, derived from a table's dtypes if given one."""
    if data_.is_table(schema):
        return data_.schema_of(data_.to_arrow(schema))
    if isinstance(schema, str | bytes) or not isinstance(schema, Sequence) or not schema:
        raise InvalidArgument("schema must be a non-empty list of columns, or a table")
    return [_column(i, c) for i, c in enumerate(schema)]


def create_request(
    namespace: str,
    table_name: str,
    schema: SchemaLike,
    description: str | None,
    is_private: bool,
    legacy: bool,
) -> Request:
    return wire.create_upload_request(
        _name("namespace", namespace),
        _name("table_name", table_name),
        schema_columns(schema),
        description=_opt_text("description", description),
        is_private=_bool("is_private", is_private),
        legacy=_bool("legacy", legacy),
    )


def upload_csv_request(
    table_name: str, data: object, description: str | None, is_private: bool, legacy: bool
) -> Request:
    return wire.upload_csv_request(
        _name("table_name", table_name),
        data_.csv_text(data),
        description=_opt_text("description", description),
        is_private=_bool("is_private", is_private),
        legacy=_bool("legacy", legacy),
    )


def chunk_limit(chunk_bytes: int) -> int:
    size = validate_positive_int("chunk_bytes", chunk_bytes)
    if size > INSERT_REQUEST_LIMIT:
        raise InvalidArgument(
            f"chunk_bytes must be at most {INSERT_REQUEST_LIMIT} (Dune's request limit), got {size}"
        )
    return size


# -- flows -------------------------------------------------------------------------------------


def _bad(req: Request, what: str) -> ResponseValidationError:
    return ResponseValidationError(what, method=req.method, path=req.display_path)


def page_flow(ctx: FlowContext, limit: int, offset: int) -> Flow[Page[UploadedTable]]:
    """One page of tables and where the next one starts (None on the last page)."""
    req = wire.list_uploads_request(limit, offset)
    data = yield from call(ctx, req)
    try:
        tables, nxt = wire.upload_page_from_wire(data)
    except ValueError as exc:
        raise _bad(req, f"malformed uploads list: {exc}") from None
    return Page(tables, None, nxt if tables and nxt is not None and nxt > offset else None)


def pager(
    ctx: FlowContext, limit: object, offset: object, page_size: object
) -> Pager[UploadedTable]:
    most, start, size = validate_listing(limit, offset, page_size, MAX_PAGE_SIZE)
    return Pager(partial(page_flow, ctx), lambda t: t.full_name, most, start, size)


def create_flow(ctx: FlowContext, req: Request) -> Flow[CreatedTable]:
    data = yield from call(ctx, req)
    body = req.json if isinstance(req.json, Mapping) else {}
    try:
        return wire.created_table_from_wire(
            data, str(body.get("namespace")), str(body.get("table_name"))
        )
    except ValueError as exc:
        raise _bad(req, f"malformed create response: {exc}") from None


def upload_csv_flow(ctx: FlowContext, req: Request) -> Flow[CsvUpload]:
    data = yield from call(ctx, req)
    body = req.json if isinstance(req.json, Mapping) else {}
    try:
        upload = wire.csv_upload_from_wire(data, str(body.get("table_name")))
    except ValueError as exc:
        raise _bad(req, f"malformed upload_csv response: {exc}") from None
    if upload is None:
        raise _bad(req, f"upload_csv did not succeed: {data!r}")
    return upload


def message_flow(ctx: FlowContext, req: Request) -> Flow[str]:
    message = (yield from call(ctx, req)).get("message")
    return message if isinstance(message, str) else ""


def _may_have_landed(exc: BaseException) -> bool:
    """Whether a failed insert request may have been written anyway: it reached the server
    and no answer said it was refused (a 5xx, a reply cut, dropped or unreadable)."""
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500 or exc.status_code == 408
    if isinstance(exc, APIConnectionError):
        return exc.failure not in NOT_SENT
    return isinstance(exc, ResponseValidationError)


def _rows(n: int) -> str:
    return f"{n} row{'' if n == 1 else 's'}"


def _stopped(
    full: str, exc: BaseException, rows: int, sent: int, first: int, count: int | None
) -> str:
    """What a stopped insert tells: rows confirmed, the failed chunk (unknown or not landed)
    and the safe way to resume. ``count`` is the failed chunk's rows when its outcome is
    unknown."""
    chunk = sent + 1
    confirmed = f"{_rows(rows)} in {sent} chunk{'' if sent == 1 else 's'} landed before it"
    if count is None:
        return (
            f"insert into {full} stopped at chunk {chunk}: {exc}. {confirmed}; that chunk and "
            f"the rest did not. Resume with start_row={first}"
        )
    last = first + count
    return (
        f"insert into {full} stopped at chunk {chunk}: {exc}. {confirmed}. Chunk {chunk} "
        f"(input rows {first}..{last - 1}, {_rows(count)}) reached the server and may or may "
        f"not have been written. Before resuming, count the table's rows (select count(*) "
        f"from {full}): if those {_rows(count)} are there, resume with start_row={last}, "
        f"else with start_row={first}"
    )


def insert_flow(
    ctx: FlowContext,
    namespace: str,
    table_name: str,
    data: object,
    limit: int,
    legacy: bool,
    start_row: int = 0,
) -> Flow[InsertResult]:
    """Send the data chunk by chunk (from input row ``start_row``). A failure raises
    InsertFailed saying which rows are confirmed and whether the failed chunk may have
    landed, except a first chunk that surely did not (the API's own error)."""
    ns, table = _name("namespace", namespace), _name("table_name", table_name)
    full = f"dune.{ns}.{table}"
    rows = written = sent = 0
    first = start_row  # the input row the next chunk starts at
    pieces = data_.chunks(data, limit, start_row)
    chunk: data_.Chunk | None = None
    while True:
        chunk = None
        try:
            chunk = next(pieces, None)
            if chunk is None:
                break
            req = wire.insert_rows_request(
                ns, table, chunk.content, chunk.media_type, legacy=legacy
            )
            reply = yield from call(ctx, req)
        except (DuneError, OSError, ValueError) as exc:
            unknown = chunk is not None and _may_have_landed(exc)
            if sent == 0 and not unknown:
                raise
            count = chunk.rows if unknown and chunk is not None else None
            raise InsertFailed(
                _stopped(full, exc, rows, sent, first, count),
                rows_written=rows,
                chunks_written=sent,
                table=full,
                resume_row=first,
                unknown_chunk=sent + 1 if count is not None else None,
                unknown_rows=range(first, first + count) if count is not None else None,
            ) from exc
        except BaseException as exc:  # an interrupt: say what is known, keep the exception
            if chunk is not None:
                exc.add_note(
                    f"duneq: insert into {full} interrupted: {_rows(rows)} confirmed; chunk "
                    f"{sent + 1} (input rows {first}..{first + chunk.rows - 1}) may or may not "
                    "have been written"
                )
            raise
        counted, size = wire.insert_counts_from_wire(reply)
        rows += counted if counted is not None else chunk.rows
        written += size or len(chunk.content)
        sent += 1
        first += chunk.rows
    return InsertResult(full, rows, written, sent)


def start_row_of(start_row: object) -> int:
    if isinstance(start_row, bool) or not isinstance(start_row, int) or start_row < 0:
        raise InvalidArgument(f"start_row must be an integer >= 0, got {start_row!r}")
    return start_row


# -- API ---------------------------------------------------------------------------------------


class Uploads:
    """Uploaded tables (``dune.uploads``), readable by queries as ``dune.<namespace>.<table>``."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = 100
    ) -> Listing[UploadedTable]:
        """The tables of the key's user or team, at most ``limit``, fetched ``page_size`` at a
        time as you iterate (the API gives no total)."""
        return Listing(self._driver, pager(self._ctx, limit, offset, page_size))

    def create(
        self,
        namespace: str,
        table_name: str,
        schema: SchemaLike,
        *,
        description: str | None = None,
        is_private: bool = False,
        legacy: bool = False,
    ) -> CreatedTable:
        """Create an empty table; ``schema`` lists the columns or is a table to derive them
        from (its dtypes mapped to Dune types)."""
        req = create_request(namespace, table_name, schema, description, is_private, legacy)
        return self._driver.run(create_flow(self._ctx, req))

    def upload_csv(
        self,
        table_name: str,
        data: object,
        *,
        description: str | None = None,
        is_private: bool = False,
        legacy: bool = False,
    ) -> CsvUpload:
        """Create or replace a table from CSV (text, bytes, a path, or a table), Dune
        inferring the types; sent in one request."""
        req = upload_csv_request(table_name, data, description, is_private, legacy)
        return self._driver.run(upload_csv_flow(self._ctx, req))

    def insert(
        self,
        namespace: str,
        table_name: str,
        data: object,
        *,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        legacy: bool = False,
        start_row: int = 0,
    ) -> InsertResult:
        """Append rows: CSV bytes, a file path (CSV, NDJSON or parquet, streamed), an iterable
        of dicts, or a pyarrow/polars/pandas table, in atomic chunks of at most chunk_bytes;
        ``start_row`` skips the data's first rows (resuming after InsertFailed)."""
        flow = insert_flow(
            self._ctx,
            namespace,
            table_name,
            data,
            chunk_limit(chunk_bytes),
            legacy,
            start_row_of(start_row),
        )
        return self._driver.run(flow)

    def clear(self, namespace: str, table_name: str, *, legacy: bool = False) -> str:
        """Remove every row, keeping the table and its columns; returns the API's message."""
        req = wire.clear_upload_request(
            _name("namespace", namespace), _name("table_name", table_name), legacy=legacy
        )
        return self._driver.run(message_flow(self._ctx, req))

    def delete(self, namespace: str, table_name: str, *, legacy: bool = False) -> str:
        """Drop the table and its data; returns the API's message."""
        req = wire.delete_upload_request(
            _name("namespace", namespace), _name("table_name", table_name), legacy=legacy
        )
        return self._driver.run(message_flow(self._ctx, req))


class AsyncUploads:
    """Uploaded tables (``dune.uploads``) for AsyncClient: the same methods, awaited
    (``list`` is an async iterator)."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx

    def list(
        self, *, limit: int | None = None, offset: int = 0, page_size: int = 100
    ) -> AsyncListing[UploadedTable]:
        """The tables of the key's user or team, at most ``limit``, fetched ``page_size`` at a
        time as you ``async for`` (the API gives no total)."""
        return AsyncListing(self._driver, pager(self._ctx, limit, offset, page_size))

    async def create(
        self,
        namespace: str,
        table_name: str,
        schema: SchemaLike,
        *,
        description: str | None = None,
        is_private: bool = False,
        legacy: bool = False,
    ) -> CreatedTable:
        """Create an empty table; ``schema`` lists the columns or is a table to derive them
        from (its dtypes mapped to Dune types)."""
        req = create_request(namespace, table_name, schema, description, is_private, legacy)
        return await self._driver.run(create_flow(self._ctx, req))

    async def upload_csv(
        self,
        table_name: str,
        data: object,
        *,
        description: str | None = None,
        is_private: bool = False,
        legacy: bool = False,
    ) -> CsvUpload:
        """Create or replace a table from CSV (text, bytes, a path, or a table), Dune
        inferring the types; sent in one request."""
        req = upload_csv_request(table_name, data, description, is_private, legacy)
        return await self._driver.run(upload_csv_flow(self._ctx, req))

    async def insert(
        self,
        namespace: str,
        table_name: str,
        data: object,
        *,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        legacy: bool = False,
        start_row: int = 0,
    ) -> InsertResult:
        """Append rows: CSV bytes, a file path (CSV, NDJSON or parquet, streamed), an iterable
        of dicts, or a pyarrow/polars/pandas table, in atomic chunks of at most chunk_bytes;
        ``start_row`` skips the data's first rows (resuming after InsertFailed)."""
        flow = insert_flow(
            self._ctx,
            namespace,
            table_name,
            data,
            chunk_limit(chunk_bytes),
            legacy,
            start_row_of(start_row),
        )
        return await self._driver.run(flow)

    async def clear(self, namespace: str, table_name: str, *, legacy: bool = False) -> str:
        """Remove every row, keeping the table and its columns; returns the API's message."""
        req = wire.clear_upload_request(
            _name("namespace", namespace), _name("table_name", table_name), legacy=legacy
        )
        return await self._driver.run(message_flow(self._ctx, req))

    async def delete(self, namespace: str, table_name: str, *, legacy: bool = False) -> str:
        """Drop the table and its data; returns the API's message."""
        req = wire.delete_upload_request(
            _name("namespace", namespace), _name("table_name", table_name), legacy=legacy
        )
        return await self._driver.run(message_flow(self._ctx, req))
