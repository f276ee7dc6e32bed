"""llm: an LLM agent that can call tools in a bounded ReAct loop."""

from pydantic import Field

from runtime.nodes._llm_config import ModelConfig
from runtime.nodes.base import NodeKind, Port, Template


class Config(ModelConfig):
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=100_000)
    prompt: Template = "{{ prompt }}"
    tools: list[str] = Field(default_factory=list, max_length=64, description="Tool ids from the tools catalogue.")
    max_steps: int = Field(default=5, ge=1, le=50, description="Bound on model calls in the tool loop.")


KIND = NodeKind(
    name="llm",
    title="LLM agent",
    category="agents",
    description="Asks a language model, calling the listed tools until it answers or hits its step bound.",
    config=Config,
    inputs=(
        Port("prompt", "text", description="The question or task."),
        Port("context", "text", required=False, description="Extra context, e.g. retrieved passages."),
    ),
    outputs=(
        Port("text", "text", description="The final answer."),
        Port("messages", "messages", description="The whole conversation, tool calls included."),
    ),
)
