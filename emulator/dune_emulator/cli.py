"""`python -m dune_emulator`: serve the emulator until Ctrl-C (also used by `duneq emulator`)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .config import DEFAULT_DEV_KEY, DEFAULT_OWNER_HANDLE, EmulatorConfig

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
    add_seed_flags(parser)
    return parser


def add_seed_flags(parser: argparse.ArgumentParser) -> None:
    """`--fixtures` and `--owner-handle`, shared with `duneq emulator`."""
    parser.add_argument(
        "--fixtures",
        metavar="FILE",
        default=None,
        help="seed queries, executions, uploads and views from this YAML/JSON file",
    )
    parser.add_argument(
        "--owner-handle",
        metavar="HANDLE",
        default=DEFAULT_OWNER_HANDLE,
        help=f"the key's user: owner and namespace of uploads and views "
        f"(default {DEFAULT_OWNER_HANDLE})",
    )


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    keys = list(args.api_key or [])
    if not keys:
        keys = [k.strip() for k in os.environ.get(ENV_KEYS, "").split(",") if k.strip()]
    return EmulatorConfig(
        api_keys=tuple(keys or [DEFAULT_DEV_KEY]),
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        owner_handle=args.owner_handle,
        fixtures=args.fixtures,
    )


def main(argv: Sequence[str] | None = None, prog: str = "python -m dune_emulator") -> int:
    """Parse `argv`, start the emulator, print its base URL and key, serve until interrupted."""
    from .server import EmulatorServer

    parser = build_parser(prog)
    args = parser.parse_args(argv)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # Installed before start-up (seeding fixtures may take a while), and for SIGINT too:
        # a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: stop.set())
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
    print(
        "sample data: tables dex.trades, tokens.transfers, samples.all_types; saved queries "
        "1 (chain), 2 (n), 3 (day), 1215383 (chain). Try: duneq run 1215383 --limit 20"
    )
    if args.data_dir:
        print(f"data dir: {args.data_dir}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(1.0):  # a timed wait: signal handlers run promptly
            pass
        print("stopping", file=sys.stderr)
    except KeyboardInterrupt:  # not the main thread's handlers (embedded use)
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0
