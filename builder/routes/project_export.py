"""Export a saved graph version as a generated FastAPI + Kubernetes project (a zip)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from builder.crud import graphs as graph_store
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError, InvalidGraph
from builder.graph_checks import check_runnable
from builder.project_options import project_options
from codegen import ExportError, render_project, zip_bytes
from codegen.naming import dns_label
from runtime.spec import GraphSpec
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/workflow/graphs", tags=["graphs"])

GraphId = Annotated[str, Path(pattern=IDENT_PATTERN, description="Graph id.")]


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
    settings: SettingsDep,
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
    # The saved graphs its subgraph nodes run and the workspace tools it calls (422 naming a node otherwise).
    options = await project_options(session, settings, ctx.workspace_id, spec, name=name)
    try:
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
