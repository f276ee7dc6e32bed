"""Agent engines: how an LLM agent node reaches its answer, behind one small interface and a registry."""

from runtime.nodes._agent_engines.base import AgentEngine, AgentRequest, AgentResult, call_tool
from runtime.nodes._agent_engines.registry import DEFAULT_ENGINE, ENGINES, get_engine

__all__ = ["DEFAULT_ENGINE", "ENGINES", "AgentEngine", "AgentRequest", "AgentResult", "call_tool", "get_engine"]
