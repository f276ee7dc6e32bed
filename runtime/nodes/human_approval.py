"""human_approval: pauses the run until a person approves or rejects."""

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port


class Config(NodeConfig):
    prompt: str = Field(default="Approve this step?", max_length=10_000)


KIND = NodeKind(
    name="human_approval",
    title="Human approval",
    category="control",
    description="Pauses the run and asks a person; continues on 'approved' or 'rejected'.",
    config=Config,
    inputs=(Port("value", "any", description="What the person is asked about."),),
    outputs=(Port("value", "any", description="The value, with the answer's comment if any."),),
    branches=("approved", "rejected"),
)
