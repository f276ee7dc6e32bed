"""sql_query: a parameterized, read-only-by-default query on a named connection."""

from typing import Any

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    connection: Ident = Field(description="Name of a SQL connection registered in the platform.")
    query: str = Field(min_length=1, max_length=100_000, description="SQL with :name parameters; values are bound.")
    params: dict[str, Any] = Field(default_factory=dict, description="Fixed parameter values.")
    row_limit: int = Field(default=1000, ge=1, le=100_000)
    timeout_s: float = Field(default=10.0, gt=0, le=300)


KIND = NodeKind(
    name="sql_query",
    title="SQL query",
    category="data",
    description="Runs a parameterized query; writes are refused unless the connection is writable.",
    config=Config,
    inputs=(Port("params", "json", required=False, description="Parameter values from upstream."),),
    outputs=(Port("rows", "json", description="Rows as objects, at most row_limit."),),
)
