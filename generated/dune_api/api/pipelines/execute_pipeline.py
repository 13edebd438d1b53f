from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.execute_pipeline_request import ExecutePipelineRequest
from ...models.pipeline_execution_response import PipelineExecutionResponse
from ...types import Response


def _get_kwargs(
    *,
    body: ExecutePipelineRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/pipelines/execute",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | PipelineExecutionResponse | None:
    if response.status_code == 200:
        response_200 = PipelineExecutionResponse.from_dict(response.json())

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
) -> Response[Error | PipelineExecutionResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ExecutePipelineRequest,
) -> Response[Error | PipelineExecutionResponse]:
    """Execute a pipeline

     Starts a pipeline. The body is either an explicit definition (`pipeline`, as returned by
    get_query_pipeline) or a query to build one from (`query_id`, `performance`, `query_parameters`);
    both shapes are documented by Dune.

    Args:
        body (ExecutePipelineRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PipelineExecutionResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ExecutePipelineRequest,
) -> Error | PipelineExecutionResponse | None:
    """Execute a pipeline

     Starts a pipeline. The body is either an explicit definition (`pipeline`, as returned by
    get_query_pipeline) or a query to build one from (`query_id`, `performance`, `query_parameters`);
    both shapes are documented by Dune.

    Args:
        body (ExecutePipelineRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PipelineExecutionResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ExecutePipelineRequest,
) -> Response[Error | PipelineExecutionResponse]:
    """Execute a pipeline

     Starts a pipeline. The body is either an explicit definition (`pipeline`, as returned by
    get_query_pipeline) or a query to build one from (`query_id`, `performance`, `query_parameters`);
    both shapes are documented by Dune.

    Args:
        body (ExecutePipelineRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PipelineExecutionResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ExecutePipelineRequest,
) -> Error | PipelineExecutionResponse | None:
    """Execute a pipeline

     Starts a pipeline. The body is either an explicit definition (`pipeline`, as returned by
    get_query_pipeline) or a query to build one from (`query_id`, `performance`, `query_parameters`);
    both shapes are documented by Dune.

    Args:
        body (ExecutePipelineRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PipelineExecutionResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


def build_request(
    *,
    body: ExecutePipelineRequest,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        body=body,
    )
