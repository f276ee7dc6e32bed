"""transform: fills a template from its input; no code is ever executed."""

from typing import Literal

from runtime.nodes.base import NodeConfig, NodeKind, Port, Template


class Config(NodeConfig):
    template: Template = "{{ data }}"
    output: Literal["text", "json"] = "text"


KIND = NodeKind(
    name="transform",
    title="Transform",
    category="control",
    description="Builds text or JSON from a template with {{ placeholders }} filled from its input.",
    config=Config,
    inputs=(Port("data", "any", required=False, description="Values for the placeholders."),),
    outputs=(Port("value", "any", description="The filled template."),),
)
