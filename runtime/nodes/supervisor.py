"""supervisor: routes a task between member agents until it is done."""

import re
from typing import Any

from pydantic import Field

from runtime.nodes._context import BRANCH, MEMORY, NodeContext
from runtime.nodes._llm_config import ModelConfig
from runtime.nodes._providers import ask, make_provider, provider_memory
from runtime.nodes._template import to_text
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


def pick_member(answer: str, members: list[str]) -> str:
    """The member the answer names (exactly, else its first word that is one), or 'done'."""
    by_lower = {member.lower(): member for member in members}
    cleaned = answer.strip().strip("\"'`.!").lower()
    if cleaned in by_lower:
        return by_lower[cleaned]
    for word in re.findall(r"[A-Za-z0-9_-]+", answer.lower()):
        if word in by_lower:
            return by_lower[word]
        if word == "done":
            return "done"
    return "done"


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Ask the model who goes next; hand-offs are counted in the node's memory and bounded by max_rounds."""
    task = to_text(inputs.get("task"))
    report = to_text(inputs.get("report")) if inputs.get("report") is not None else ""
    memory = dict(ctx.memory)
    rounds = int(memory.get("rounds", 0))
    choice = "done"
    if rounds < config.max_rounds and config.members:
        provider = make_provider(config, ctx)
        system = f"{config.system_prompt}\nMembers: {', '.join(config.members)}. Answer with one member name or done."
        user = f"Task: {task}" + (f"\n\nLatest report:\n{report}" if report else "")
        answer = await ask(provider, [{"role": "system", "content": system}, {"role": "user", "content": user}], [], ctx)
        memory = provider_memory(provider, memory)
        choice = pick_member(answer["content"], config.members)
    if choice == "done":
        return {"result": report or task, BRANCH: "done", MEMORY: {**memory, "rounds": 0}}
    handoff = task if not report else f"{task}\n\nLatest report:\n{report}"
    return {"result": handoff, BRANCH: choice, MEMORY: {**memory, "rounds": rounds + 1}}


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
    execute=execute,
)
