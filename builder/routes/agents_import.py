"""Import from other tools (agents role): a Langflow export becomes a saved draft graph plus a report."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from builder.adapters.langflow import ImportReport, LangflowFormatError, convert_langflow
from builder.auth.roles import EditorDep
from builder.crud import graphs as graph_store
from builder.deps import SessionDep, SettingsDep
from builder.errors import ApiError
from builder.graph_checks import check_savable
from builder.schemas import GraphPublic
from runtime.spec import load_json_document

router = APIRouter(prefix="/api/agents/import", tags=["import"])

_ANY_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}


class LangflowImportResult(BaseModel):
    graph: GraphPublic
    report: ImportReport


@router.post("/langflow", status_code=status.HTTP_201_CREATED, response_model=LangflowImportResult,
             summary="Import a Langflow 1.x flow export as a draft graph", openapi_extra=_ANY_JSON)
async def import_langflow(
    request: Request, session: SessionDep, ctx: EditorDep, settings: SettingsDep
) -> LangflowImportResult:
    document = load_json_document(await request.body(), max_bytes=settings.max_body_bytes)
    try:
        spec, report = convert_langflow(document)
    except LangflowFormatError as exc:
        raise ApiError(422, str(exc), [{"loc": ["body"], "msg": str(exc)}]) from exc
    warnings = check_savable(spec)
    graph = await graph_store.create_graph(session, ctx=ctx, spec=spec, message="imported from Langflow")
    public = GraphPublic(
        id=graph.id, name=graph.name, description=graph.description, version=graph.version,
        created_at=graph.created_at, updated_at=graph.updated_at, spec=spec, warnings=warnings,
    )
    return LangflowImportResult(graph=public, report=report)
