"""router: sends its input down the first route whose condition holds (condition / router)."""

from typing import Any

from pydantic import Field, model_validator

from runtime.nodes._condition import Condition, evaluate
from runtime.nodes._context import BRANCH, NodeContext
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Route(Condition):
    name: Ident


class Config(NodeConfig):
    routes: list[Route] = Field(default_factory=list, max_length=64)
    default: Ident = Field(default="default", description="Branch taken when no route matches.")

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        names = [route.name for route in self.routes] + [self.default]
        if len(names) != len(set(names)):
            raise ValueError("route names and the default branch must all differ")
        return self


def _branches(config: Any) -> list[str]:
    return [route.name for route in config.routes] + [config.default]


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    value = inputs.get("value")
    for route in config.routes:
        if evaluate(route, value):
            return {"value": value, BRANCH: route.name}
    return {"value": value, BRANCH: config.default}


KIND = NodeKind(
    name="router",
    title="Condition / router",
    category="control",
    description="Routes its input to the first branch whose condition holds, else to the default branch.",
    config=Config,
    inputs=(Port("value", "any", description="The value to test and pass on."),),
    outputs=(Port("value", "any", description="The same value, on the chosen branch."),),
    branches=_branches,
    pure=True,
    execute=execute,
)
