"""The local result cache: one file per (execution, result options), valid until the result
expires on the server, written atomically (temp file, then rename) and checked on every read.

An entry is ``MAGIC``, the payload chunks (each length-prefixed), a JSON footer (what the entry
holds, its codec and the payload's SHA-256), the footer's length and ``MAGIC`` again. The payload
codec is pluggable (``Codec``): JSON row pages, or (``_cache.arrow``) one Arrow IPC file of the
typed batches, named with the type options so that each schema is its own entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from .. import _constants as C
from .._errors import CacheCorruptWarning, InvalidArgument
from .._options import ResultOptions
from .._types import Row
from .._warn import warn_at_caller
from .._wire.adapter import query_error_from_wire
from .._wire.models import ExecutionStatus, PageMetadata, parse_timestamp
from .framing import (
    ARROW_CODEC,
    LEN,
    MAGIC,
    SUFFIX,
    BlockCheck,
    clean_orphans,
    discard_temp,
    is_temp,
    open_entry,
    payload_intact,
    seal_entry,
    warn_failed,
)

_LEN = LEN
_SUFFIX = SUFFIX
_NO_RUN = "x" * 16  # the run-key slot of an entry read by execution id only


# -- codecs ------------------------------------------------------------------------------------


class Codec(Protocol):
    """How result pages become payload chunks and back (the storage interface)."""

    name: str

    def encode(self, rows: list[Row] | bytes) -> bytes:
        """One page: decoded rows, or the page's raw JSON ``rows`` array as received."""
        ...

    def decode(self, chunks: Sequence[memoryview]) -> list[Row]:
        """All rows of an entry, in order."""
        ...


class JsonCodec:
    """Pages stored as the JSON arrays the API sent (raw pages are copied, not re-encoded)."""

    name = "json-rows"

    def encode(self, rows: list[Row] | bytes) -> bytes:
        return rows if isinstance(rows, bytes) else orjson.dumps(rows)

    def decode(self, chunks: Sequence[memoryview]) -> list[Row]:
        rows: list[Row] = []
        for chunk in chunks:
            page = orjson.loads(chunk)
            if not isinstance(page, list):
                raise ValueError("a page is not a JSON array")
            rows.extend(page)
        return rows


CODECS: dict[str, Codec] = {JsonCodec.name: JsonCodec()}


# -- keys --------------------------------------------------------------------------------------


def _digest(value: object) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def options_key(options: ResultOptions) -> dict[str, object]:
    """The result options that change which rows an execution's result holds."""
    return {
        "columns": options.columns,
        "filters": options.filters,
        "sort_by": options.sort_by,
        "sample_count": options.sample_count,
        "limit": options.limit,
        "offset": options.offset,
    }


def entry_key(execution_id: str, options: ResultOptions) -> str:
    """An execution's result never changes until it expires: key it by id and options."""
    return _digest({"execution_id": execution_id, **options_key(options)})


def run_key(target: int | str, params: Mapping[str, object]) -> str:
    """What a run is of: a saved query id (or SQL text) with its encoded parameters."""
    return _digest({"target": target, "params": dict(params)})[:16]


# -- status round trip -------------------------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_to_dict(status: ExecutionStatus) -> dict[str, Any]:
    meta = status.result_metadata
    err = status.error
    return {
        "execution_id": status.execution_id,
        "state": str(status.state),
        "query_id": status.query_id,
        "submitted_at": _stamp(status.submitted_at),
        "execution_started_at": _stamp(status.execution_started_at),
        "execution_ended_at": _stamp(status.execution_ended_at),
        "expires_at": _stamp(status.expires_at),
        "execution_cost_credits": status.execution_cost_credits,
        "error": None if err is None else {"type": err.type, "message": err.message},
        "result_metadata": None if meta is None else dict(meta.__dict__),
    }


