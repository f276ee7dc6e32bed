"""The interface an agent engine implements: run one LLM agent node's task to a final answer.

An engine gets the node's model settings, the first messages (system prompt and rendered user prompt), the
tools the node may call and its step bound; it answers with the final text, the whole conversation and the
node memory to keep. Engines report what they do through ``ctx.event`` (tokens and ``llm_call`` through
``runtime.nodes._providers.ask``, tool calls through :func:`call_tool`), so every engine's runs are traced
and streamed alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.nodes._context import NodeContext
from runtime.nodes._llm_config import ModelConfig
from runtime.nodes._providers import Message
from runtime.nodes._template import to_text
from runtime.nodes._tools import Tool


@dataclass(frozen=True, slots=True)
class AgentRequest:
    """What the LLM agent node hands to its engine."""

    model: ModelConfig  # provider, model, temperature, max_tokens, script (the node's config)
    messages: list[Message]  # system prompt (when set) and the rendered user prompt
    tools: Mapping[str, Tool] = field(default_factory=dict)  # tool id -> tool, only those the node lists
    max_steps: int = 5  # bound on model calls


@dataclass(frozen=True, slots=True)
class AgentResult:
    text: str  # the final answer
    messages: list[Message]  # the whole conversation, tool calls included
    memory: dict[str, Any]  # the node memory to keep (e.g. the scripted provider's position)


class AgentEngine(Protocol):
    """Runs an agent to its final answer; raises ``NodeError`` when it cannot (e.g. no answer within the bound)."""

    async def run(self, request: AgentRequest, ctx: NodeContext) -> AgentResult: ...


async def call_tool(tool: Tool | None, call: dict[str, Any], ctx: NodeContext) -> str:
    """Run one tool call and send its ``tool_call`` event; errors go back to the model as text so it can recover."""
    if tool is None:
        text, fields = f"error: unknown tool '{call['name']}'", {"error": "unknown tool"}
    else:
        try:
            result = await tool.invoke(call["arguments"])
            text, fields = to_text(result), {"result": result}
        except Exception as exc:  # any tool failure is reported to the model, not raised
            text, fields = f"error: {exc}", {"error": str(exc)}
    await ctx.event("tool_call", tool=call["name"], call_id=call["id"], arguments=call["arguments"], **fields)
    return text
