"""The one small interface every LLM provider implements.

Messages are plain dicts, OpenAI-shaped: ``{"role": "system"|"user"|"assistant"|"tool", "content": str}``,
an assistant message may carry ``tool_calls: [{"id", "name", "arguments": dict}]`` and a tool message
``tool_call_id`` and ``name``. A completion is ``{"content", "tool_calls", "usage", "finish_reason"}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from runtime.nodes._context import NodeError

Message = dict[str, Any]
Completion = dict[str, Any]


class ProviderError(NodeError):
    """A provider call failed; ``retryable`` marks errors worth retrying (rate limits, 5xx, timeouts)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def completion(content: str = "", tool_calls: list[dict[str, Any]] | None = None, usage: dict[str, Any] | None = None,
               finish_reason: str = "stop") -> Completion:
    return {"content": content, "tool_calls": tool_calls or [], "usage": usage or {}, "finish_reason": finish_reason}


class Provider:
    """Override ``complete`` or ``stream`` (or both); each has a default built on the other."""

    name = "provider"

    async def complete(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> Completion:
        """One model answer: text and/or tool calls."""
        result: Completion | None = None
        async for item in self.stream(messages, tools, **opts):
            if "done" in item:
                result = item["done"]
        return result if result is not None else completion()

    async def stream(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> AsyncIterator[dict]:
        """The same answer as it is produced: ``{"token": str}`` items, then ``{"done": completion}``."""
        result = await self.complete(messages, tools, **opts)
        if result["content"]:
            yield {"token": result["content"]}
        yield {"done": result}


def wire_name(tool_id: str) -> str:
    """A tool id as function names must be spelled for remote APIs (no dots)."""
    return tool_id.replace(".", "__")
