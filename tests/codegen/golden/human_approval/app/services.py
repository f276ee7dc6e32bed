"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

This graph's nodes need none: no HTTP policy, vector store, SQL connection or MCP server.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import Settings


@dataclass(frozen=True)
class RunServices:
    """The services of every run: none for this graph."""


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs: none for this graph."""
    return RunServices()
