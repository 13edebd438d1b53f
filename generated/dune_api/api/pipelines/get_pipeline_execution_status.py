from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.pipeline_execution_status import PipelineExecutionStatus
from ...types import Response


def _get_kwargs(
    pipeline_execution_id: str,
) -> dict[str, Any]:
    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/pipelines/executions/{pipeline_execution_id}/status".format(
            pipeline_execution_id=quote(str(pipeline_execution_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | PipelineExecutionStatus | None:
    if response.status_code == 200:
        response_200 = PipelineExecutionStatus.from_dict(response.json())

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
) -> Response[Error | PipelineExecutionStatus]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    pipeline_execution_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | PipelineExecutionStatus]:
    """Pipeline execution status

     Overall status of a pipeline execution and the status of each node.

    Args:
        pipeline_execution_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PipelineExecutionStatus]
    """

    kwargs = _get_kwargs(
        pipeline_execution_id=pipeline_execution_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pipeline_execution_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | PipelineExecutionStatus | None:
    """Pipeline execution status

     Overall status of a pipeline execution and the status of each node.

    Args:
        pipeline_execution_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PipelineExecutionStatus
    """

    return sync_detailed(
        pipeline_execution_id=pipeline_execution_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    pipeline_execution_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | PipelineExecutionStatus]:
    """Pipeline execution status

     Overall status of a pipeline execution and the status of each node.

    Args:
        pipeline_execution_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PipelineExecutionStatus]
    """

    kwargs = _get_kwargs(
        pipeline_execution_id=pipeline_execution_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pipeline_execution_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | PipelineExecutionStatus | None:
    """Pipeline execution status

     Overall status of a pipeline execution and the status of each node.

    Args:
        pipeline_execution_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PipelineExecutionStatus
    """

    return (
        await asyncio_detailed(
            pipeline_execution_id=pipeline_execution_id,
            client=client,
        )
    ).parsed


def build_request(
    pipeline_execution_id: str,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        pipeline_execution_id=pipeline_execution_id,
    )
