"""Placeholder for the duneq command line (written separately)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Report that the CLI is not available yet; exit status 2."""
    print("duneq CLI: not yet available", file=sys.stderr)
    return 2
