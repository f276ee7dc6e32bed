"""The graphs API: create, list, read, save with optimistic concurrency, versions, import, export, validate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from builder.auth.roles import EditorDep
from builder.crud import graphs as graph_store
from builder.db.models import Graph
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError, NotFound
from builder.graph_checks import check_savable, parse_document
from builder.schemas import (
    MAX_VERSION,
    GraphPage,
    GraphPublic,
    GraphSummary,
    GraphUpdate,
    GraphVersionPublic,
    GraphVersionSummary,
    ValidationReport,
)
from runtime.spec import GraphSpec, new_graph_id
from runtime.spec.models import IDENT_PATTERN
from runtime.validate import validate_graph

router = APIRouter(prefix="/api/workflow/graphs", tags=["graphs"])

GraphId = Annotated[str, Path(pattern=IDENT_PATTERN, description="Graph id.")]
_ANY_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}

def _public(graph: Graph, warnings: list | None = None) -> GraphPublic:
    spec = GraphSpec.model_validate(graph.spec)
    return GraphPublic(
        id=graph.id, name=graph.name, description=graph.description, version=graph.version,
        created_at=graph.created_at, updated_at=graph.updated_at, spec=spec,
        warnings=warnings if warnings is not None else validate_graph(spec),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GraphPublic, summary="Create a graph")
async def create_graph(spec: GraphSpec, session: SessionDep, ctx: EditorDep) -> GraphPublic:
    warnings = check_savable(spec)
    graph = await graph_store.create_graph(session, ctx=ctx, spec=spec)
    return _public(graph, warnings)


@router.get("", response_model=GraphPage, summary="List graphs")
async def list_graphs(
    session: SessionDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> GraphPage:
    rows, total = await graph_store.list_graphs(session, workspace_id=ctx.workspace_id, limit=limit, offset=offset)
    items = [
        GraphSummary(id=g.id, name=g.name, description=g.description, version=g.version,
                     created_at=g.created_at, updated_at=g.updated_at)
        for g in rows
    ]
    return GraphPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/import", status_code=status.HTTP_201_CREATED, response_model=GraphPublic,
             summary="Import a graph document of any schema version", openapi_extra=_ANY_JSON)
async def import_graph(request: Request, session: SessionDep, ctx: EditorDep, settings: SettingsDep) -> GraphPublic:
    spec = parse_document(await request.body(), settings.max_body_bytes)
    try:
        await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=spec.id)
        spec = spec.model_copy(update={"id": new_graph_id()})
    except NotFound:
        pass
    warnings = check_savable(spec)
    graph = await graph_store.create_graph(session, ctx=ctx, spec=spec, message="imported")
    return _public(graph, warnings)


@router.post("/validate", response_model=ValidationReport, summary="Validate a graph document",
             openapi_extra=_ANY_JSON)
async def validate_document(request: Request, settings: SettingsDep, _ctx: ContextDep) -> ValidationReport:
    spec = parse_document(await request.body(), settings.max_body_bytes)
    issues = validate_graph(spec)
    return ValidationReport(valid=not issues, errors=issues)


@router.get("/{graph_id}", response_model=GraphPublic, summary="Get a graph")
async def get_graph(graph_id: GraphId, session: SessionDep, ctx: ContextDep) -> GraphPublic:
    return _public(await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id))


@router.put("/{graph_id}", response_model=GraphPublic, summary="Save a new version of a graph",
            responses={409: {"description": "Someone saved a newer version since base_version."}})
async def update_graph(graph_id: GraphId, body: GraphUpdate, session: SessionDep, ctx: EditorDep) -> GraphPublic:
    if body.spec.id != graph_id:
        raise ApiError(422, f"spec.id '{body.spec.id}' differs from the graph id '{graph_id}' in the path",
                       [{"loc": ["body", "spec", "id"], "msg": "must equal the path's graph id"}])
    warnings = check_savable(body.spec)
    graph = await graph_store.update_graph(
        session, ctx=ctx, graph_id=graph_id, spec=body.spec, base_version=body.base_version, message=body.message
    )
    return _public(graph, warnings)


@router.delete("/{graph_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a graph and its versions")
async def delete_graph(graph_id: GraphId, session: SessionDep, ctx: EditorDep) -> Response:
    await graph_store.delete_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{graph_id}/versions", response_model=list[GraphVersionSummary], summary="Version history")
async def list_versions(graph_id: GraphId, session: SessionDep, ctx: ContextDep) -> list[GraphVersionSummary]:
    rows = await graph_store.list_versions(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    return [GraphVersionSummary(version=v.version, message=v.message, created_at=v.created_at,
                                created_by=v.created_by) for v in rows]


@router.get("/{graph_id}/versions/{version}", response_model=GraphVersionPublic, summary="One saved version")
async def get_version(
    graph_id: GraphId, version: Annotated[int, Path(ge=1, le=MAX_VERSION)], session: SessionDep, ctx: ContextDep
) -> GraphVersionPublic:
    row = await graph_store.get_version(session, workspace_id=ctx.workspace_id, graph_id=graph_id, version=version)
    return GraphVersionPublic(version=row.version, message=row.message, created_at=row.created_at,
                              created_by=row.created_by, spec=GraphSpec.model_validate(row.spec))


@router.post("/{graph_id}/versions/{version}/restore", response_model=GraphPublic,
             summary="Save an old version again as the newest")
async def restore_version(
    graph_id: GraphId,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    base_version: Annotated[int, Query(ge=1, le=MAX_VERSION, description="The version the editor has open.")],
    session: SessionDep,
    ctx: EditorDep,
) -> GraphPublic:
    row = await graph_store.get_version(session, workspace_id=ctx.workspace_id, graph_id=graph_id, version=version)
    spec = GraphSpec.model_validate(row.spec)
    graph = await graph_store.update_graph(session, ctx=ctx, graph_id=graph_id, spec=spec,
                                           base_version=base_version, message=f"restored version {version}")
    return _public(graph)


@router.get("/{graph_id}/export", summary="Download the graph as JSON",
            responses={200: {"content": {"application/json": {}}}})
async def export_graph(graph_id: GraphId, session: SessionDep, ctx: ContextDep) -> JSONResponse:
    graph = await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    content: dict[str, Any] = GraphSpec.model_validate(graph.spec).model_dump(mode="json")
    return JSONResponse(content, headers={"Content-Disposition": f'attachment; filename="{graph.id}.json"'})


@router.get("/{graph_id}/validate", response_model=ValidationReport, summary="Validate a saved graph")
async def validate_saved(graph_id: GraphId, session: SessionDep, ctx: ContextDep) -> ValidationReport:
    graph = await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    issues = validate_graph(GraphSpec.model_validate(graph.spec))
    return ValidationReport(valid=not issues, errors=issues)
