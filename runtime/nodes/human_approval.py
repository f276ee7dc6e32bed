"""human_approval: pauses the run until a person approves or rejects."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import BRANCH, NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port


class Config(NodeConfig):
    prompt: str = Field(default="Approve this step?", max_length=10_000)


def _with_comment(value: Any, comment: str) -> Any:
    if not comment:
        return value
    if isinstance(value, dict):
        return {**value, "comment": comment}
    if isinstance(value, str):
        return f"{value}\n\nComment: {comment}"
    return value


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Pause the run (LangGraph interrupt); the run resumes with {approved: bool, comment?}."""
    from langgraph.types import interrupt

    value = inputs.get("value")
    answer = interrupt({"node_id": ctx.node_id, "prompt": config.prompt, "value": value})
    if isinstance(answer, bool):
        answer = {"approved": answer}
    if not isinstance(answer, dict) or not isinstance(answer.get("approved"), bool):
        raise NodeError("human approval: the answer must be {\"approved\": true|false, \"comment\": \"...\"}")
    comment = str(answer.get("comment") or "")[:10_000]
    return {"value": _with_comment(value, comment), BRANCH: "approved" if answer["approved"] else "rejected"}


KIND = NodeKind(
    name="human_approval",
    title="Human approval",
    category="control",
    description="Pauses the run and asks a person; continues on 'approved' or 'rejected'.",
    config=Config,
    inputs=(Port("value", "any", description="What the person is asked about."),),
    outputs=(Port("value", "any", description="The value, with the answer's comment if any."),),
    branches=("approved", "rejected"),
    execute=execute,
)
