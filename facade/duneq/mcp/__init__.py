"""``duneq mcp``: Dune as a Model Context Protocol tool server for AI agents.

A layer above the library (like the CLI), never imported by it; it needs the ``duneq[mcp]`` extra.
"""

from __future__ import annotations

from .budget import Budget, BudgetExceeded
from .server import ServerConfig, build_server, serve, server_client

__all__ = ["Budget", "BudgetExceeded", "ServerConfig", "build_server", "serve", "server_client"]
