"""transform: fills a template from its input; no code is ever executed."""

from typing import Any, Literal

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._template import TemplateError, render_json, render_text
from runtime.nodes.base import NodeConfig, NodeKind, Port, Template


class Config(NodeConfig):
    template: Template = "{{ data }}"
    output: Literal["text", "json"] = "text"


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    try:
        if config.output == "json":
            return {"value": render_json(config.template, inputs)}
        return {"value": render_text(config.template, inputs)}
    except TemplateError as exc:
        raise NodeError(f"transform: {exc}") from exc


KIND = NodeKind(
    name="transform",
    title="Transform",
    category="control",
    description="Builds text or JSON from a template with {{ placeholders }} filled from its input.",
    config=Config,
    inputs=(Port("data", "any", required=False, description="Values for the placeholders."),),
    outputs=(Port("value", "any", description="The filled template."),),
    pure=True,
    execute=execute,
)
