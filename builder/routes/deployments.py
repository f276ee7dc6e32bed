"""Deployments API (role orchestrator): deploy a saved graph version, redeploy, roll back, undeploy, status events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from builder.auth.roles import EditorDep
from builder.db.models import Deployment
from builder.deploy import store
from builder.deps import ContextDep, SessionDep
from builder.errors import ApiError
from builder.routes.clusters import NAMESPACE, deploy_service
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/orchestrator/deployments", tags=["deployments"])

DeploymentStatus = Literal["pending", "deploying", "ready", "failed", "undeploying", "removed"]
DeploymentId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Deployment id.")]
Wait = Annotated[float, Query(ge=0, le=600, description="Seconds to wait for the operation to end (0: answer at once).")]
_HOST = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"
MAX_INT = 2**31 - 1  # ids and versions are 32-bit integers in the database


class DeploymentCreate(BaseModel):
    graph_id: str = Field(pattern=IDENT_PATTERN)
    version: int | None = Field(default=None, ge=1, le=MAX_INT, description="Saved graph version; the latest when omitted.")
    cluster: str = Field(min_length=1, max_length=100, description="Cluster id or name.")
    namespace: str | None = Field(default=None, pattern=NAMESPACE, description="The cluster's default when omitted.")
    name: str | None = Field(default=None, max_length=40, description="Kubernetes name; from the graph id by default.")
    host: str | None = Field(default=None, pattern=_HOST, description="Ingress host; <name>.<cluster ingress_domain>.")
    strategy: Literal["runner", "kaniko"] = Field(
        default="runner", description="runner: the generic runner image loads the code from ConfigMaps (no build); "
                                      "kaniko: build the project's image in the cluster and push it to DEPLOY_REGISTRY.")
    registry_secret: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$",
                                        description="kaniko: a dockerconfigjson Secret in the namespace to push with.")


class VersionChoice(BaseModel):
    version: int | None = Field(default=None, ge=1, le=MAX_INT, description="Graph version; default: latest (redeploy) or "
                                                                "the previous deployed one (rollback).")


class RevisionPublic(BaseModel):
    revision: int
    action: Literal["deploy", "rollback", "undeploy"]
    graph_version: int | None
    status: Literal["running", "succeeded", "failed"]
    error: str | None
    objects: list[str]
    created_at: datetime
    finished_at: datetime | None


class DeploymentPublic(BaseModel):
    id: str
    graph_id: str
    cluster_id: str
    namespace: str
    name: str
    status: DeploymentStatus
    strategy: Literal["runner", "kaniko"]
    graph_version: int | None = Field(description="The graph version running now (None: nothing deployed).")
    revision: int
    url: str | None = Field(description="The service URL: the Ingress host when one is set, else the in-cluster URL.")
    internal_url: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    revisions: list[RevisionPublic] = Field(default_factory=list, description="Newest first (at most 20).")


class DeploymentPage(BaseModel):
    items: list[DeploymentPublic]
    total: int
    limit: int
    offset: int


async def _public(session: SessionDep, row: Deployment, *, revisions: bool = True) -> DeploymentPublic:
    await session.refresh(row)
    items = [RevisionPublic.model_validate(r, from_attributes=True)
             for r in (await store.list_revisions(session, row.id))[:20]] if revisions else []
    return DeploymentPublic(id=row.id, graph_id=row.graph_id, cluster_id=row.cluster_id, namespace=row.namespace,
                            name=row.name, status=row.status, strategy=row.strategy, graph_version=row.graph_version, revision=row.revision,
                            url=row.url, internal_url=row.internal_url, error=row.error, created_at=row.created_at,
                            updated_at=row.updated_at, revisions=items)


async def _answer(request: Request, response: Response, session: SessionDep, row: Deployment,
                  wait: float) -> DeploymentPublic:
    if wait:
        await deploy_service(request).wait(row.id, wait)
        await session.refresh(row)
        if row.status not in store.BUSY:
            response.status_code = status.HTTP_200_OK
    return await _public(session, row)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=DeploymentPublic,
             summary="Deploy a saved graph version to a cluster (a redeploy when it is already there)",
             responses={403: {"description": "The cluster credentials lack a permission (named); nothing applied."},
                        409: {"description": "The name is taken, or another operation runs."},
                        422: {"description": "Invalid graph, missing secret, unusable or expired kubeconfig."},
                        502: {"description": "The API server cannot be reached."}})
async def create_deployment(body: DeploymentCreate, request: Request, response: Response, session: SessionDep,
                            ctx: EditorDep, wait: Wait = 0) -> DeploymentPublic:
    service = deploy_service(request)
    target = await service.target(session, ctx, cluster_ref=body.cluster, graph_id=body.graph_id,
                                  namespace=body.namespace, name=body.name, host=body.host, strategy=body.strategy,
                                  registry_secret=body.registry_secret)
    row = await service.deploy(session, ctx, target=target, graph_id=body.graph_id, version=body.version)
    return await _answer(request, response, session, row, wait)


@router.get("", response_model=DeploymentPage, summary="List deployments with their status")
async def list_deployments(
    session: SessionDep, ctx: ContextDep,
    graph_id: Annotated[str | None, Query(pattern=IDENT_PATTERN)] = None,
    cluster_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
    status_: Annotated[DeploymentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeploymentPage:
    rows, total = await store.list_deployments(session, ctx.workspace_id, graph_id=graph_id, cluster_id=cluster_id,
                                               status=status_, limit=limit, offset=offset)
    return DeploymentPage(items=[await _public(session, r, revisions=False) for r in rows], total=total,
                          limit=limit, offset=offset)


@router.get("/{deployment_id}", response_model=DeploymentPublic, summary="A deployment with its revisions")
async def get_deployment(deployment_id: DeploymentId, session: SessionDep, ctx: ContextDep) -> DeploymentPublic:
    return await _public(session, await store.get_deployment(session, ctx.workspace_id, deployment_id))


@router.post("/{deployment_id}/redeploy", status_code=status.HTTP_202_ACCEPTED, response_model=DeploymentPublic,
             summary="Deploy another graph version (latest by default) as a rolling update")
async def redeploy(deployment_id: DeploymentId, body: VersionChoice, request: Request, response: Response,
                   session: SessionDep, ctx: EditorDep, wait: Wait = 0) -> DeploymentPublic:
    row = await store.get_deployment(session, ctx.workspace_id, deployment_id)
    service = deploy_service(request)
    target = await service.target_of(session, ctx, row)
    row = await service.deploy(session, ctx, target=target, graph_id=row.graph_id, version=body.version)
    return await _answer(request, response, session, row, wait)


@router.post("/{deployment_id}/rollback", status_code=status.HTTP_202_ACCEPTED, response_model=DeploymentPublic,
             summary="Go back to the previous deployed graph version (or the one given)",
             responses={409: {"description": "No earlier version was deployed, or another operation runs."}})
async def rollback(deployment_id: DeploymentId, body: VersionChoice, request: Request, response: Response,
                   session: SessionDep, ctx: EditorDep, wait: Wait = 0) -> DeploymentPublic:
    row = await store.get_deployment(session, ctx.workspace_id, deployment_id)
    row = await deploy_service(request).rollback(session, ctx, row, body.version)
    return await _answer(request, response, session, row, wait)


@router.delete("/{deployment_id}", status_code=status.HTTP_202_ACCEPTED, response_model=DeploymentPublic,
               summary="Undeploy: remove every object of the deployment from the cluster")
async def undeploy(deployment_id: DeploymentId, request: Request, response: Response, session: SessionDep,
                   ctx: EditorDep, wait: Wait = 0) -> DeploymentPublic:
    row = await store.get_deployment(session, ctx.workspace_id, deployment_id)
    row = await deploy_service(request).undeploy(session, ctx, row)
    return await _answer(request, response, session, row, wait)


def _sse(event_id: int, event_type: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(data, default=str)}\n\n"


@router.get("/{deployment_id}/events", response_class=StreamingResponse,
            summary="Status events as Server-Sent Events: replay after Last-Event-ID, follow while busy, then 'end'",
            responses={200: {"content": {"text/event-stream": {}}}})
async def deployment_events(
    deployment_id: DeploymentId, request: Request, session: SessionDep, ctx: ContextDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_INT, description="Same as the Last-Event-ID header.")] = None,
    follow: Annotated[bool, Query(description="Keep the stream open until the running operation ends.")] = True,
) -> StreamingResponse:
    await store.get_deployment(session, ctx.workspace_id, deployment_id)
    start = after or 0
    if last_event_id is not None:
        if not last_event_id.isdigit() or int(last_event_id) > MAX_INT:
            raise ApiError(422, "Last-Event-ID: must be an event id (a number)",
                           [{"loc": ["header", "Last-Event-ID"], "msg": "must be a number"}])
        start = int(last_event_id)
    sessionmaker = request.app.state.sessionmaker

    async def stream() -> AsyncIterator[str]:
        last, quiet = start, 0.0
        while True:
            async with sessionmaker() as fresh:  # status first: once not busy, every event is already stored
                current = await fresh.get(Deployment, deployment_id)
                rows = await store.events_after(fresh, deployment_id, last)
            for row in rows:
                last = row.id
                yield _sse(row.id, row.type, {**row.data, "id": row.id, "deployment_id": deployment_id,
                                              "revision": row.revision})
            if rows:
                quiet = 0.0
                continue
            if current is None or current.status not in store.BUSY or not follow:
                end = {"type": "end", "status": current.status if current else "removed",
                       "graph_version": current.graph_version if current else None,
                       "url": current.url if current else None, "error": current.error if current else None}
                yield f"event: end\ndata: {json.dumps(end)}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.25)
            quiet += 0.25
            if quiet >= 10:
                quiet = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
