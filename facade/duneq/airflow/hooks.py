"""``DuneHook``: a ``dune`` connection as a duneq client. The password is the API key, the
host the base URL (scheme and port included, or from the port field), and the extras carry
``timeout`` (per request, seconds), ``wait_timeout``, ``max_credits``, ``max_datapoints``,
``performance`` and ``page_size``."""

from __future__ import annotations

from typing import Any

from .._client import AsyncClient, Client
from .._errors import InvalidArgument
from ._compat import BaseHook

EXTRAS = {
    "timeout": float,
    "wait_timeout": float,
    "max_credits": float,
    "max_datapoints": int,
    "performance": str,
    "page_size": int,
}


def client_kwargs(conn: Any, **overrides: Any) -> dict[str, Any]:
    """A client's arguments from an Airflow connection (and the operator's overrides)."""
    kwargs: dict[str, Any] = {"cache": False}
    if conn.password:
        kwargs["api_key"] = conn.password
    host = (conn.host or "").strip().rstrip("/")
    if host:
        if "://" not in host:
            host = f"{conn.schema or 'https'}://{host}"
        if conn.port and host.count(":") < 2:
            host = f"{host}:{conn.port}"
        kwargs["base_url"] = host
    extra = conn.extra_dejson or {}
    for name, value in extra.items():
        kind = EXTRAS.get(name)
        if kind is None:
            raise InvalidArgument(
                f"connection {conn.conn_id!r}: unknown extra {name!r} (known: {', '.join(EXTRAS)})"
            )
        if value is not None:
            try:
                kwargs[name] = kind(value)
            except (TypeError, ValueError):
                raise InvalidArgument(
                    f"connection {conn.conn_id!r}: extra {name!r} must be {kind.__name__}, "
                    f"got {value!r}"
                ) from None
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return kwargs


class DuneHook(BaseHook):  # type: ignore[misc]
    """The Dune API through an Airflow connection of type ``dune``."""

    conn_name_attr = "dune_conn_id"
    default_conn_name = "dune_default"
    conn_type = "dune"
    hook_name = "Dune"

    def __init__(self, dune_conn_id: str = default_conn_name, **overrides: Any) -> None:
        super().__init__()
        self.dune_conn_id = dune_conn_id
        self.overrides = overrides

    def get_conn(self) -> Client:
        """A new ``duneq.Client`` (use it as a context manager)."""
        conn = self.get_connection(self.dune_conn_id)
        return Client(**client_kwargs(conn, **self.overrides))

    async def get_async_conn(self) -> AsyncClient:
        """A new ``duneq.AsyncClient``, for triggers (the connection read without blocking)."""
        conn = await self.aget_connection(self.dune_conn_id)
        return AsyncClient(**client_kwargs(conn, **self.overrides))

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["login", "schema"],
            "relabeling": {"password": "API key", "host": "Base URL (https://api.dune.com)"},
            "placeholders": {
                "extra": '{"timeout": 60, "wait_timeout": 1800, "max_credits": 500}',
            },
        }
