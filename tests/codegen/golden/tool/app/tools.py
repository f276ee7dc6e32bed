"""The tools the graph's agents and tool nodes call, by catalogue id, built as the lcnc platform builds them.

Built-in tools are carried code (builtin.current_time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lcnc_nodes._tools import BUILTIN_TOOLS, Tool
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import RunServices


def build_tools(settings: Settings, services: RunServices) -> dict[str, Tool]:
    """The tools every run gets, built once when the app starts: the built-in ones."""
    tools: dict[str, Tool] = dict(BUILTIN_TOOLS)
    return tools
