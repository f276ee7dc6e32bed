"""LLM providers behind one small interface, chosen by a node's model config."""

from __future__ import annotations

import asyncio
from typing import Any

from runtime.nodes._context import NodeContext
from runtime.nodes._providers.base import Completion, Message, Provider, ProviderError, completion
from runtime.nodes._providers.scripted import ScriptedProvider

# Secret names looked up when a node names no api_key_secret (the platform maps them to settings).
DEFAULT_KEY_SECRETS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
SCRIPT_POSITION = "script_position"


def make_provider(config: Any, ctx: NodeContext) -> Provider:
    """The provider a node's config asks for; keys come from the run's secrets, never the graph."""
    if config.provider == "scripted":
        return ScriptedProvider(config.script, start=int(ctx.memory.get(SCRIPT_POSITION, 0)))
    if config.provider == "local":
        from runtime.nodes._providers.local import LocalProvider

        return LocalProvider(temperature=config.temperature, max_tokens=config.max_tokens)
    secret_name = config.api_key_secret or DEFAULT_KEY_SECRETS[config.provider]
    api_key = ctx.secret(secret_name)
    if config.provider == "openai":
        from runtime.nodes._providers.openai import OpenAIProvider

        if not api_key and not config.base_url:
            raise ProviderError(f"openai: no API key: store a secret named '{secret_name}' or set api_key_secret")
        return OpenAIProvider(model=config.model, base_url=config.base_url, api_key=api_key,
                              temperature=config.temperature, max_tokens=config.max_tokens)
    if config.provider == "anthropic":
        from runtime.nodes._providers.anthropic import AnthropicProvider

        if not api_key:
            raise ProviderError(f"anthropic: no API key: store a secret named '{secret_name}' or set api_key_secret")
        return AnthropicProvider(model=config.model, base_url=config.base_url, api_key=api_key,
                                 temperature=config.temperature, max_tokens=config.max_tokens)
    raise ProviderError(f"unknown provider '{config.provider}'")


def provider_memory(provider: Provider, memory: dict[str, Any]) -> dict[str, Any]:
    """The node memory to keep after using ``provider`` (the scripted provider's position)."""
    if isinstance(provider, ScriptedProvider):
        return {**memory, SCRIPT_POSITION: provider.position}
    return dict(memory)


RETRIES = 2
RETRY_DELAY_S = 0.5


async def ask(provider: Provider, messages: list[Message], tools: list[Any], ctx: NodeContext) -> Completion:
    """One model call, streaming tokens to the run's events when someone listens.

    A retryable provider error (rate limit, 5xx, timeout, refused connection) is retried twice with
    backoff, unless tokens were already streamed (a retry would repeat them). A listener also gets one
    ``llm_call`` event per call (provider, model, usage, finish reason), which tracing turns into a span.
    """
    result = await _ask_with_retries(provider, messages, tools, ctx)
    if ctx.streaming:
        prompt = messages[-1].get("content") if messages else None
        await ctx.event("llm_call", provider=provider.name, model=getattr(provider, "model", provider.name),
                        usage=dict(result.get("usage") or {}), finish_reason=result.get("finish_reason"),
                        prompt=prompt, completion=result.get("content"))
    return result


async def _ask_with_retries(provider: Provider, messages: list[Message], tools: list[Any], ctx: NodeContext) -> Completion:
    for attempt in range(RETRIES + 1):
        streamed = False
        try:
            if not ctx.streaming:
                return await provider.complete(messages, tools)
            result: Completion | None = None
            async for item in provider.stream(messages, tools):
                if "token" in item:
                    streamed = True
                    await ctx.event("token", text=item["token"])
                elif "done" in item:
                    result = item["done"]
            return result if result is not None else completion()
        except ProviderError as exc:
            if not exc.retryable or streamed or attempt == RETRIES:
                raise
            await ctx.event("provider_retry", error=str(exc), attempt=attempt + 1)
            await asyncio.sleep(RETRY_DELAY_S * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["Completion", "Message", "Provider", "ProviderError", "ask", "completion", "make_provider",
           "provider_memory"]
