"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

Nodes read them from their context (``ctx.services``, ``ctx.tools``). Nothing connects while they are built: a
connection is opened when a node needs one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from app.lcnc_nodes._tools import Tool
from app.settings import Settings
from app.tools import build_tools


@dataclass(frozen=True)
class RunServices:
    """The services of every run (the lcnc runtime's RunServices, reduced to what this graph uses)."""

    tools: Mapping[str, Tool] = field(default_factory=dict)  # what agents and tool nodes call, by tool id


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs; the app builds them once, when it starts."""
    services = RunServices()
    return replace(services, tools=build_tools(settings, services))
