"""The published agents' public surface: `/api/agents/<slug>/run`, its runs and their events.

These routes authenticate with a key scoped to the agent (`X-API-Key` or `Authorization: Bearer`), in local
mode too, instead of the platform identity: `create_app` includes `router` without `current_context` (see
`install_published_api`). Without a valid key every route answers 401, as the route-enumeration test expects.
Runs are ordinary runs of the pinned version, created and queued through the runs API's store and queue.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from builder.agents import keys
from builder.agents.publish import SLUG_PATTERN, pinned_spec
from builder.crud import runs as run_store
from builder.db.models import PublishedRun, utcnow
from builder.deps import RowsDep, SessionDep
from builder.errors import NotFound
from builder.routes.runs import _ENDED, RunPublic, RunResume, _enqueue, _public, _wait, run_event_stream, run_queue
from builder.settings import Settings

router = APIRouter(prefix="/api/agents", tags=["published agents"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64, description="The agent's slug.")]
RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Run id.")]
_KEY_DOC = {401: {"description": "No key, an unknown, wrong or revoked key."},
            403: {"description": "The key belongs to another agent."},
            404: {"description": "The agent is not published (or the run is not one of its runs)."},
            429: {"description": "The key's requests per minute are used up; see Retry-After."}}


class AgentRunCreate(BaseModel):
    inputs: dict[str, Any] = Field(default_factory=dict, description="The graph's inputs by name.")


async def _caller(request: Request, session: SessionDep) -> keys.Caller:
    """The scoped-key check, as a dependency: it runs before path and body validation, so a request without a
    valid key learns nothing (401) whatever its path or body."""
    return await keys.authenticate(request, session, str(request.path_params.get("slug", "")))


CallerDep = Annotated[keys.Caller, Depends(_caller)]


async def _agent_run(session: Any, caller: keys.Caller, run_id: str) -> Any:
    link = await session.get(PublishedRun, run_id)
    if link is None or link.agent_id != caller.agent.id:
        raise NotFound(f"run '{run_id}' of agent '{caller.agent.slug}'")
    return await run_store.get_run(session, workspace_id=caller.agent.workspace_id, run_id=run_id)


@router.post("/{slug}/run", status_code=status.HTTP_202_ACCEPTED, response_model=RunPublic,
             summary="Run the published agent (async; sync with ?wait=SECONDS)",
             responses={200: {"description": "With ?wait: the run ended (or waits for a person) in time."},
                        422: {"description": "The inputs do not match the graph's inputs."}, **_KEY_DOC})
async def run_agent(
    slug: Slug, body: AgentRunCreate, request: Request, response: Response, session: SessionDep, rows: RowsDep,
    caller: CallerDep,
    wait: Annotated[float | None, Query(ge=0, le=300, description="Wait up to this many seconds for the end.")] = None,
) -> RunPublic:
    agent = caller.agent
    version, spec = await pinned_spec(session, workspace_id=agent.workspace_id, graph_id=agent.graph_id,
                                      version=agent.version)
    inputs = run_store.check_inputs(spec, body.inputs)
    queue = run_queue(request)
    run = await run_store.create_run(rows, ctx=caller.context, graph_id=agent.graph_id, graph_version=version,
                                     spec=spec, inputs=inputs, requeue_after_s=queue.config.requeue_queued_s)
    session.add(PublishedRun(run_id=run.id, agent_id=agent.id, key_id=caller.key.id, version=version,
                             created_at=utcnow()))
    await session.commit()  # the scope link, before anyone learns the run id
    await keys.count_run(session, caller.key)
    await _enqueue(queue, run)
    if wait:
        ended = await _wait(request, queue, run, wait)
        if ended.status in _ENDED:
            response.status_code = status.HTTP_200_OK
        return ended
    return _public(run)


@router.get("/{slug}/runs/{run_id}", response_model=RunPublic, summary="Get a run of the published agent",
            responses=_KEY_DOC)
async def get_agent_run(slug: Slug, run_id: RunId, session: SessionDep, caller: CallerDep) -> RunPublic:
    return _public(await _agent_run(session, caller, run_id))


@router.post("/{slug}/runs/{run_id}/resume", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Answer the human approval a run of the agent waits for, and continue it",
             responses={409: {"description": "The run is not waiting for an answer."}, **_KEY_DOC})
async def resume_agent_run(slug: Slug, run_id: RunId, body: RunResume, request: Request, session: SessionDep,
                           caller: CallerDep) -> RunPublic:
    await _agent_run(session, caller, run_id)
    queue = run_queue(request)
    run = await run_store.resume_run(session, workspace_id=caller.agent.workspace_id, run_id=run_id,
                                     answer=body.model_dump(), requeue_after_s=queue.config.requeue_queued_s)
    await _enqueue(queue, run)
    return _public(run)


@router.get("/{slug}/runs/{run_id}/events", response_class=StreamingResponse,
            summary="The run's events as Server-Sent Events (replay, then follow)",
            responses={200: {"content": {"text/event-stream": {}}}, **_KEY_DOC})
async def agent_run_events(
    slug: Slug, run_id: RunId, request: Request, session: SessionDep, caller: CallerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
    after: Annotated[str | None, Query(max_length=64, description="Same as the Last-Event-ID header.")] = None,
) -> StreamingResponse:
    await _agent_run(session, caller, run_id)
    return run_event_stream(request, run_id=run_id, workspace_id=caller.agent.workspace_id,
                            resume_from=last_event_id or after)


def install_published_api(app: FastAPI, settings: Settings) -> None:
    """Serve the published agents' endpoints (role agents) with their own scoped-key authentication."""
    if "agents" in settings.services:
        app.include_router(router)


__all__ = ["install_published_api", "router"]
