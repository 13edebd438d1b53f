"""Usage (``dune.usage``), the dataset catalog (``dune.datasets``) and custom endpoint results
(``dune.endpoints``): small typed reads composed on the client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Unpack

from . import _lowlevel as wire
from ._bound import Bound
from ._errors import InvalidArgument, ResponseValidationError
from ._flows.context import Flow, FlowContext
from ._flows.pages import EndpointSource, Opened, open_source
from ._flows.send import call
from ._http import AsyncDriver, SyncDriver
from ._listing import AsyncListing, Listing, Page, Pager, next_after, validate_listing
from ._options import ResultKwargs
from ._protocol import Request
from ._results import AsyncResult, Result
from ._uploads import TableColumn

MAX_DATASETS_PAGE = 250


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _bad(req: Request, what: str) -> ResponseValidationError:
    return ResponseValidationError(what, method=req.method, path=req.display_path)


# -- usage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingPeriod:
    """One billing period: its dates and the credits used of those included."""

    start_date: dt.date | None
    end_date: dt.date | None
    credits_used: float | None
    credits_included: float | None


@dataclass(frozen=True)
class Usage:
    """``POST /v1/usage``: billing periods, storage and private counts."""

    billing_periods: list[BillingPeriod]
    bytes_used: int | None
    bytes_allowed: int | None
    private_queries: int | None
    private_dashboards: int | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def credits_used(self) -> float:
        """Credits used over every period returned."""
        return sum(p.credits_used or 0.0 for p in self.billing_periods)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        periods = data.get("billing_periods")
        return cls(
            billing_periods=[
                BillingPeriod(
                    _date(p.get("start_date")),
                    _date(p.get("end_date")),
                    _num(p.get("credits_used")),
                    _num(p.get("credits_included")),
                )
                for p in (periods if isinstance(periods, list) else [])
                if isinstance(p, Mapping)
            ],
            bytes_used=_int(data.get("bytes_used")),
            bytes_allowed=_int(data.get("bytes_allowed")),
            private_queries=_int(data.get("private_queries")),
            private_dashboards=_int(data.get("private_dashboards")),
            raw=dict(data),
        )


def _day(argument: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidArgument(f"{argument} must be a date, or YYYY-MM-DD text, got {value!r}")


def usage_request(start: object, end: object) -> Request:
    return wire.usage_request(_day("start", start), _day("end", end))


def usage_flow(ctx: FlowContext, req: Request) -> Flow[Usage]:
    return Usage.from_dict((yield from call(ctx, req)))


# -- datasets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A table or view of the catalog, with its columns and Dune types."""

    full_name: str
    type: str | None
    is_private: bool | None = None
    owner: str | None = None
    description: str | None = None
    columns: list[TableColumn] = field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dataset:
        full = _str(data.get("full_name"))
        if not full:
            raise KeyError("full_name")
        owner, meta = data.get("owner"), data.get("metadata")
        cols = data.get("columns")
        private = data.get("is_private")
        return cls(
            full_name=full,
            type=_str(data.get("type")),
            is_private=private if isinstance(private, bool) else None,
            owner=_str(owner.get("handle")) if isinstance(owner, Mapping) else None,
            description=_str(meta.get("description")) if isinstance(meta, Mapping) else None,
            columns=[TableColumn.from_dict(c) for c in cols if isinstance(c, Mapping)]
            if isinstance(cols, list)
            else [],
            created_at=_str(data.get("created_at")),
            updated_at=_str(data.get("updated_at")),
            raw=dict(data),
        )


class DatasetListing(Listing[Dataset]):
    """``dune.datasets.list()``: every matching dataset, fetched page by page as you iterate;
    ``total`` is the API's count and ``datasets`` the first page (as before)."""

    @property
    def datasets(self) -> list[Dataset]:
        """The datasets of the first page."""
        return self.first_page


class AsyncDatasetListing(AsyncListing[Dataset]):
    """``dune.datasets.list()`` for AsyncClient: ``async for`` every dataset, or ``await`` it
    for the first page (``datasets``) and ``total``."""

    @property
    def datasets(self) -> list[Dataset]:
        """The datasets of the first page (empty before it arrived)."""
        return self.first_page


def _dataset(req: Request, data: Mapping[str, Any]) -> Dataset:
    try:
        return Dataset.from_dict(data)
    except KeyError as exc:
        raise _bad(req, f"malformed dataset: missing {exc}") from None


def _kinds(owner_handle: object, types: object) -> str | None:
    if owner_handle is not None and not isinstance(owner_handle, str):
        raise InvalidArgument(f"owner_handle must be a string or None, got {owner_handle!r}")
    kinds = ",".join(types) if isinstance(types, list | tuple) else types
    if kinds is not None and not isinstance(kinds, str):
        raise InvalidArgument(f"type must be a string, a list of strings or None, got {types!r}")
    return kinds


