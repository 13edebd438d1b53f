"""The sync client's http.client transport over real loopback sockets: keep-alive reuse, an
idle connection the server closed, chunked bodies, a body cut short, TLS, and the typed
failures the retry loop classifies. A few scripted servers answer what the emulator never
sends (a close between requests, a chunked body, a cut Content-Length)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duneq
import httpx
import pytest
from dune_emulator import EmulatorHandle
from duneq._transport.drivers import transport_failure
from duneq._transport.stdlib import StdlibTransport

Handler = Callable[[socket.socket, int], None]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return data
        data += part
    return data


class _Server:
    """A loopback server that runs ``handler(connection, n)`` for its n-th connection."""

    def __init__(self, handler: Handler, wrap: ssl.SSLContext | None = None) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._handler, self._wrap = handler, wrap
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self._wrap is not None:
                try:
                    conn = self._wrap.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    continue
            threading.Thread(
                target=self._handler, args=(conn, self.connections), daemon=True
            ).start()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., _Server]]:
    servers: list[_Server] = []

    def start(handler: Handler, wrap: ssl.SSLContext | None = None) -> _Server:
        servers.append(_Server(handler, wrap))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _client(port: int, scheme: str = "http", ctx: ssl.SSLContext | None = None) -> httpx.Client:
    transport = StdlibTransport(ctx or ssl.create_default_context())
    return httpx.Client(base_url=f"{scheme}://127.0.0.1:{port}", transport=transport, timeout=5)


def _ok(body: bytes, *, close: bool = False) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


def test_keep_alive_reuses_one_connection_and_reads_large_bodies_whole(
    serve: Callable[..., _Server],
) -> None:
    body = bytes(range(256)) * 40_000  # 10 MB: read in a few large chunks, byte-exact

    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            while _read_request(conn):
                conn.sendall(_ok(body))

    server = serve(handler)
    with _client(server.port) as http:
        for _ in range(5):
            response = http.get("/page")
            assert response.status_code == 200 and response.content == body
    assert server.connections == 1


def test_an_idle_connection_the_server_closed_is_replaced_not_failed(
    serve: Callable[..., _Server],
) -> None:
    """The server answers one request per connection, then closes it without saying so:
    the next request must notice the closed idle socket and open a new connection."""

    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            if _read_request(conn):
                conn.sendall(_ok(f"answer {n}".encode()))

    server = serve(handler)
    with _client(server.port) as http:
        answers = []
        for _ in range(3):
            answers.append(http.get("/x").text)
            # let the server's close reach us before the next request
            threading.Event().wait(0.05)
    assert answers == ["answer 1", "answer 2", "answer 3"] and server.connections == 3


def test_connection_close_and_chunked_bodies(serve: Callable[..., _Server]) -> None:
    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            if n == 1:
                _read_request(conn)
                conn.sendall(_ok(b"closing", close=True))
                return
            while _read_request(conn):
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                )

    server = serve(handler)
    with _client(server.port) as http:
        assert http.get("/a").text == "closing"
        assert http.get("/b").text == "hello world"
        assert http.get("/c").text == "hello world"
    assert server.connections == 2  # the closed one replaced once, the chunked one kept


def test_a_streamed_request_body_is_sent_whole_with_its_length(
    serve: Callable[..., _Server],
) -> None:
    seen: list[bytes] = []

    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            data = _read_request(conn)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += conn.recv(65536)
            seen.extend([head.lower(), rest])
            conn.sendall(_ok(b"ok"))

    server = serve(handler)
    with _client(server.port) as http:
        chunks = iter([b"a,b\n", b"1,2\n", b"3,4\n"])  # no length known: httpx says chunked
        assert http.post("/upload", content=chunks).text == "ok"
    head, body = seen
    assert b"transfer-encoding" not in head and b"content-length: 12" in head
    assert body == b"a,b\n1,2\n3,4\n"


def test_a_body_cut_short_is_a_protocol_failure_never_a_short_body(
    serve: Callable[..., _Server],
) -> None:
    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            _read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 400)

    server = serve(handler)
    with _client(server.port) as http, pytest.raises(httpx.RemoteProtocolError) as info:
        http.get("/cut")
    assert "600 bytes missing" in str(info.value)
    assert transport_failure(info.value).kind == "protocol"


def test_no_answer_and_no_listener_are_typed_failures(serve: Callable[..., _Server]) -> None:
    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            _read_request(conn)  # then close without a word

    server = serve(handler)
    with _client(server.port) as http, pytest.raises(httpx.RemoteProtocolError):
        http.get("/silent")
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with _client(port) as http, pytest.raises(httpx.ConnectError) as info:
        http.get("/nobody")
    assert transport_failure(info.value).kind == "refused"


def test_a_silent_server_times_out_as_a_read_timeout(serve: Callable[..., _Server]) -> None:
    stop = threading.Event()

    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            _read_request(conn)
            stop.wait(10)

    server = serve(handler)
    transport = StdlibTransport(ssl.create_default_context())
    url = f"http://127.0.0.1:{server.port}"
    http = httpx.Client(base_url=url, transport=transport, timeout=0.2)
    with http, pytest.raises(httpx.ReadTimeout):
        http.get("/slow")
    stop.set()
    assert transport_failure(httpx.ReadTimeout("x")).kind == "timeout"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_with_a_verified_certificate(serve: Callable[..., _Server], tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)

    def handler(conn: socket.socket, n: int) -> None:
        with conn:
            while _read_request(conn):
                conn.sendall(_ok(b"secret"))

    server = serve(handler, wrap=server_ctx)
    trusting = ssl.create_default_context(cafile=str(cert))
    with _client(server.port, "https", trusting) as http:
        assert [http.get("/s").text for _ in range(3)] == ["secret"] * 3
    assert server.connections == 1
    with _client(server.port, "https") as http, pytest.raises(httpx.ConnectError) as info:
        http.get("/s")  # the system's CAs do not know this certificate
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


def test_the_sync_client_reads_through_it_and_closes_its_connections(
    dune_emulator: EmulatorHandle,
) -> None:
    with duneq.Client(dune_emulator.api_key, base_url=dune_emulator.base_url) as dune:
        result = dune.run_sql("select range as n from range(3000)", page_size=1000)
        assert [row["n"] for row in result.rows] == list(range(3000))
        transport = dune.lowlevel.get_httpx_client()._transport
    inner = transport.inner  # type: ignore[attr-defined]  # the guarded transport's connections
    assert isinstance(inner, StdlibTransport)
    assert inner._closed and not any(inner._idle.values())
