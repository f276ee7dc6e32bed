"""The agents API (role agents): publish lifecycle, scoped keys, "Use it" snippets, the templates gallery.

The published agents' own endpoints (`/api/agents/<slug>/run`, runs, events) are in builder/agents/api.py: they
authenticate with a key scoped to the agent instead of the platform identity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from builder.agents import keys as key_store
from builder.agents import publish as lifecycle
from builder.agents.snippets import KEY_ENV, example_inputs, render_snippets
from builder.auth.roles import EditorDep
from builder.crud import graphs as graph_store
from builder.db.models import PublishedAgent, PublishedKey
from builder.deps import ContextDep, SessionDep
from builder.errors import Conflict, NotFound
from builder.graph_checks import check_savable
from builder.schemas import GraphPublic
from builder.starters import get_template, load_spec, preview_svg, templates
from runtime.spec import GraphSpec
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/agents", tags=["agents"])
Slug = Annotated[str, Path(pattern=lifecycle.SLUG_PATTERN, max_length=64)]
TemplateId = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,64}$")]


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class PublishRequest(BaseModel):
    graph_id: str = Field(pattern=IDENT_PATTERN)
    version: int | None = Field(default=None, ge=1, le=2_147_483_647, description="Saved version to pin; the latest when omitted.")
    slug: str = Field(max_length=64, description="The endpoint's name: /api/agents/<slug>/run.")


class RollbackRequest(BaseModel):
    version: int | None = Field(default=None, ge=1, le=2_147_483_647, description="An earlier published version; the previous one "
                                                                "when omitted.")


class PublishedAgentPublic(BaseModel):
    slug: str
    graph_id: str
    version: int
    status: Literal["published", "archived"]
    published_versions: list[int]
    history: list[dict[str, Any]]
    endpoint: str
    created_at: datetime
    updated_at: datetime


class KeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    rate_limit_per_minute: int = Field(default=60, ge=1, le=100_000, description="Requests per minute with this key.")


class KeyPublic(BaseModel):
    id: str
    name: str
    prefix: str
    rate_limit_per_minute: int
    request_count: int
    run_count: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    key: str = Field(description="The key itself, shown only now.")


class LifecycleState(BaseModel):
    graph_id: str
    state: Literal["draft", "published", "archived"]
    agents: list[PublishedAgentPublic]


class Snippets(BaseModel):
    endpoint: str
    key_env: str = Field(description="The environment variable the snippets read the key from.")
    inputs: dict[str, Any]
    curl: str
    python: str
    javascript: str


class TemplateSummary(BaseModel):
    id: str
    title: str
    description: str
    category: str
    needs: list[str]
    node_count: int
    kinds: list[str]
    preview_url: str


class TemplateDetail(TemplateSummary):
    spec: GraphSpec


class TemplateUse(BaseModel):
    graph_id: str | None = Field(default=None, pattern=IDENT_PATTERN, description="Id of the new graph; generated "
                                                                                     "from the template's when omitted.")
    name: str | None = Field(default=None, max_length=200)


def _agent_public(agent: PublishedAgent) -> PublishedAgentPublic:
    return PublishedAgentPublic(slug=agent.slug, graph_id=agent.graph_id, version=agent.version, status=agent.status,
                                published_versions=lifecycle.published_versions(agent), history=agent.history,
                                endpoint=f"/api/agents/{agent.slug}/run", created_at=_utc(agent.created_at),
                                updated_at=_utc(agent.updated_at))


def _key_public(row: PublishedKey, model: type[KeyPublic] = KeyPublic, **extra: Any) -> Any:
    return model(id=row.id, name=row.name, prefix=row.prefix, rate_limit_per_minute=row.rate_limit_per_minute,
                 request_count=row.request_count, run_count=row.run_count, created_at=_utc(row.created_at),
                 last_used_at=_utc(row.last_used_at), revoked_at=_utc(row.revoked_at), **extra)


# --- lifecycle ----------------------------------------------------------------------------------------------------


@router.post("/published", response_model=PublishedAgentPublic, status_code=status.HTTP_201_CREATED,
             summary="Publish (pin) a graph version at a slug; re-publishing a slug re-pins it",
             responses={200: {"description": "The slug existed: re-pinned."},
                        409: {"description": "The slug belongs to another graph."},
                        422: {"description": "The graph cannot run: the validation errors."}})
async def publish(body: PublishRequest, response: Response, session: SessionDep, ctx: EditorDep) -> Any:
    agent, created = await lifecycle.publish(session, ctx, graph_id=body.graph_id, version=body.version,
                                             slug=body.slug)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _agent_public(agent)


@router.get("/published", response_model=list[PublishedAgentPublic], summary="List published agents")
async def list_published(
    session: SessionDep, ctx: ContextDep,
    graph_id: Annotated[str | None, Query(pattern=IDENT_PATTERN)] = None,
    status_: Annotated[Literal["published", "archived"] | None, Query(alias="status")] = None,
) -> Any:
    agents = await lifecycle.list_agents(session, workspace_id=ctx.workspace_id, graph_id=graph_id, status=status_)
    return [_agent_public(a) for a in agents]


@router.get("/published/{slug}", response_model=PublishedAgentPublic, summary="A published agent")
async def get_published(slug: Slug, session: SessionDep, ctx: ContextDep) -> Any:
    return _agent_public(await lifecycle.get_agent(session, workspace_id=ctx.workspace_id, slug=slug))


@router.post("/published/{slug}/rollback", response_model=PublishedAgentPublic,
             summary="Re-pin an earlier published version")
async def rollback(slug: Slug, body: RollbackRequest, session: SessionDep, ctx: EditorDep) -> Any:
    return _agent_public(await lifecycle.rollback(session, ctx, slug=slug, version=body.version))


@router.post("/published/{slug}/unpublish", response_model=PublishedAgentPublic,
             summary="Unpublish (archive): the endpoint stops answering; publish the slug again to revive it")
async def unpublish(slug: Slug, session: SessionDep, ctx: EditorDep) -> Any:
    return _agent_public(await lifecycle.unpublish(session, ctx, slug=slug))


@router.get("/graphs/{graph_id}/lifecycle", response_model=LifecycleState,
            summary="Whether a graph is a draft, published or archived")
async def graph_lifecycle(graph_id: Annotated[str, Path(pattern=IDENT_PATTERN)], session: SessionDep,
                          ctx: ContextDep) -> Any:
    state = await lifecycle.lifecycle_state(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    return LifecycleState(graph_id=graph_id, state=state["state"], agents=[_agent_public(a) for a in state["agents"]])


# --- scoped keys and snippets -------------------------------------------------------------------------------------


@router.post("/published/{slug}/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED,
             summary="Create an API key that can only call this agent (shown once)")
async def create_key(slug: Slug, body: KeyCreate, session: SessionDep, ctx: EditorDep) -> Any:
    agent = await lifecycle.get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    row, key = await key_store.create_key(session, ctx, agent, name=body.name,
                                          rate_limit_per_minute=body.rate_limit_per_minute)
    return _key_public(row, KeyCreated, key=key)


@router.get("/published/{slug}/keys", response_model=list[KeyPublic], summary="The agent's keys and their usage")
async def list_keys(slug: Slug, session: SessionDep, ctx: ContextDep) -> Any:
    agent = await lifecycle.get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    return [_key_public(row) for row in await key_store.list_keys(session, agent)]


@router.delete("/published/{slug}/keys/{key_id}", response_model=KeyPublic, summary="Revoke a key")
async def revoke_key(slug: Slug, key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], session: SessionDep,
                     ctx: EditorDep) -> Any:
    agent = await lifecycle.get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    return _key_public(await key_store.revoke_key(session, agent, key_id))


@router.get("/published/{slug}/snippets", response_model=Snippets,
            summary="Ready curl, Python and JavaScript calls of the agent (key from $LCNC_AGENT_KEY)")
async def snippets(slug: Slug, request: Request, session: SessionDep, ctx: ContextDep) -> Any:
    agent = await lifecycle.get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    _version, spec = await lifecycle.pinned_spec(session, workspace_id=ctx.workspace_id, graph_id=agent.graph_id,
                                                 version=agent.version)
    inputs = example_inputs(spec)
    base = str(request.base_url).rstrip("/")
    return Snippets(endpoint=f"{base}/api/agents/{slug}/run", key_env=KEY_ENV, inputs=inputs,
                    **render_snippets(base, slug, inputs))


# --- templates gallery --------------------------------------------------------------------------------------------


def _template(template_id: str) -> Any:
    template = get_template(template_id)
    if template is None:
        raise NotFound(f"template '{template_id}'")
    return template


@router.get("/templates", response_model=list[TemplateSummary], summary="The starter graphs")
async def list_templates() -> Any:
    return [t.summary() for t in templates().values()]


@router.get("/templates/{template_id}", response_model=TemplateDetail, summary="A starter graph with its spec")
async def get_template_detail(template_id: TemplateId) -> Any:
    template = _template(template_id)
    return {**template.summary(), "spec": load_spec(template_id)}


@router.get("/templates/{template_id}/preview.svg", response_class=Response, summary="The starter graph's picture",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def template_preview(template_id: TemplateId) -> Response:
    _template(template_id)
    return Response(preview_svg(load_spec(template_id)), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.post("/templates/{template_id}/use", response_model=GraphPublic, status_code=status.HTTP_201_CREATED,
             summary="Create a draft graph from a starter graph (a new graph id)")
async def use_template(template_id: TemplateId, session: SessionDep, ctx: EditorDep,
                       body: TemplateUse | None = None) -> Any:
    _template(template_id)
    body = body or TemplateUse()
    spec = load_spec(template_id)
    updates: dict[str, Any] = {"name": body.name or spec.name}
    if body.graph_id:
        updates["id"] = body.graph_id
        graph = await graph_store.create_graph(session, ctx=ctx, spec=spec.model_copy(update=updates),
                                               message=f"from template {template_id}")
    else:
        graph = None
        for attempt in range(1, 200):
            candidate = template_id if attempt == 1 else f"{template_id}_{attempt}"
            try:
                graph = await graph_store.create_graph(session, ctx=ctx, spec=spec.model_copy(
                    update={**updates, "id": candidate}), message=f"from template {template_id}")
                break
            except Conflict:
                continue
        if graph is None:
            raise Conflict(f"too many graphs named after template '{template_id}'; pass graph_id")
    saved = GraphSpec.model_validate(graph.spec)
    return GraphPublic(id=graph.id, name=graph.name, description=graph.description, version=graph.version,
                       created_at=graph.created_at, updated_at=graph.updated_at, spec=saved,
                       warnings=check_savable(saved))
