from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.query_pipeline_response import QueryPipelineResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    query_id: int,
    *,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["performance"] = performance

    params["query_parameters"] = query_parameters

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/query/{query_id}/pipeline".format(
            query_id=quote(str(query_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | QueryPipelineResponse | None:
    if response.status_code == 200:
        response_200 = QueryPipelineResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

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
) -> Response[Error | QueryPipelineResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    query_id: int,
    *,
    client: AuthenticatedClient | Client,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> Response[Error | QueryPipelineResponse]:
    """Build a query's pipeline

     Returns the pipeline (the materialized views a query depends on, plus the query itself) in
    dependency order. Nothing is executed.

    Args:
        query_id (int):
        performance (str | Unset):
        query_parameters (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | QueryPipelineResponse]
    """

    kwargs = _get_kwargs(
        query_id=query_id,
        performance=performance,
        query_parameters=query_parameters,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    query_id: int,
    *,
    client: AuthenticatedClient | Client,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> Error | QueryPipelineResponse | None:
    """Build a query's pipeline

     Returns the pipeline (the materialized views a query depends on, plus the query itself) in
    dependency order. Nothing is executed.

    Args:
        query_id (int):
        performance (str | Unset):
        query_parameters (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | QueryPipelineResponse
    """

    return sync_detailed(
        query_id=query_id,
        client=client,
        performance=performance,
        query_parameters=query_parameters,
    ).parsed


async def asyncio_detailed(
    query_id: int,
    *,
    client: AuthenticatedClient | Client,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> Response[Error | QueryPipelineResponse]:
    """Build a query's pipeline

     Returns the pipeline (the materialized views a query depends on, plus the query itself) in
    dependency order. Nothing is executed.

    Args:
        query_id (int):
        performance (str | Unset):
        query_parameters (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | QueryPipelineResponse]
    """

    kwargs = _get_kwargs(
        query_id=query_id,
        performance=performance,
        query_parameters=query_parameters,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    query_id: int,
    *,
    client: AuthenticatedClient | Client,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> Error | QueryPipelineResponse | None:
    """Build a query's pipeline

     Returns the pipeline (the materialized views a query depends on, plus the query itself) in
    dependency order. Nothing is executed.

    Args:
        query_id (int):
        performance (str | Unset):
        query_parameters (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | QueryPipelineResponse
    """

    return (
        await asyncio_detailed(
            query_id=query_id,
            client=client,
            performance=performance,
            query_parameters=query_parameters,
        )
    ).parsed


def build_request(
    query_id: int,
    *,
    performance: str | Unset = UNSET,
    query_parameters: str | Unset = UNSET,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        query_id=query_id,
        performance=performance,
        query_parameters=query_parameters,
    )
