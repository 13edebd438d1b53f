"""`python -m dune_emulator`: serve the emulator until Ctrl-C (also used by `duneq emulator`)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .config import DEFAULT_DEV_KEY, EmulatorConfig

ENV_KEYS = "DUNE_EMULATOR_API_KEYS"


def build_parser(prog: str = "python -m dune_emulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Run the local Dune API emulator.")
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port (default 8080; 0 = any free port)"
    )
    parser.add_argument("--data-dir", default=None, help="keep queries, tables and results here")
    parser.add_argument(
        "--api-key",
        action="append",
        default=None,
        help=f"accepted API key (repeatable; default from ${ENV_KEYS}, else a dev key)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    keys = list(args.api_key or [])
    if not keys:
        keys = [k.strip() for k in os.environ.get(ENV_KEYS, "").split(",") if k.strip()]
    return EmulatorConfig(
        api_keys=tuple(keys or [DEFAULT_DEV_KEY]),
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
    )


def main(argv: Sequence[str] | None = None, prog: str = "python -m dune_emulator") -> int:
    """Parse `argv`, start the emulator, print its base URL and key, serve until interrupted."""
    from .server import EmulatorServer

    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        server = EmulatorServer(config)
        handle = server.start()
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Dune emulator listening on {handle.base_url}  (API at {handle.base_url}/api/v1)")
    print(f"export DUNE_API_BASE_URL={handle.base_url}")
    print(f"export DUNE_API_KEY={handle.api_key}")
    if args.data_dir:
        print(f"data dir: {args.data_dir}")
    print("Press Ctrl-C to stop.", flush=True)
    if threading.current_thread() is threading.main_thread():
        # A shell starts background jobs with SIGINT ignored; take both signals back.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
