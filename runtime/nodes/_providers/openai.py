"""OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp server, Ollama) over httpx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from runtime.nodes._providers.base import Completion, Message, Provider, ProviderError, completion, wire_name
from runtime.nodes._providers.http import post_json, post_stream

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def tool_specs(tools: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"type": "function",
         "function": {"name": wire_name(tool.id), "description": tool.description, "parameters": tool.parameters}}
        for tool in tools
    ]


def wire_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message["role"], "content": message.get("content") or ""}
        if message.get("tool_calls"):
            item["tool_calls"] = [
                {"id": call["id"], "type": "function",
                 "function": {"name": wire_name(call["name"]), "arguments": json.dumps(call["arguments"])}}
                for call in message["tool_calls"]
            ]
        if message["role"] == "tool":
            item["tool_call_id"] = message.get("tool_call_id", "")
        out.append(item)
    return out


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        return {"_raw": str(raw)[:1000]}
    return parsed if isinstance(parsed, dict) else {"_raw": parsed}


class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, *, model: str, base_url: str | None, api_key: str | None, temperature: float = 0.0,
                 max_tokens: int = 256) -> None:
        self.url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.temperature = temperature
        self.max_tokens = max_tokens

    def _payload(self, messages: Sequence[Message], tools: Sequence[Any], stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model, "messages": wire_messages(messages), "temperature": self.temperature,
            "max_tokens": self.max_tokens, "stream": stream,
        }
        if tools:
            payload["tools"] = tool_specs(tools)
        return payload

    @staticmethod
    def _names(tools: Sequence[Any]) -> dict[str, str]:
        return {wire_name(tool.id): tool.id for tool in tools}

    async def complete(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> Completion:
        data = await post_json(self.name, self.url, self.headers, self._payload(messages, tools, stream=False))
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"openai: {self.url} answered without choices") from exc
        names = self._names(tools)
        calls = [
            {"id": call.get("id") or f"call_{index}",
             "name": names.get(call["function"]["name"], call["function"]["name"]),
             "arguments": _arguments(call["function"].get("arguments"))}
            for index, call in enumerate(message.get("tool_calls") or [])
        ]
        usage = data.get("usage") or {}
        return completion(
            message.get("content") or "", calls,
            {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)},
            choice.get("finish_reason") or "stop",
        )

    async def stream(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> AsyncIterator[dict]:
        parts: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        finish = "stop"
        usage: dict[str, Any] = {}
        async with post_stream(self.name, self.url, self.headers, self._payload(messages, tools, True)) as events:
            async for event in events:
                if event.get("usage"):
                    usage = event["usage"]
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    if delta.get("content"):
                        parts.append(delta["content"])
                        yield {"token": delta["content"]}
                    for call in delta.get("tool_calls") or []:
                        slot = calls.setdefault(call.get("index", 0), {"id": "", "name": "", "arguments": ""})
                        slot["id"] = call.get("id") or slot["id"]
                        function = call.get("function") or {}
                        slot["name"] += function.get("name") or ""
                        slot["arguments"] += function.get("arguments") or ""
                    finish = choice.get("finish_reason") or finish
        names = self._names(tools)
        tool_calls = [
            {"id": slot["id"] or f"call_{index}", "name": names.get(slot["name"], slot["name"]),
             "arguments": _arguments(slot["arguments"])}
            for index, slot in sorted(calls.items())
        ]
        yield {"done": completion(
            "".join(parts), tool_calls,
            {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)},
            finish,
        )}
