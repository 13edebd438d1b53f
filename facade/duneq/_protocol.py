"""Sans-IO actions exchanged between flows and drivers: requests, sleeps, notices and replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._policy.retry import FailureKind, RequestKind


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``path`` is relative to ``{base}/api`` (it starts with ``/v1/``)."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    #: A raw body (CSV or NDJSON upload chunks), sent with ``headers`` (its Content-Type).
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    kind: RequestKind = "idempotent"
    #: The billing table's operation (``_operations.OPERATIONS``) the builder made it for;
    #: None for a raw request, whose operation is found from its method and path.
    operation: str | None = None
    execution_id: str | None = None
    #: Deliver a successful body piece by piece to this sink as it arrives (CSV pages are
    #: copied to disk and never held whole); ``RawResponse.content`` is then empty.
    sink: ChunkSink | None = None
    #: Seconds this attempt may take in all (a wait's time left); None: the client's timeouts.
    timeout: float | None = None

    @property
    def display_path(self) -> str:
        """The path as it appears on the wire, used in error messages (never with a key)."""
        return "/api" + self.path


class ChunkSink:
    """Receives a streamed body; ``begin`` is called before every attempt so that a retried
    request can take back what a broken attempt wrote."""

    def begin(self) -> None:
        """Start (or restart) the body of one attempt."""

    def headers(self, headers: Mapping[str, str]) -> None:
        """The headers of a 2xx answer whose body is about to stream in."""

    def write(self, chunk: bytes) -> None:
        """One network-sized piece of the body."""
        raise NotImplementedError


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to sleep (time.sleep or asyncio.sleep, or an injected one)."""

    seconds: float


@dataclass(frozen=True)
class Notice:
    """Ask the driver to emit a warning at the caller's line (never at a duneq line)."""

    warning: Warning


@dataclass(frozen=True)
class Retrying:
    """A failed attempt about to be retried, for a ``FlowContext.on_retry`` observer (the CLI
    shows it at once): ``cause`` is the failure ("connect: ...", "HTTP 503"), ``retry`` counts
    from 1 up to ``max_retries``, and ``delay`` is the pause in seconds before it."""

    request: Request
    cause: str
    retry: int
    max_retries: int
    delay: float


@dataclass(frozen=True)
class FetchProgress:
    """A result read's progress, told after each page is delivered (``Client(on_fetch=...)``):
    pages and rows delivered so far, body bytes received (CSV pages; JSON pages count 0), and
    the totals when the status told them."""

    execution_id: str
    pages: int
    rows: int
    bytes: int
    total_rows: int | None
    total_pages: int | None

    @property
    def fraction(self) -> float | None:
        """Rows delivered over the total, when known (for a progress bar)."""
        if not self.total_rows:
            return None if self.total_rows is None else 1.0
        return min(self.rows / self.total_rows, 1.0)


@dataclass(frozen=True)
class RawResponse:
    """What a driver returns for a completed HTTP exchange."""

    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True)
class TransportFailure:
    """What a driver returns when no (complete) response arrived; ``kind`` drives the retry
    rule."""

    kind: FailureKind
    detail: str
    #: ``host:port`` the connection was for (None if unknown), named in the error.
    address: str | None = None


Action = Request | Sleep | Notice
Reply = RawResponse | TransportFailure | None
