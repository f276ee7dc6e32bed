"""loop: repeats the nodes on its 'continue' branch, at most max_iterations times."""

from pydantic import Field

from runtime.nodes._condition import Condition
from runtime.nodes.base import NodeConfig, NodeKind, Port


class Config(NodeConfig):
    max_iterations: int = Field(default=10, ge=1, le=10_000, description="Hard bound on iterations.")
    until: Condition | None = Field(default=None, description="Stop early when this holds for the value.")


KIND = NodeKind(
    name="loop",
    title="Loop",
    category="control",
    description="Sends its value round the 'continue' branch until the condition holds or the bound is hit, then 'done'.",
    config=Config,
    inputs=(Port("value", "any", description="The value entering or coming back round."),),
    outputs=(Port("value", "any", description="The value, on 'continue' or 'done'."),),
    branches=("continue", "done"),
    bounds_cycles=True,
)
