from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    execution_id: str,
    *,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["limit"] = limit

    params["offset"] = offset

    params["columns"] = columns

    params["filters"] = filters

    params["sort_by"] = sort_by

    params["sample_count"] = sample_count

    params["allow_partial_results"] = allow_partial_results

    params["ignore_max_datapoints_per_request"] = ignore_max_datapoints_per_request

    params["ignore_max_credits_per_request"] = ignore_max_credits_per_request

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/execution/{execution_id}/results/csv".format(
            execution_id=quote(str(execution_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Error.from_dict(response.json())

        return response_402

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    execution_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> Response[Error | str]:
    """Execution results (CSV)

     One page of an execution's result as CSV, header row included.

    Args:
        execution_id (str):
        limit (int | Unset):
        offset (int | Unset):
        columns (str | Unset):
        filters (str | Unset):
        sort_by (str | Unset):
        sample_count (int | Unset):
        allow_partial_results (bool | Unset):
        ignore_max_datapoints_per_request (bool | Unset):
        ignore_max_credits_per_request (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | str]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        limit=limit,
        offset=offset,
        columns=columns,
        filters=filters,
        sort_by=sort_by,
        sample_count=sample_count,
        allow_partial_results=allow_partial_results,
        ignore_max_datapoints_per_request=ignore_max_datapoints_per_request,
        ignore_max_credits_per_request=ignore_max_credits_per_request,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    execution_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> Error | str | None:
    """Execution results (CSV)

     One page of an execution's result as CSV, header row included.

    Args:
        execution_id (str):
        limit (int | Unset):
        offset (int | Unset):
        columns (str | Unset):
        filters (str | Unset):
        sort_by (str | Unset):
        sample_count (int | Unset):
        allow_partial_results (bool | Unset):
        ignore_max_datapoints_per_request (bool | Unset):
        ignore_max_credits_per_request (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | str
    """

    return sync_detailed(
        execution_id=execution_id,
        client=client,
        limit=limit,
        offset=offset,
        columns=columns,
        filters=filters,
        sort_by=sort_by,
        sample_count=sample_count,
        allow_partial_results=allow_partial_results,
        ignore_max_datapoints_per_request=ignore_max_datapoints_per_request,
        ignore_max_credits_per_request=ignore_max_credits_per_request,
    ).parsed


async def asyncio_detailed(
    execution_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> Response[Error | str]:
    """Execution results (CSV)

     One page of an execution's result as CSV, header row included.

    Args:
        execution_id (str):
        limit (int | Unset):
        offset (int | Unset):
        columns (str | Unset):
        filters (str | Unset):
        sort_by (str | Unset):
        sample_count (int | Unset):
        allow_partial_results (bool | Unset):
        ignore_max_datapoints_per_request (bool | Unset):
        ignore_max_credits_per_request (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | str]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        limit=limit,
        offset=offset,
        columns=columns,
        filters=filters,
        sort_by=sort_by,
        sample_count=sample_count,
        allow_partial_results=allow_partial_results,
        ignore_max_datapoints_per_request=ignore_max_datapoints_per_request,
        ignore_max_credits_per_request=ignore_max_credits_per_request,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    execution_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> Error | str | None:
    """Execution results (CSV)

     One page of an execution's result as CSV, header row included.

    Args:
        execution_id (str):
        limit (int | Unset):
        offset (int | Unset):
        columns (str | Unset):
        filters (str | Unset):
        sort_by (str | Unset):
        sample_count (int | Unset):
        allow_partial_results (bool | Unset):
        ignore_max_datapoints_per_request (bool | Unset):
        ignore_max_credits_per_request (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | str
    """

    return (
        await asyncio_detailed(
            execution_id=execution_id,
            client=client,
            limit=limit,
            offset=offset,
            columns=columns,
            filters=filters,
            sort_by=sort_by,
            sample_count=sample_count,
            allow_partial_results=allow_partial_results,
            ignore_max_datapoints_per_request=ignore_max_datapoints_per_request,
            ignore_max_credits_per_request=ignore_max_credits_per_request,
        )
    ).parsed


def build_request(
    execution_id: str,
    *,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    columns: str | Unset = UNSET,
    filters: str | Unset = UNSET,
    sort_by: str | Unset = UNSET,
    sample_count: int | Unset = UNSET,
    allow_partial_results: bool | Unset = UNSET,
    ignore_max_datapoints_per_request: bool | Unset = UNSET,
    ignore_max_credits_per_request: bool | Unset = UNSET,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        execution_id=execution_id,
        limit=limit,
        offset=offset,
        columns=columns,
        filters=filters,
        sort_by=sort_by,
        sample_count=sample_count,
        allow_partial_results=allow_partial_results,
        ignore_max_datapoints_per_request=ignore_max_datapoints_per_request,
        ignore_max_credits_per_request=ignore_max_credits_per_request,
    )
