"""llm: an LLM agent that can call tools, run by an agent engine (a bounded ReAct loop by default)."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from runtime.nodes._agent_engines import DEFAULT_ENGINE, ENGINES, AgentRequest, get_engine
from runtime.nodes._context import MEMORY, NodeContext, NodeError
from runtime.nodes._llm_config import ModelConfig
from runtime.nodes._providers import Message
from runtime.nodes._template import placeholders, render_text, to_text
from runtime.nodes.base import NodeKind, Port, Template


def _registered_engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"unknown agent engine '{name}'; registered: {', '.join(ENGINES)}")
    return name


def _engine_choices(schema: dict[str, Any]) -> None:
    # Read when the schema is rendered, so the editor offers every registered engine.
    schema["enum"] = list(ENGINES)


# The registered engine names, checked against the registry when a config is validated (so an engine
# registered at start-up is accepted) and listed as the JSON Schema's enum.
EngineName = Annotated[str, AfterValidator(_registered_engine), Field(max_length=64, json_schema_extra=_engine_choices)]


class Config(ModelConfig):
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=100_000)
    prompt: Template = "{{ prompt }}"
    tools: list[str] = Field(default_factory=list, max_length=64, description="Tool ids from the tools catalogue.")
    max_steps: int = Field(default=5, ge=1, le=50, description="Bound on model calls in the tool loop.")
    engine: EngineName = Field(default=DEFAULT_ENGINE, description="Agent engine that runs the tool loop; "
                                                                   "'react' is a bounded ReAct loop.")


def _first_messages(config: Config, inputs: dict[str, Any]) -> list[Message]:
    prompt = render_text(config.prompt, inputs)
    context = inputs.get("context")
    if context and not any(name.split(".")[0] == "context" for name in placeholders(config.prompt)):
        prompt = f"{prompt}\n\nContext:\n{to_text(context)}"
    messages: list[Message] = [{"role": "system", "content": config.system_prompt}] if config.system_prompt else []
    return [*messages, {"role": "user", "content": prompt}]


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Hand the prompt and the node's tools to its engine; its answer and conversation are the outputs."""
    tools = {}
    for tool_id in config.tools:
        if tool_id not in ctx.tools:
            raise NodeError(f"llm: tool '{tool_id}' is not available in this runtime yet")
        tools[tool_id] = ctx.tools[tool_id]
    request = AgentRequest(model=config, messages=_first_messages(config, inputs), tools=tools,
                           max_steps=config.max_steps)
    result = await get_engine(config.engine).run(request, ctx)
    return {"text": result.text, "messages": result.messages, MEMORY: result.memory}


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
