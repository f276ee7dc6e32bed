"""Export a saved graph version as a generated FastAPI + Kubernetes project (a zip)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from builder.crud import graphs as graph_store
from builder.deps import ContextDep, SessionDep
from builder.errors import ApiError, InvalidGraph, NotFound
from builder.graph_checks import check_runnable
from codegen import ExportError, ProjectOptions, render_project, zip_bytes
from codegen.naming import dns_label
from runtime.spec import GraphSpec
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/workflow/graphs", tags=["graphs"])

GraphId = Annotated[str, Path(pattern=IDENT_PATTERN, description="Graph id.")]
MAX_SUBGRAPHS = 50


async def _subgraphs(session: Any, workspace_id: str, spec: GraphSpec) -> dict[str, GraphSpec]:
    """The saved graphs that subgraph nodes refer to (pinned version or latest), transitively."""
    found: dict[str, GraphSpec] = {}
    pending = [spec]
    while pending:
        for node in pending.pop().nodes:
            if node.kind != "subgraph" or node.config.get("graph_id") in found:
                continue
            graph_id, version = str(node.config.get("graph_id")), node.config.get("version")
            if len(found) >= MAX_SUBGRAPHS:
                raise ApiError(422, f"more than {MAX_SUBGRAPHS} subgraphs", [{"loc": ["graph"], "msg": "too many"}])
            try:
                if version is None:
                    row: Any = await graph_store.get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
                else:
                    row = await graph_store.get_version(session, workspace_id=workspace_id, graph_id=graph_id,
                                                        version=int(version))
            except NotFound as exc:
                raise ApiError(422, f"node '{node.id}': subgraph '{graph_id}' was not found",
                               [{"loc": ["nodes", node.id, "config", "graph_id"], "msg": "not found",
                                 "node_id": node.id}]) from exc
            found[graph_id] = GraphSpec.model_validate(row.spec)
            pending.append(found[graph_id])
    return found


@router.get(
    "/{graph_id}/project",
    summary="Download the graph as a standalone FastAPI + LangGraph project with Kubernetes manifests",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The project as a zip."},
        422: {"description": "The graph cannot be exported; errors name the nodes."},
    },
)
async def export_project(
    graph_id: GraphId,
    session: SessionDep,
    ctx: ContextDep,
    version: Annotated[int | None, Query(ge=1, description="Saved version; the latest by default.")] = None,
    name: Annotated[str | None, Query(max_length=40, description="Project and Kubernetes name.")] = None,
) -> Response:
    if version is None:
        row = await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
        version = row.version
        spec = GraphSpec.model_validate(row.spec)
    else:
        saved = await graph_store.get_version(session, workspace_id=ctx.workspace_id, graph_id=graph_id,
                                              version=version)
        spec = GraphSpec.model_validate(saved.spec)
    check_runnable(spec)
    try:
        options = ProjectOptions(name=name, subgraphs=await _subgraphs(session, ctx.workspace_id, spec))
        files = await run_in_threadpool(render_project, spec, options)
    except ExportError as exc:
        if exc.issues:
            raise InvalidGraph(exc.issues, detail=str(exc)) from exc
        raise ApiError(422, str(exc), [{"loc": ["graph"], "msg": str(exc)}]) from exc
    root = dns_label(options.name or graph_id)
    content = await run_in_threadpool(zip_bytes, files, root)
    filename = f"{root}-v{version}.zip"
    return Response(content, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
