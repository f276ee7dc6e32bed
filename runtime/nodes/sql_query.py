"""sql_query: a parameterized, read-only-by-default query on a named connection."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    connection: Ident = Field(description="Name of a SQL connection registered in the platform.")
    query: str = Field(min_length=1, max_length=100_000, description="SQL with :name parameters; values are bound.")
    params: dict[str, Any] = Field(default_factory=dict, description="Fixed parameter values.")
    row_limit: int = Field(default=1000, ge=1, le=100_000)
    timeout_s: float = Field(default=10.0, gt=0, le=300)


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Run the query with the fixed parameters, overridden by the ones from upstream; values are bound."""
    from runtime.nodes._sql import SqlError

    connections = getattr(ctx.services, "sql", None)
    if connections is None:
        raise NodeError("sql_query: no SQL connections are configured in this runtime")
    upstream = inputs.get("params")
    if upstream is not None and not isinstance(upstream, dict):
        raise NodeError(f"sql_query: 'params' must be an object, got {type(upstream).__name__}")
    try:
        result = await connections.query(config.connection, config.query, {**config.params, **(upstream or {})},
                                         row_limit=config.row_limit, timeout_s=config.timeout_s)
    except SqlError as exc:
        raise NodeError(f"sql_query: {exc}") from exc
    await ctx.event("sql_query", connection=config.connection, rows=len(result.rows), truncated=result.truncated)
    return {"rows": result.rows}


KIND = NodeKind(
    name="sql_query",
    title="SQL query",
    category="data",
    description="Runs a parameterized query; writes are refused unless the connection is writable.",
    config=Config,
    inputs=(Port("params", "json", required=False, description="Parameter values from upstream."),),
    outputs=(Port("rows", "json", description="Rows as objects, at most row_limit."),),
    execute=execute,
)
