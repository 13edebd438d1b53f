"""The sync client's HTTP/1.1 connections, on the standard library's ``http.client``: an
httpx transport with keep-alive per host. A result page (megabytes of CSV) is read in a few
large chunks straight from the socket, where httpcore copies it four times through h11 in
64 KiB steps (measured on 150 MB of pages through ``httpx.Client``: 0.10 s CPU against 0.22 s).
Errors are httpx's own exception types, so retries, deadlines and messages are unchanged."""

from __future__ import annotations

import contextlib
import http.client
import select
import ssl
import threading
from collections.abc import Iterator
from typing import NamedTuple

import httpx

#: The most one read of a response body asks the socket for.
CHUNK = 1 << 20
#: Idle connections kept per host (more than the reader's workers plus the caller).
IDLE_PER_HOST = 8

_Key = tuple[str, str, int]


class StdlibTransport(httpx.BaseTransport):
    """HTTP/1.1 over ``http.client`` connections kept alive per (scheme, host, port)."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._ssl = ssl_context
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"URL scheme {url.scheme!r} is not supported")
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        conn = self._checkout(key, timeouts.get("connect"))
        try:
            response = self._exchange(conn, request, timeouts)
        except BaseException:
            conn.close()
            raise
        reason = response.reason or ""
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=_Body(self, key, conn, response),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason.encode("latin-1")},
            request=request,
        )

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        request: httpx.Request,
        timeouts: dict[str, float | None],
    ) -> http.client.HTTPResponse:
        body = request.read()
        target = request.url.raw_path.decode("ascii")
        with _as_httpx(CONNECT, request):
            if conn.sock is None:
                conn.connect()
        sock = conn.sock
        with _as_httpx(WRITE, request):
            sock.settimeout(timeouts.get("write"))
            conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in _framed(request.headers.raw, body):
                conn.putheader(name, value)
            conn.endheaders(body or None)
        with _as_httpx(READ, request):
            sock.settimeout(timeouts.get("read"))
            return conn.getresponse()

    def _checkout(self, key: _Key, connect_timeout: float | None) -> http.client.HTTPConnection:
        """An idle connection that the server has not closed meanwhile, or a new one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the transport has been closed.")
            idle = self._idle.get(key, [])
            while idle:
                conn = idle.pop()
                if _still_open(conn):
                    return conn
                conn.close()
        scheme, host, port = key
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._ssl
            )
        return http.client.HTTPConnection(host, port, timeout=connect_timeout)

    def checkin(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        """Keep a connection whose response was read to its end, for the next request."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if self._closed or len(idle) >= IDLE_PER_HOST:
                conn.close()
            else:
                idle.append(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns = [conn for idle in self._idle.values() for conn in idle]
            self._idle.clear()
        for conn in conns:
            conn.close()


def _framed(raw: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[str, str]]:
    """The request's headers for a body sent whole: a streamed body (``Transfer-Encoding:
    chunked``) was read into ``body``, so it goes with its ``Content-Length`` instead."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    if not any(k.lower() == "transfer-encoding" for k, _ in headers):
        return headers
    kept = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-length")]
    return [*kept, ("Content-Length", str(len(body)))]


class _Phase(NamedTuple):
    """How one step of an exchange reports a failure as httpx does."""

    timeout: type[httpx.TimeoutException]
    failure: type[httpx.TransportError]
    timed_out: str
    #: The standard library's errors that are this step's ``failure``.
    errors: tuple[type[Exception], ...] = (OSError,)


CONNECT = _Phase(httpx.ConnectTimeout, httpx.ConnectError, "timed out connecting")
WRITE = _Phase(httpx.WriteTimeout, httpx.WriteError, "timed out sending")
READ = _Phase(httpx.ReadTimeout, httpx.ReadError, "timed out reading")
#: ValueError: a read on a closed file (the connection reset mid-body).
BODY = _Phase(
    httpx.ReadTimeout, httpx.ReadError, "timed out reading the body", (OSError, ValueError)
)


@contextlib.contextmanager
def _as_httpx(phase: _Phase, request: httpx.Request | None = None) -> Iterator[None]:
    """Raise the standard library's connection failures as httpx's exception types, so the
    retry rules and messages are the same as with httpx's own transport."""
    try:
        yield
    except TimeoutError as exc:  # before OSError: socket timeouts are OSErrors too
        raise phase.timeout(str(exc) or phase.timed_out, request=request) from exc
    except http.client.RemoteDisconnected as exc:  # an OSError and an HTTPException
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        ) from exc
    except http.client.IncompleteRead as exc:
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            f"({exc.partial and len(exc.partial)} bytes read)",
            request=request,
        ) from exc
    except http.client.HTTPException as exc:
        raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request) from exc
    except phase.errors as exc:  # refused, unreachable, name resolution, TLS, reset
        raise phase.failure(str(exc) or type(exc).__name__, request=request) from exc


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """An idle connection is reusable while nothing is waiting on it: a readable idle socket
    means the server closed it (or sent something unasked)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _Body(httpx.SyncByteStream):
    """A response body read in chunks of at most ``CHUNK`` bytes; the connection goes back to
    the pool only when the body was read to its end and the server keeps it alive."""

    def __init__(
        self,
        transport: StdlibTransport,
        key: _Key,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
    ) -> None:
        self._transport, self._key, self._conn, self._response = transport, key, conn, response
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        with _as_httpx(BODY):
            while True:
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                yield chunk
        left = response.length
        if left:  # the socket ended before Content-Length said it would
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                f"({left} bytes missing)"
            )
        self._done = True

    def close(self) -> None:
        response, conn = self._response, self._conn
        # read to its end (the Content-Length all read, or the last chunk) and kept alive
        reusable = self._done and not response.will_close
        response.close()
        if reusable and conn.sock is not None:
            self._transport.checkin(self._key, conn)
        else:
            conn.close()


__all__ = ["StdlibTransport"]
