"""Running a saved graph as one node: resolve it through the run's services, compile, invoke."""

from __future__ import annotations

import inspect
from typing import Any

from runtime.compile.context import RunContext
from runtime.compile.graph import GraphCompileError, NodeFailed, compile_graph
from runtime.compile.io import check_inputs, collect_outputs
from runtime.compile.state import OUTPUTS, initial_state
from runtime.nodes._context import NodeError
from runtime.spec.models import GraphSpec
from runtime.validate import validate_graph


async def resolve(run_ctx: RunContext, graph_id: str, version: int | None) -> GraphSpec:
    resolver = run_ctx.services.resolve_graph
    if resolver is None:
        raise NodeError("subgraph: this run has no access to saved graphs")
    found = resolver(graph_id, version)
    if inspect.isawaitable(found):
        found = await found
    if found is None:
        which = f"version {version} of graph" if version is not None else "graph"
        raise NodeError(f"subgraph: {which} '{graph_id}' was not found")
    return found


async def run_subgraph(
    run_ctx: RunContext, node_id: str, graph_id: str, version: int | None, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Run saved graph ``graph_id`` with ``inputs`` inside the current run and return its outputs."""
    if run_ctx.depth >= run_ctx.services.max_subgraph_depth:
        raise NodeError(f"subgraph: nested deeper than {run_ctx.services.max_subgraph_depth} levels")
    if graph_id in run_ctx.graph_chain:
        raise NodeError("subgraph: graph calls itself: " + " -> ".join([*run_ctx.graph_chain, graph_id]))
    key = (graph_id, version)
    compiled = run_ctx.compiled.get(key)
    if compiled is None:
        spec = await resolve(run_ctx, graph_id, version)
        issues = validate_graph(spec)
        if issues:
            raise NodeError(f"subgraph '{graph_id}' cannot run: {issues[0]}" + (
                f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""))
        try:
            compiled = (spec, compile_graph(spec))
        except GraphCompileError as exc:
            raise NodeError(f"subgraph '{graph_id}' cannot run: {exc}") from exc
        run_ctx.compiled[key] = compiled
    spec, graph = compiled
    values, problems = check_inputs(spec, inputs)
    if problems:
        raise NodeError(f"subgraph '{graph_id}': " + "; ".join(problems))
    child = RunContext(
        services=run_ctx.services,
        emit=run_ctx.emit,
        run_id=run_ctx.run_id,
        depth=run_ctx.depth + 1,
        graph_chain=(*run_ctx.graph_chain, graph_id),
        compiled=run_ctx.compiled,
        node_prefix=f"{run_ctx.node_prefix}{node_id}/",
        mark_effect=run_ctx.mark_effect,
    )
    try:
        state = await graph.ainvoke(initial_state(values), context=child)
    except NodeFailed as exc:
        raise NodeError(f"subgraph '{graph_id}': {exc}") from exc
    return collect_outputs(spec, state.get(OUTPUTS) or {})