def datasets_page_flow(
    ctx: FlowContext, owner_handle: str | None, kinds: str | None, size: int, offset: int
) -> Flow[Page[Dataset]]:
    """One page of ``GET /v1/datasets``; the next starts after it, until ``total``."""
    req = wire.list_datasets_request(size, offset, owner_handle, kinds)
    data = yield from call(ctx, req)
    items = data.get("datasets")
    if not isinstance(items, list):
        raise _bad(req, "malformed dataset list: datasets is not a list")
    found = [_dataset(req, d) for d in items if isinstance(d, Mapping)]
    total = _int(data.get("total"))
    return Page(found, total, next_after(offset, len(items), size, total))


def _datasets_pager(
    ctx: FlowContext,
    owner_handle: object,
    types: object,
    limit: object,
    offset: object,
    page_size: object,
) -> Pager[Dataset]:
    kinds = _kinds(owner_handle, types)
    most, start, size = validate_listing(limit, offset, page_size, MAX_DATASETS_PAGE)
    owner = owner_handle if isinstance(owner_handle, str) else None

    def fetch(size: int, offset: int) -> Flow[Page[Dataset]]:
        return datasets_page_flow(ctx, owner, kinds, size, offset)

    return Pager(fetch, lambda d: d.full_name, most, start, size)


def get_dataset_flow(ctx: FlowContext, slug: str) -> Flow[Dataset]:
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidArgument(f"slug must be a dataset name like dex.trades, got {slug!r}")
    req = wire.get_dataset_request(slug.strip())
    return _dataset(req, (yield from call(ctx, req)))


class Datasets:
    """The Dune catalog (``dune.datasets``): tables, spells, uploads and views, with columns."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx

    def list(
        self,
        *,
        owner_handle: str | None = None,
        type: str | list[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = MAX_DATASETS_PAGE,
    ) -> DatasetListing:
        """The datasets matching owner and kind (e.g. ``type="uploaded_table"``), at most
        ``limit``, fetched ``page_size`` at a time as you iterate; ``.total`` counts them all."""
        pager = _datasets_pager(self._ctx, owner_handle, type, limit, offset, page_size)
        return DatasetListing(self._driver, pager)

    def get(self, slug: str) -> Dataset:
        """One dataset by name (``dex.trades``), with its columns."""
        return self._driver.run(get_dataset_flow(self._ctx, slug))


class AsyncDatasets:
    """The Dune catalog (``dune.datasets``) for AsyncClient: the same methods, awaited."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._driver = bound.driver
        self._ctx = bound.ctx

    def list(
        self,
        *,
        owner_handle: str | None = None,
        type: str | list[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = MAX_DATASETS_PAGE,
    ) -> AsyncDatasetListing:
        """The datasets matching owner and kind, at most ``limit``, fetched ``page_size`` at a
        time as you ``async for``; ``await`` it for the first page and ``.total``."""
        pager = _datasets_pager(self._ctx, owner_handle, type, limit, offset, page_size)
        return AsyncDatasetListing(self._driver, pager)

    async def get(self, slug: str) -> Dataset:
        """One dataset by name (``dex.trades``), with its columns."""
        return await self._driver.run(get_dataset_flow(self._ctx, slug))


# -- custom endpoints --------------------------------------------------------------------------


def _source(handle: object, slug: object) -> EndpointSource:
    for argument, value in (("handle", handle), ("slug", slug)):
        if not isinstance(value, str) or not value.strip() or "/" in value:
            raise InvalidArgument(f"{argument} must be a non-empty name, got {value!r}")
    return EndpointSource(str(handle).strip(), str(slug).strip())


def endpoint_flow(
    bound: Bound[Any], handle: str, slug: str, options: Mapping[str, object]
) -> Flow[Opened]:
    return open_source(bound.ctx, _source(handle, slug), bound.defaults.options(options))


class Endpoints:
    """Custom endpoints (``dune.endpoints``): a saved query's latest result under a URL."""

    def __init__(self, bound: Bound[SyncDriver]) -> None:
        self._bound = bound

    def results(self, handle: str, slug: str, **options: Unpack[ResultKwargs]) -> Result:
        """The endpoint's result, with the same options and paging as query results
        (``limit``, ``columns``, ``filters``, ``sort_by``, ``page_size``, ...)."""
        opened = self._bound.driver.run(endpoint_flow(self._bound, handle, slug, options))
        return Result(self._bound, opened)


class AsyncEndpoints:
    """Custom endpoints (``dune.endpoints``) for AsyncClient: the same methods, awaited."""

    def __init__(self, bound: Bound[AsyncDriver]) -> None:
        self._bound = bound

    async def results(self, handle: str, slug: str, **options: Unpack[ResultKwargs]) -> AsyncResult:
        """The endpoint's result, with the same options and paging as query results
        (``limit``, ``columns``, ``filters``, ``sort_by``, ``page_size``, ...)."""
        opened = await self._bound.driver.run(endpoint_flow(self._bound, handle, slug, options))
        return AsyncResult(self._bound, opened)
