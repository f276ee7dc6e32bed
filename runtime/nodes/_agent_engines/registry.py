"""The registry of agent engines: one plain dict, one line per engine.

Adding a framework is a module with a class that has ``async run(request, ctx) -> AgentResult`` and a line
here; the LLM agent node's ``engine`` field offers every name of this dict (the editor renders it from the JSON
Schema), so nothing else changes.
"""

from __future__ import annotations

from runtime.nodes._agent_engines import react
from runtime.nodes._agent_engines.base import AgentEngine

DEFAULT_ENGINE = "react"

ENGINES: dict[str, AgentEngine] = {
    "react": react.ReactEngine(),
}


def get_engine(name: str) -> AgentEngine:
    """The engine registered under ``name``; ``KeyError`` when none is (configs are validated before runs)."""
    return ENGINES[name]
