"""The ``duneq`` command: run Dune queries and SQL from a terminal, script or CI job.

A layer above the library, never imported by it. argparse keeps start-up fast: the library,
rich, pyarrow and the emulator are imported only when a command needs them. Data goes to
stdout (or ``--out``); progress, warnings, errors and the cost line go to stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import TextIO

from .errors import EXIT_INTERRUPTED, UsageError, error_line, exit_code_for
from .parser import build_parser

__all__ = ["main"]


# --------------------------------------------------------------------------- entry point


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    from duneq import PartialResultWarning

    text = str(message).replace("\n", " ")
    if isinstance(message, PartialResultWarning):
        where = f" [execution_id={message.execution_id}]" if message.execution_id else ""
        text = (
            "the result is partial (truncated by Dune); --partial allow silences this, "
            f"--partial error refuses it{where}"
        )
    from .progress import say

    say(f"warning: {text}")  # above a live progress line, never on it


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``duneq`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(error_line(exc), file=sys.stderr)
        return exit_code_for(exc)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    from duneq import DuneWarning

    from .commands import HANDLERS, base_url_of

    handler = HANDLERS[args.command]
    with warnings.catch_warnings():
        warnings.simplefilter("always", DuneWarning)
        warnings.showwarning = _show_warning
        try:
            return handler(args)
        except BrokenPipeError:
            # the reader (`| head`) is gone: stop quietly, and keep the exit-time flush quiet
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if args.debug:
                traceback.print_exc()
            print(error_line(exc, base_url=base_url_of(args)), file=sys.stderr)
            return exit_code_for(exc)
