"""supervisor: routes a task between member agents until it is done."""

from typing import Any

from pydantic import Field

from runtime.nodes._llm_config import ModelConfig
from runtime.nodes.base import NodeKind, Port
from runtime.spec.models import Ident


class Config(ModelConfig):
    system_prompt: str = Field(
        default="You coordinate specialists. Answer with the name of the next one, or 'done'.", max_length=100_000
    )
    members: list[Ident] = Field(default_factory=list, max_length=32, description="Branch names, one per member.")
    max_rounds: int = Field(default=5, ge=1, le=100, description="Bound on hand-offs before the result is returned.")


def _branches(config: Any) -> list[str]:
    return [*config.members, "done"]


KIND = NodeKind(
    name="supervisor",
    title="Supervisor",
    category="agents",
    description="Hands a task to member agents in turn, reading their reports, until it decides it is done.",
    config=Config,
    inputs=(
        Port("task", "text", description="The task to solve."),
        Port("report", "text", required=False, description="A member's report back."),
    ),
    outputs=(Port("result", "text", description="The task or the latest report, as routed."),),
    branches=_branches,
    bounds_cycles=True,
)
