from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.insert_rows_response import InsertRowsResponse
from ...types import File, Response


def _get_kwargs(
    namespace: str,
    table_name: str,
    *,
    body: File,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/uploads/{namespace}/{table_name}/insert".format(
            namespace=quote(str(namespace), safe=""),
            table_name=quote(str(table_name), safe=""),
        ),
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = body.mime_type or "text/csv"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | InsertRowsResponse | None:
    if response.status_code == 200:
        response_200 = InsertRowsResponse.from_dict(response.json())

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
) -> Response[Error | InsertRowsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    namespace: str,
    table_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> Response[Error | InsertRowsResponse]:
    """Append rows to a table

     Appends rows atomically. The body is CSV whose header names the columns, or newline-delimited JSON
    with one object per row; Content-Type says which.

    Args:
        namespace (str):
        table_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InsertRowsResponse]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        table_name=table_name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    namespace: str,
    table_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> Error | InsertRowsResponse | None:
    """Append rows to a table

     Appends rows atomically. The body is CSV whose header names the columns, or newline-delimited JSON
    with one object per row; Content-Type says which.

    Args:
        namespace (str):
        table_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InsertRowsResponse
    """

    return sync_detailed(
        namespace=namespace,
        table_name=table_name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    namespace: str,
    table_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> Response[Error | InsertRowsResponse]:
    """Append rows to a table

     Appends rows atomically. The body is CSV whose header names the columns, or newline-delimited JSON
    with one object per row; Content-Type says which.

    Args:
        namespace (str):
        table_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InsertRowsResponse]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        table_name=table_name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    namespace: str,
    table_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> Error | InsertRowsResponse | None:
    """Append rows to a table

     Appends rows atomically. The body is CSV whose header names the columns, or newline-delimited JSON
    with one object per row; Content-Type says which.

    Args:
        namespace (str):
        table_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InsertRowsResponse
    """

    return (
        await asyncio_detailed(
            namespace=namespace,
            table_name=table_name,
            client=client,
            body=body,
        )
    ).parsed


def build_request(
    namespace: str,
    table_name: str,
    *,
    body: File,
) -> dict[str, Any]:
    """The method, URL, query parameters, body and headers of this call, as keyword arguments
    for ``httpx.Client.request``: for callers that send the request on their own transport."""
    return _get_kwargs(
        namespace=namespace,
        table_name=table_name,
        body=body,
    )
