"""Config fields shared by the kinds that call a language model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runtime.nodes.base import NodeConfig, SecretRef

Provider = Literal["local", "openai", "anthropic", "scripted"]


class ScriptedToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict)


class ScriptedTurn(BaseModel):
    """One answer of the scripted provider: text, tool calls, or both."""

    model_config = ConfigDict(extra="forbid")
    content: str = ""
    tool_calls: list[ScriptedToolCall] = Field(default_factory=list)


class ModelConfig(NodeConfig):
    provider: Provider = Field(default="local", description="Which model provider answers.")
    model: str = Field(default="smollm2-135m", max_length=200, description="Model name at the provider.")
    base_url: str | None = Field(
        default=None, max_length=2000, description="OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama...)."
    )
    api_key_secret: SecretRef | None = None
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=256, ge=1, le=32_000)
    script: list[ScriptedTurn] = Field(
        default_factory=list, max_length=200, description="Answers of the scripted provider, in order (tests)."
    )
