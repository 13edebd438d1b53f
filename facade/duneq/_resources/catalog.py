"""Usage (``dune.usage``), the dataset catalog (``dune.datasets``) and custom endpoint results
(``dune.endpoints``): small typed reads composed on the client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Unpack

from .._bound import Bound
from .._errors import InvalidArgument, ResponseValidationError
from .._flows.context import Flow, FlowContext
from .._flows.pages import EndpointSource, Opened, open_source
from .._flows.send import call
from .._options import ResultKwargs
from .._protocol import Request
from .._results.handle import AsyncResult, Result
from .._transport.drivers import AsyncDriver, SyncDriver
from .._wire import adapter as wire
from .._wire.models import BillingPeriod as BillingPeriod  # re-exported: duneq.BillingPeriod
from .._wire.models import Dataset as Dataset
from .._wire.models import Usage as Usage
from .listing import AsyncListing, Listing, Page, Pager, next_after, validate_listing

MAX_DATASETS_PAGE = 250


def _bad(req: Request, what: str) -> ResponseValidationError:
    return ResponseValidationError(what, method=req.method, path=req.display_path)


# -- usage -------------------------------------------------------------------------------------


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
    data = yield from call(ctx, req)
    try:
        return wire.usage_from_wire(data)
    except ValueError as exc:
        raise _bad(req, f"malformed usage: {exc}") from None


# -- datasets ----------------------------------------------------------------------------------


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
        return wire.dataset_from_wire(data)
    except ValueError as exc:
        raise _bad(req, f"malformed dataset: {exc}") from None


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
    try:
        found, held, total = wire.dataset_page_from_wire(data)
    except ValueError as exc:
        raise _bad(req, str(exc)) from None
    return Page(found, total, next_after(offset, held, size, total))


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
