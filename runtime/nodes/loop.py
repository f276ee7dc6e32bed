"""loop: repeats the nodes on its 'continue' branch, at most max_iterations times."""

from typing import Any

from pydantic import Field

from runtime.nodes._condition import Condition, evaluate
from runtime.nodes._context import BRANCH, MEMORY, NodeContext
from runtime.nodes.base import NodeConfig, NodeKind, Port


class Config(NodeConfig):
    max_iterations: int = Field(default=10, ge=1, le=10_000, description="Hard bound on iterations.")
    until: Condition | None = Field(default=None, description="Stop early when this holds for the value.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Count the passes round the 'continue' branch in the node's memory; 'done' resets the count."""
    value = inputs.get("value")
    done_passes = int(ctx.memory.get("iterations", 0))
    if (config.until is not None and evaluate(config.until, value)) or done_passes >= config.max_iterations:
        return {"value": value, BRANCH: "done", MEMORY: {"iterations": 0, "last_iterations": done_passes}}
    return {"value": value, BRANCH: "continue", MEMORY: {"iterations": done_passes + 1}}


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
    pure=True,
    execute=execute,
)