def status_from_dict(data: Mapping[str, Any]) -> ExecutionStatus:
    from .._states import ExecutionState

    raw_state = str(data["state"])
    try:
        state: ExecutionState | str = ExecutionState(raw_state)
    except ValueError:
        state = raw_state
    meta = data.get("result_metadata")
    return ExecutionStatus(
        execution_id=str(data["execution_id"]),
        state=state,
        query_id=data.get("query_id"),
        is_execution_finished=True,
        submitted_at=parse_timestamp(data.get("submitted_at")),
        execution_started_at=parse_timestamp(data.get("execution_started_at")),
        execution_ended_at=parse_timestamp(data.get("execution_ended_at")),
        expires_at=parse_timestamp(data.get("expires_at")),
        execution_cost_credits=data.get("execution_cost_credits"),
        error=query_error_from_wire(data.get("error")),
        result_metadata=PageMetadata(**meta) if isinstance(meta, dict) else None,
    )


# -- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInfo:
    """What ``duneq cache ls`` shows of an entry (read from its footer only)."""

    path: Path
    execution_id: str
    query_id: int | None
    row_count: int
    size: int
    created_at: datetime | None
    expires_at: datetime | None
    codec: str
    #: The SQL text of a raw-SQL run (None for a saved query or a read by execution id).
    sql: str | None = None


@dataclass(frozen=True)
class CachedResult:
    """A verified entry: the execution's final status, its payload chunks (one per page) with
    their row counts, whether it was partial, and its footer."""

    status: ExecutionStatus
    chunks: list[memoryview]
    counts: list[int]
    is_partial: bool
    footer: dict[str, Any]
    #: An Arrow entry's IPC file (a view of the memory-mapped entry); None for JSON entries.
    payload: memoryview | None = None

    @property
    def is_arrow(self) -> bool:
        return self.payload is not None

    @property
    def codec(self) -> Codec:
        return CODECS[str(self.footer.get("codec"))]

    @property
    def rows(self) -> list[Row]:
        """Every row, decoded now (an Arrow entry's in the wire's form)."""
        if self.payload is not None:
            from .arrow import iter_wire_pages

            types = self.footer.get("column_types") or []
            return [row for page in iter_wire_pages(self.payload, types) for row in page]
        return self.codec.decode(self.chunks)


class CorruptEntry(Exception):
    """An entry failed a structural or checksum check."""


def _read_footer(handle: IO[bytes], size: int) -> tuple[dict[str, Any], int]:
    """The footer and where the payload ends; raises CorruptEntry."""
    tail = len(MAGIC) + _LEN.size
    if size < len(MAGIC) + tail:
        raise CorruptEntry("entry is too short")
    handle.seek(0)
    if handle.read(len(MAGIC)) != MAGIC:
        raise CorruptEntry("entry does not start with the cache magic")
    handle.seek(size - tail)
    (footer_len,) = _LEN.unpack(handle.read(_LEN.size))
    if handle.read(len(MAGIC)) != MAGIC or footer_len > size - len(MAGIC) - tail:
        raise CorruptEntry("entry has no valid trailer")
    end = size - tail - footer_len
    handle.seek(end)
    try:
        footer = orjson.loads(handle.read(footer_len))
    except orjson.JSONDecodeError as exc:
        raise CorruptEntry(f"footer is not JSON ({exc})") from None
    if not isinstance(footer, dict):
        raise CorruptEntry("footer is not an object")
    return footer, end


def _map_payload(handle: IO[bytes], end: int, footer: Mapping[str, Any]) -> memoryview:
    """An Arrow entry's payload, memory-mapped (not read) and verified against the checksum."""
    if footer.get("chunks") != 1:
        raise CorruptEntry("an Arrow entry holds one IPC payload")
    mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    payload = memoryview(mapped)[len(MAGIC) : end]
    if not payload_intact(payload, footer):
        raise CorruptEntry("payload checksum does not match")
    return payload


