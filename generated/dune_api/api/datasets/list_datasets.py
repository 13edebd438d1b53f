from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_datasets_response import ListDatasetsResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["limit"] = limit

    params["offset"] = offset

    params["owner_handle"] = owner_handle

    params["type"] = type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/datasets",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListDatasetsResponse | None:
    if response.status_code == 200:
        response_200 = ListDatasetsResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | ListDatasetsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Response[Error | ListDatasetsResponse]:
    """List datasets

     Tables and views in the Dune catalog, filtered by owner and kind.

    Args:
        limit (int | Unset):
        offset (int | Unset):
        owner_handle (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListDatasetsResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        offset=offset,
        owner_handle=owner_handle,
        type_=type_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Error | ListDatasetsResponse | None:
    """List datasets

     Tables and views in the Dune catalog, filtered by owner and kind.

    Args:
        limit (int | Unset):
        offset (int | Unset):
        owner_handle (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListDatasetsResponse
    """

    return sync_detailed(
        client=client,
        limit=limit,
        offset=offset,
        owner_handle=owner_handle,
        type_=type_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Response[Error | ListDatasetsResponse]:
    """List datasets

     Tables and views in the Dune catalog, filtered by owner and kind.

    Args:
        limit (int | Unset):
        offset (int | Unset):
        owner_handle (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListDatasetsResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        offset=offset,
        owner_handle=owner_handle,
        type_=type_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Error | ListDatasetsResponse | None:
    """List datasets

     Tables and views in the Dune catalog, filtered by owner and kind.

    Args:
        limit (int | Unset):
        offset (int | Unset):
        owner_handle (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListDatasetsResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            offset=offset,
            owner_handle=owner_handle,
            type_=type_,
        )
    ).parsed


def build_request(
    *,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    owner_handle: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        limit=limit,
        offset=offset,
        owner_handle=owner_handle,
        type_=type_,
    )
