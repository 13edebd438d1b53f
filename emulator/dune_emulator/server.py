"""Run the emulator: uvicorn in a background thread on loopback, as a context manager."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from .app import create_app
from .config import EmulatorConfig
from .control_client import EmulatorControl
from .dialect import warm_up
from .faults import ConnectionTable
from .state import EmulatorState

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 15.0


@dataclass
class EmulatorHandle:
    """A running emulator: where it is, a key it accepts, and its control client."""

    base_url: str
    api_key: str
    control: EmulatorControl
    config: EmulatorConfig
    state: EmulatorState = field(repr=False)

    @property
    def api_url(self) -> str:
        """`{base_url}/api`, the base URL for the generated client."""
        return f"{self.base_url}/api"


class EmulatorServer:
    """uvicorn serving one `EmulatorState` in a daemon thread; `stop()` leaves nothing behind."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    def start(self) -> EmulatorHandle:
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP; without it every keep-alive response waits ~40 ms (Nagle).
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.config.port))
        except OSError as exc:
            sock.close()
            self.state.close()
            raise OSError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror}"
            ) from None
        self.port = sock.getsockname()[1]
        self._sock = sock
        uv_config = uvicorn.Config(
            create_app(self.state),
            log_level="warning",
            access_log=False,
            date_header=False,  # the gateway sends Date on the emulator clock
            lifespan="off",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
            http=_tracking_protocol(self.state.connections),
        )
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="dune-emulator", daemon=True
        )
        self._thread.start()
        warm_up()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server failed to start")
            time.sleep(0.005)
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        base_url = f"http://{host}:{self.port}"
        return EmulatorHandle(
            base_url=base_url,
            api_key=self.config.api_keys[0],
            control=EmulatorControl(base_url),
            config=self.config,
            state=self.state,
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                log.warning("the emulator thread did not stop within 10 s")
        if self._sock is not None:
            self._sock.close()
        self.state.close()


def _tracking_protocol(table: ConnectionTable) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, also recording each connection in `table` (drop faults)."""

    class TrackingProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.tracked_transport = transport
            table.opened(transport)
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            table.closed(self.tracked_transport)
            super().connection_lost(exc)

    return TrackingProtocol


@contextmanager
def run_emulator(config: EmulatorConfig | None = None) -> Iterator[EmulatorHandle]:
    """Start an emulator on a free loopback port; stop it (thread and port) on exit."""
    server = EmulatorServer(config or EmulatorConfig())
    handle = server.start()
    try:
        yield handle
    finally:
        handle.control.close()
        server.stop()