def _read_chunks(handle: IO[bytes], end: int, footer: Mapping[str, Any]) -> list[memoryview]:
    """The payload chunks (views of one read, not copies), verified against the footer's
    checksum and chunk count."""
    handle.seek(len(MAGIC))
    body = handle.read(end - len(MAGIC))
    if not payload_intact(memoryview(body), footer):
        raise CorruptEntry("payload checksum does not match")
    chunks: list[memoryview] = []
    pos = 0
    view = memoryview(body)
    while pos < len(body):
        (n,) = _LEN.unpack_from(view, pos)
        pos += _LEN.size
        chunks.append(view[pos : pos + n])
        pos += n
    if pos != len(body) or len(chunks) != footer.get("chunks"):
        raise CorruptEntry("payload chunks do not match the footer")
    return chunks


class EntryWriter:
    """Streams one entry into a temp file beside its final name; ``commit`` renames it into
    place (readers see the old entry or the new one, never a torn one), ``abort`` drops it."""

    def __init__(self, cache: Cache, name: str, codec: Codec) -> None:
        self._cache = cache
        self._final = cache.entries / name
        self._codec = codec
        try:
            self._tmp, handle = open_entry(cache.entries)
        except OSError as exc:
            cache.failed("start the entry", exc, name)
            raise
        self._handle: IO[bytes] | None = handle
        self._check = BlockCheck()
        self.chunks = 0
        self.rows = 0
        self.counts: list[int] = []

    def add(self, rows: list[Row] | bytes, count: int) -> None:
        """One page, in order; ``count`` is its number of rows."""
        if self._handle is None:
            raise RuntimeError("the entry is already closed")
        data = self._codec.encode(rows)
        head = _LEN.pack(len(data))
        try:
            for part in (head, data):
                self._handle.write(part)
                self._check.update(part)
        except OSError as exc:
            self._fail("write", exc)
            raise
        self.chunks += 1
        self.rows += count
        self.counts.append(count)

    def commit(self, footer: Mapping[str, Any]) -> Path:
        if self._handle is None:
            raise RuntimeError("the entry is already closed")
        handle, self._handle = self._handle, None
        written = {"codec": self._codec.name, "chunks": self.chunks, "row_count": self.rows}
        written |= {"counts": self.counts, **self._check.footer()}
        return self._cache.seal(handle, self._tmp, self._final, {**footer, **written})

    def abort(self) -> None:
        """Drop the entry being written; never raises (a full disk may refuse the close)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            discard_temp(handle, self._tmp)

    def _fail(self, what: str, exc: OSError) -> None:
        """One warning, the temp file gone; the writer is closed."""
        self.abort()
        self._cache.failed(f"{what} the entry", exc, self._final.name)


class Cache:
    """A result cache in ``path`` (default ``$DUNEQ_CACHE_DIR`` or the user cache dir), kept
    under ``max_bytes`` by evicting the least recently used entries (None: no limit).
    ``now`` is the wall clock that decides expiry and age (injectable for tests)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if path is not None and not isinstance(path, str | os.PathLike):
            raise InvalidArgument(f"cache path must be a path, got {type(path).__name__}")
        if max_bytes is not None and (
            isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0
        ):
            raise InvalidArgument(f"max_bytes must be a positive integer, got {max_bytes!r}")
        if now is not None and not callable(now):
            raise InvalidArgument("now must be a callable returning an aware datetime")
        self.path = Path(path).expanduser() if path is not None else default_cache_dir()
        self.max_bytes = max_bytes
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self._failures: set[str] = set()

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r}, max_bytes={self.max_bytes!r})"

    def failed(self, what: str, exc: BaseException, entry: str | None = None) -> None:
        """A read or write the cache could not do: one CacheWarning per entry (or operation),
        so a read that fails to load an entry and then to write it warns once."""
        key = entry or what
        if key in self._failures:
            return
        self._failures.add(key)
        warn_failed(f"{what} {entry}" if entry else what, exc)

    @property
    def entries(self) -> Path:
        """The folder of the entries (created by the first write, not by reads)."""
        return self.path / "entries"

    def remember_sql(self, run: str, sql: str) -> None:
        """Keep the SQL text of a raw-SQL run key, so ``ls`` can show what an entry is of
        (written once, atomically; a failure only loses the label)."""
        folder = self.path / "sql"
        target = folder / f"{run}.sql"
        if target.exists():
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".tmp-{run}-{os.getpid()}"
            tmp.write_text(sql, encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass

    def _sql_of(self, run: object) -> str | None:
        if not isinstance(run, str) or not run.isalnum():
            return None
        try:
            return (self.path / "sql" / f"{run}.sql").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    # -- writing

    def writer(
        self, execution_id: str, options: ResultOptions, run: str | None, codec: str = "json-rows"
    ) -> EntryWriter:
        """A writer of the entry for this execution and these options (``run``: run key)."""
        name = f"{run or _NO_RUN}-{entry_key(execution_id, options)}{_SUFFIX}"
        return EntryWriter(self, name, CODECS[codec])

    def footer(
        self,
        status: ExecutionStatus,
        options: ResultOptions,
        *,
        is_partial: bool,
        run: str | None,
        column_names: Sequence[str],
        column_types: Sequence[str],
    ) -> dict[str, Any]:
        return {
            "execution_id": status.execution_id,
            "run": run,
            "options": options_key(options),
            "status": status_to_dict(status),
            "is_partial": is_partial,
            "column_names": list(column_names),
            "column_types": list(column_types),
        }

    # -- reading

    def _paths(self, run: str | None = None, key: str | None = None) -> Iterator[Path]:
        """The entries matching a run key and entry key (temp files of writers never)."""
        return self._glob(f"{run or '*'}-{key or '*'}{_SUFFIX}")

    def _glob(self, pattern: str) -> Iterator[Path]:
        try:
            found = [p for p in self.entries.glob(pattern) if not is_temp(p)]
        except OSError as exc:  # an unreadable folder: nothing cached, nothing breaks
            self.failed("list its entries", exc)
            return iter(())
        return iter(found)

    def _expired(self, footer: Mapping[str, Any]) -> bool:
        status = footer.get("status")
        expires = parse_timestamp(status.get("expires_at")) if isinstance(status, dict) else None
        return expires is not None and self.now() >= expires

    def _load(self, path: Path) -> CachedResult | None:
        """Read and verify an entry; a corrupt one is deleted with a warning, an expired one
        deleted quietly (both: None)."""
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                footer, end = _read_footer(handle, size)
                if self._expired(footer):
                    with contextlib.suppress(OSError):  # a read-only cache keeps it
                        path.unlink(missing_ok=True)
                    return None
                arrow = footer.get("codec") == ARROW_CODEC
                payload = _map_payload(handle, end, footer) if arrow else None
                chunks = [] if arrow else _read_chunks(handle, end, footer)
            if not arrow and str(footer.get("codec")) not in CODECS:
                raise CorruptEntry(f"unknown codec {footer.get('codec')!r}")
            counts = footer.get("counts")
            if (
                not isinstance(counts, list)
                or (not arrow and len(counts) != len(chunks))
                or not all(isinstance(n, int) and n >= 0 for n in counts)
                or sum(counts) != footer.get("row_count")
            ):
                raise CorruptEntry("row counts do not match the footer")
            status = status_from_dict(footer["status"])
        except FileNotFoundError:
            return None  # evicted or replaced meanwhile
        except (CorruptEntry, ValueError, KeyError, TypeError, struct.error) as exc:
            self._discard(path, str(exc))
            return None
        except OSError as exc:  # not a file, unreadable: not ours to delete
            self.failed("read the entry", exc, path.name)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used is judged by mtime
        partial = bool(footer.get("is_partial"))
        return CachedResult(status, chunks, counts, partial, footer, payload)

    def _discard(self, path: Path, why: str) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        warn_at_caller(
            CacheCorruptWarning(f"cache entry {path.name} is corrupt ({why}); fetching it again")
        )

    def get(self, execution_id: str, options: ResultOptions) -> CachedResult | None:
        """The cached result of an execution with these options, if present and unexpired: its
        JSON entry, else an Arrow entry that gives back the wire's rows exactly."""
        key = entry_key(execution_id, options)
        for path in self._paths(key=key):
            found = self._load(path)
            if found is not None:
                return found
        if not _arrow_available():
            return None
        for path in self._glob(f"*-{key}-*{_SUFFIX}"):
            if _footer_of(path).get("rows_exact"):
                found = self._load(path)
                if found is not None:
                    return found
        return None

    def get_arrow(
        self, execution_id: str, options: ResultOptions, types: Mapping[str, str]
    ) -> CachedResult | None:
        """The Arrow entry of an execution with these result and type options, if present."""
        name = f"-{entry_key(execution_id, options)}-{_digest(dict(types))[:12]}{_SUFFIX}"
        for path in self._glob(f"*{name}"):
            found = self._load(path)
            if found is not None and found.is_arrow:
                return found
        return None

    def discard_entry(
        self, execution_id: str, options: ResultOptions, types: Mapping[str, str], why: str
    ) -> None:
        """Delete an Arrow entry that failed to read back, with a warning."""
        name = f"-{entry_key(execution_id, options)}-{_digest(dict(types))[:12]}{_SUFFIX}"
        for path in self._glob(f"*{name}"):
            self._discard(path, why)

    def arrow_writer(
        self,
        execution_id: str,
        options: ResultOptions,
        run: str | None,
        types: Mapping[str, str],
        schema: Any,
    ) -> Any:
        """A writer (``_cache_arrow.ArrowEntryWriter``) of the Arrow entry for these result and
        type options; imports pyarrow."""
        from .arrow import ArrowEntryWriter

        key = f"{entry_key(execution_id, options)}-{_digest(dict(types))[:12]}"
        return ArrowEntryWriter(self, f"{run or _NO_RUN}-{key}{_SUFFIX}", schema)

    def _footers(self, run: str | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Each entry's footer (of one run key, or all), read without the payload; an entry
        gone meanwhile is skipped, a corrupt one discarded."""
        for path in self._paths(run=run):
            try:
                with open(path, "rb") as handle:
                    footer, _ = _read_footer(handle, os.fstat(handle.fileno()).st_size)
            except OSError:  # gone meanwhile, or not a readable file: skipped
                continue
            except (CorruptEntry, struct.error) as exc:
                self._discard(path, str(exc))
                continue
            yield path, footer

    def find_run(
        self, run: str, options: ResultOptions, max_age: timedelta | None
    ) -> CachedResult | None:
        """The newest cached run with this run key and options that ended within ``max_age``
        (None: any age) and has not expired."""
        wanted = options_key(options)
        candidates: list[tuple[datetime, bool, Path]] = []
        for path, footer in self._footers(run):
            status = footer.get("status")
            if footer.get("options") != wanted or not isinstance(status, dict):
                continue
            arrow = footer.get("codec") == ARROW_CODEC
            if arrow and not (footer.get("rows_exact") and _arrow_available()):
                continue  # serves typed reads of its own schema only (``get_arrow``)
            ended = parse_timestamp(status.get("execution_ended_at"))
            if ended is None or (max_age is not None and self.now() - ended > max_age):
                continue
            candidates.append((ended, not arrow, path))
        for _, _, path in sorted(candidates, reverse=True):
            found = self._load(path)
            if found is not None:
                return found
        return None

    def forget_runs(self, query_id: int) -> int:
        """Stop serving cached runs of a saved query to ``max_age`` lookups (its SQL or
        parameters changed): those entries are deleted; returns how many went."""
        removed = 0
        for path, footer in self._footers():
            if path.name.startswith(_NO_RUN + "-"):
                continue  # read by execution id only: such a result never changes
            status = footer.get("status")
            if isinstance(status, dict) and status.get("query_id") == query_id:
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:
                    self.failed("retire the entry", exc, path.name)
                    continue
                removed += 1
        return removed

    # -- housekeeping

    def ls(self) -> list[EntryInfo]:
        """Every readable entry, most recently used first (footers only; no payload read)."""
        infos: list[tuple[float, EntryInfo]] = []
        for path in self._paths():
            try:
                with open(path, "rb") as handle:
                    stat = os.fstat(handle.fileno())
                    footer, _ = _read_footer(handle, stat.st_size)
            except (OSError, CorruptEntry, struct.error):
                continue
            status = footer.get("status") or {}
            info = EntryInfo(
                path=path,
                execution_id=str(footer.get("execution_id")),
                query_id=status.get("query_id"),
                row_count=int(footer.get("row_count") or 0),
                size=stat.st_size,
                created_at=parse_timestamp(footer.get("created_at")),
                expires_at=parse_timestamp(status.get("expires_at")),
                codec=str(footer.get("codec")),
                sql=self._sql_of(footer.get("run"))
                if status.get("query_id") in (0, None)
                else None,
            )
            infos.append((stat.st_mtime, info))
        return [info for _, info in sorted(infos, key=lambda pair: pair[0], reverse=True)]

    def clear(self) -> int:
        """Delete every entry and orphaned temp file (a live writer's is left alone); returns
        how many entries went."""
        removed = 0
        for path in self._paths():
            path.unlink(missing_ok=True)
            removed += 1
        clean_orphans(self.entries)
        return removed

    def size(self) -> int:
        """Bytes held by entries (files being written, or orphaned, are not counted)."""
        total = 0
        for path in self._paths():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    def clean_orphans(self) -> int:
        """Delete temp files left by writers that died (no lock held, and the pid gone or
        the file an hour old); returns how many went. Runs at every entry commit too."""
        return clean_orphans(self.entries)

    def seal(self, handle: IO[bytes], tmp: Path, final: Path, footer: dict[str, Any]) -> Path:
        """Seal a fully written entry (``footer`` stamped with the time) and make room for it
        by eviction; a failure warns once, leaves no temp file and is raised."""
        footer["created_at"] = self.now().isoformat()
        try:
            seal_entry(handle, tmp, final, footer)
        except OSError as exc:
            self.failed("write the entry", exc, final.name)
            raise
        self.evict(keep=final)
        return final

    def evict(self, keep: Path | None = None) -> None:
        """Delete orphaned temp files, then least recently used entries until the cache fits
        in ``max_bytes``."""
        clean_orphans(self.entries)
        if self.max_bytes is None:
            return
        stats: list[tuple[float, int, Path]] = []
        for path in self._paths():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            stats.append((st.st_mtime_ns, st.st_size, path))
        total = sum(size for _, size, _ in stats)
        stats.sort(key=lambda item: (item[2] == keep, item[0]))  # the new entry goes last
        for _, size, path in stats:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            total -= size


def _arrow_available() -> bool:
    """Whether Arrow entries can be read here (pyarrow is installed; not imported by this)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _footer_of(path: Path) -> dict[str, Any]:
    """An entry's footer, or {} when it cannot be read (``_load`` then judges the entry)."""
    try:
        with open(path, "rb") as handle:
            return _read_footer(handle, os.fstat(handle.fileno()).st_size)[0]
    except (OSError, CorruptEntry, struct.error):
        return {}


CacheArg = bool | str | os.PathLike[str] | Cache | None


def default_cache_dir() -> Path:
    """``$DUNEQ_CACHE_DIR``, else ``$XDG_CACHE_HOME/duneq``, else ``~/.cache/duneq``."""
    env = os.environ.get(C.CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "duneq"


def resolve_cache(arg: object) -> Cache | None:
    """``Client(cache=...)``: True (default folder), a path, a Cache, False (off) or None
    (on only when ``$DUNEQ_CACHE_DIR`` is set)."""
    if isinstance(arg, Cache):
        return arg
    if arg is None:
        return Cache() if os.environ.get(C.CACHE_DIR_ENV) else None
    if arg is True:
        return Cache()
    if arg is False:
        return None
    if isinstance(arg, str | os.PathLike):
        return Cache(arg)
    raise InvalidArgument(f"cache must be True, False, a path or a duneq.Cache, got {arg!r}")
