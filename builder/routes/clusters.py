"""Clusters API (role orchestrator): register a cluster by kubeconfig, test the connection. No kubeconfig out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import delete
from starlette.concurrency import run_in_threadpool

from builder.auth.roles import EditorDep, OwnerDep
from builder.db.models import Cluster, Deployment, new_id
from builder.deploy import kubeconfig, store
from builder.deploy.errors import DeployError
from builder.deploy.service import DeployService, api_error
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError, Conflict

router = APIRouter(prefix="/api/orchestrator/clusters", tags=["clusters"])

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
NAMESPACE = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DOMAIN = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"
ClusterId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Cluster id.")]


class ClusterCreate(BaseModel):
    name: str = Field(pattern=NAME, description="Shown in the Deploy dialog; unique in the workspace.")
    kubeconfig: str = Field(min_length=1, max_length=kubeconfig.MAX_KUBECONFIG_BYTES,
                            description="kubeconfig YAML; credentials inline (token or client certificate).")
    context: str | None = Field(default=None, max_length=253, description="Context to use; current-context if unset.")
    default_namespace: str | None = Field(default=None, pattern=NAMESPACE,
                                          description="Namespace of deployments; the context's, else 'default'.")
    ingress_domain: str | None = Field(default=None, pattern=DOMAIN,
                                       description="Deployments get the host <name>.<ingress_domain>.")


class ClusterUpdate(BaseModel):
    name: str | None = Field(default=None, pattern=NAME)
    kubeconfig: str | None = Field(default=None, min_length=1, max_length=kubeconfig.MAX_KUBECONFIG_BYTES)
    context: str | None = Field(default=None, max_length=253)
    default_namespace: str | None = Field(default=None, pattern=NAMESPACE)
    ingress_domain: str | None = Field(default=None, pattern=DOMAIN)


class CheckPublic(BaseModel):
    name: str
    status: Literal["ok", "failed", "skipped"]
    message: str


class ConnectionReportPublic(BaseModel):
    ok: bool
    server: str
    namespace: str
    server_version: str | None
    checks: list[CheckPublic]


class ClusterPublic(BaseModel):
    """A registered cluster; the kubeconfig is never returned."""

    id: str
    name: str
    server: str
    context: str
    auth: str
    default_namespace: str
    ingress_domain: str | None
    last_check: ConnectionReportPublic | None
    last_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _public(row: Cluster) -> ClusterPublic:
    return ClusterPublic(id=row.id, name=row.name, server=row.server, context=row.context, auth=row.auth,
                         default_namespace=row.default_namespace, ingress_domain=row.ingress_domain,
                         last_check=row.last_check, last_checked_at=row.last_checked_at, created_at=row.created_at,
                         updated_at=row.updated_at)


def deploy_service(request: Request) -> DeployService:
    service = getattr(request.app.state, "deploy_service", None)
    if service is None:
        service = DeployService(request.app.state.sessionmaker, request.app.state.settings)
        request.app.state.deploy_service = service
    return service


async def _read_kubeconfig(text: str, context: str | None) -> kubeconfig.KubeconfigSummary:
    try:
        _doc, summary = await run_in_threadpool(kubeconfig.load, text, context=context)
    except DeployError as exc:
        raise ApiError(422, exc.message, [{"loc": ["body", "kubeconfig"], "msg": exc.message}]) from exc
    return summary


@router.get("", response_model=list[ClusterPublic], summary="List the workspace's clusters")
async def list_clusters(session: SessionDep, ctx: ContextDep) -> list[ClusterPublic]:
    return [_public(row) for row in await store.list_clusters(session, ctx.workspace_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClusterPublic,
             summary="Register a cluster by kubeconfig (owner role)",
             responses={409: {"description": "A cluster of that name exists."},
                        422: {"description": "The kubeconfig cannot be used (named reason)."}})
async def create_cluster(body: ClusterCreate, session: SessionDep, ctx: OwnerDep, settings: SettingsDep
                         ) -> ClusterPublic:
    summary = await _read_kubeconfig(body.kubeconfig, body.context)
    if await store.name_taken(session, ctx.workspace_id, body.name):
        raise Conflict(f"a cluster named '{body.name}' exists in this workspace")
    cluster_id = new_id()
    row = Cluster(id=cluster_id, workspace_id=ctx.workspace_id, name=body.name, server=summary.server,
                  context=summary.context, auth=summary.auth,
                  default_namespace=body.default_namespace or summary.namespace or "default",
                  ingress_domain=body.ingress_domain, created_by=ctx.user_id,
                  kubeconfig_ciphertext=store.seal_kubeconfig(settings, ctx.workspace_id, cluster_id, body.kubeconfig))
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return _public(row)


@router.get("/{cluster_id}", response_model=ClusterPublic, summary="A cluster")
async def get_cluster(cluster_id: ClusterId, session: SessionDep, ctx: ContextDep) -> ClusterPublic:
    return _public(await store.get_cluster(session, ctx.workspace_id, cluster_id))


@router.patch("/{cluster_id}", response_model=ClusterPublic, summary="Change a cluster (owner role)")
async def update_cluster(cluster_id: ClusterId, body: ClusterUpdate, session: SessionDep, ctx: OwnerDep,
                         settings: SettingsDep) -> ClusterPublic:
    row = await store.get_cluster(session, ctx.workspace_id, cluster_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if changes.get("name") and await store.name_taken(session, ctx.workspace_id, changes["name"], except_id=row.id):
        raise Conflict(f"a cluster named '{changes['name']}' exists in this workspace")
    if "kubeconfig" in changes or "context" in changes:
        text = changes.get("kubeconfig") or store.open_kubeconfig(settings, row)
        summary = await _read_kubeconfig(text, changes.get("context") or (None if "kubeconfig" in changes
                                                                          else row.context))
        row.kubeconfig_ciphertext = store.seal_kubeconfig(settings, ctx.workspace_id, row.id, text)
        row.server, row.context, row.auth = summary.server, summary.context, summary.auth
        row.last_check, row.last_checked_at = None, None
    for key in ("name", "default_namespace", "ingress_domain"):
        if key in changes and (changes[key] is not None or key == "ingress_domain"):
            setattr(row, key, changes[key])
    row.updated_at = datetime.now(UTC)
    await session.commit()
    await session.refresh(row)
    return _public(row)


@router.delete("/{cluster_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Forget a cluster (owner role)",
               responses={409: {"description": "Deployments still run on it; undeploy them first."}})
async def delete_cluster(cluster_id: ClusterId, session: SessionDep, ctx: OwnerDep) -> Response:
    row = await store.get_cluster(session, ctx.workspace_id, cluster_id)
    active = await store.cluster_in_use(session, row.id)
    if active:
        raise Conflict(f"{active} deployment(s) still run on cluster '{row.name}'; undeploy them first")
    await session.execute(delete(Deployment).where(Deployment.cluster_id == row.id))
    await session.delete(row)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{cluster_id}/test", response_model=ConnectionReportPublic,
             summary="Test the connection: server version, namespace, permissions for the kinds deploys create")
async def test_cluster(cluster_id: ClusterId, request: Request, session: SessionDep, ctx: EditorDep,
                       namespace: Annotated[str | None, Query(pattern=NAMESPACE)] = None) -> ConnectionReportPublic:
    row = await store.get_cluster(session, ctx.workspace_id, cluster_id)
    try:
        report = await deploy_service(request).test_connection(row, namespace)
    except DeployError as exc:  # pragma: no cover - test_connection already maps these
        raise api_error(exc) from exc
    row.last_check = report.as_dict()
    row.last_checked_at = datetime.now(UTC)
    await session.commit()
    return ConnectionReportPublic.model_validate(report.as_dict())
