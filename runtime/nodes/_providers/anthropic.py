"""Anthropic messages API over httpx (answers are not streamed: one token event per answer)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from runtime.nodes._providers.base import Completion, Message, Provider, ProviderError, completion, wire_name
from runtime.nodes._providers.http import post_json

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


def wire_messages(messages: Sequence[Message]) -> tuple[str, list[dict[str, Any]]]:
    """The system text and the conversation as Anthropic wants it (tool results in user turns)."""
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        content = message.get("content") or ""
        if role == "system":
            system.append(content)
        elif role == "tool":
            block = {"type": "tool_result", "tool_use_id": message.get("tool_call_id", ""), "content": content}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif role == "assistant" and message.get("tool_calls"):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
            blocks += [
                {"type": "tool_use", "id": call["id"], "name": wire_name(call["name"]), "input": call["arguments"]}
                for call in message["tool_calls"]
            ]
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append({"role": "assistant" if role == "assistant" else "user", "content": content})
    return "\n\n".join(system), out


class AnthropicProvider(Provider):
    name = "anthropic"

    def __init__(self, *, model: str, base_url: str | None, api_key: str, temperature: float = 0.0,
                 max_tokens: int = 256) -> None:
        self.url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/v1/messages"
        self.model = model
        self.headers = {"x-api-key": api_key, "anthropic-version": API_VERSION}
        self.temperature = temperature
        self.max_tokens = max_tokens

    async def complete(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> Completion:
        system, conversation = wire_messages(messages)
        payload: dict[str, Any] = {
            "model": self.model, "max_tokens": self.max_tokens, "temperature": self.temperature,
            "messages": conversation,
        }
        if system:
            payload["system"] = system
        if tools:
            payload["tools"] = [
                {"name": wire_name(tool.id), "description": tool.description, "input_schema": tool.parameters}
                for tool in tools
            ]
        data = await post_json(self.name, self.url, self.headers, payload)
        blocks = data.get("content")
        if not isinstance(blocks, list):
            raise ProviderError(f"anthropic: {self.url} answered without content: {json.dumps(data)[:200]}")
        names = {wire_name(tool.id): tool.id for tool in tools}
        text = "".join(block.get("text", "") for block in blocks if block.get("type") == "text")
        calls = [
            {"id": block.get("id", ""), "name": names.get(block.get("name", ""), block.get("name", "")),
             "arguments": block.get("input") if isinstance(block.get("input"), dict) else {}}
            for block in blocks if block.get("type") == "tool_use"
        ]
        usage = data.get("usage") or {}
        return completion(
            text, calls,
            {"input_tokens": usage.get("input_tokens", 0), "output_tokens": usage.get("output_tokens", 0)},
            data.get("stop_reason") or "stop",
        )
