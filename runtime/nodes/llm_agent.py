"""llm: an LLM agent that can call tools in a bounded ReAct loop."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import MEMORY, NodeContext, NodeError
from runtime.nodes._llm_config import ModelConfig
from runtime.nodes._providers import Message, ask, make_provider, provider_memory
from runtime.nodes._template import placeholders, render_text, to_text
from runtime.nodes.base import NodeKind, Port, Template


class Config(ModelConfig):
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=100_000)
    prompt: Template = "{{ prompt }}"
    tools: list[str] = Field(default_factory=list, max_length=64, description="Tool ids from the tools catalogue.")
    max_steps: int = Field(default=5, ge=1, le=50, description="Bound on model calls in the tool loop.")


def _first_messages(config: Config, inputs: dict[str, Any]) -> list[Message]:
    prompt = render_text(config.prompt, inputs)
    context = inputs.get("context")
    if context and not any(name.split(".")[0] == "context" for name in placeholders(config.prompt)):
        prompt = f"{prompt}\n\nContext:\n{to_text(context)}"
    messages: list[Message] = [{"role": "system", "content": config.system_prompt}] if config.system_prompt else []
    return [*messages, {"role": "user", "content": prompt}]


async def _call_tool(tool: Any, call: dict[str, Any], ctx: NodeContext) -> str:
    """Run one tool call; errors go back to the model as text so it can recover."""
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


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """A ReAct loop: ask the model, run the tools it calls, repeat until it answers (max_steps calls)."""
    tools = {}
    for tool_id in config.tools:
        if tool_id not in ctx.tools:
            raise NodeError(f"llm: tool '{tool_id}' is not available in this runtime yet")
        tools[tool_id] = ctx.tools[tool_id]
    messages = _first_messages(config, inputs)
    provider = make_provider(config, ctx)
    for _ in range(config.max_steps):
        answer = await ask(provider, messages, list(tools.values()), ctx)
        reply: Message = {"role": "assistant", "content": answer["content"]}
        if answer["tool_calls"]:
            reply["tool_calls"] = answer["tool_calls"]
        messages.append(reply)
        if not answer["tool_calls"]:
            return {"text": answer["content"], "messages": messages, MEMORY: provider_memory(provider, dict(ctx.memory))}
        for call in answer["tool_calls"]:
            text = await _call_tool(tools.get(call["name"]), call, ctx)
            messages.append({"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": text})
    raise NodeError(f"llm: no final answer within max_steps={config.max_steps} model calls")


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
    execute=execute,
)
