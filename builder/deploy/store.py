"""Clusters, deployments, revisions and events in the platform DB. Kubeconfigs are encrypted at rest.

The kubeconfig is encrypted with the platform's secrets key (``builder.security.keys.secrets_fernet``) and bound
to its workspace and cluster id, as stored secrets are, so a ciphertext copied to another row does not decrypt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.db.models import Cluster, Deployment, DeploymentEvent, DeploymentRevision
from builder.errors import Conflict, NotFound
from builder.secrets.store import decrypt, encrypt
from builder.security.keys import secrets_fernet
from builder.settings import Settings

BUSY = ("deploying", "undeploying")  # "pending" exists only until the first operation starts


def _bound_name(cluster_id: str) -> str:
    return f"cluster/{cluster_id}/kubeconfig"  # '/' never occurs in a secret name: no clash with secrets


def seal_kubeconfig(settings: Settings, workspace_id: str, cluster_id: str, kubeconfig: str) -> str:
    return encrypt(secrets_fernet(settings), workspace_id, _bound_name(cluster_id), kubeconfig)


def open_kubeconfig(settings: Settings, cluster: Cluster) -> str:
    return decrypt(secrets_fernet(settings), cluster.workspace_id, _bound_name(cluster.id),
                   cluster.kubeconfig_ciphertext)


# --- clusters --------------------------------------------------------------------------------------------------


async def list_clusters(session: AsyncSession, workspace_id: str) -> list[Cluster]:
    rows = await session.execute(select(Cluster).where(Cluster.workspace_id == workspace_id).order_by(Cluster.name))
    return list(rows.scalars())


async def get_cluster(session: AsyncSession, workspace_id: str, cluster_id: str) -> Cluster:
    row = await session.get(Cluster, cluster_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"cluster '{cluster_id}'")
    return row


async def find_cluster(session: AsyncSession, workspace_id: str, ref: str) -> Cluster:
    """A cluster by id or by name."""
    row = await session.get(Cluster, ref)
    if row is not None and row.workspace_id == workspace_id:
        return row
    found = (await session.execute(select(Cluster).where(Cluster.workspace_id == workspace_id,
                                                         Cluster.name == ref))).scalar_one_or_none()
    if found is None:
        raise NotFound(f"cluster '{ref}'")
    return found


async def name_taken(session: AsyncSession, workspace_id: str, name: str, *, except_id: str | None = None) -> bool:
    query = select(Cluster.id).where(Cluster.workspace_id == workspace_id, Cluster.name == name)
    found = (await session.execute(query)).scalars().all()
    return any(cluster_id != except_id for cluster_id in found)


async def cluster_in_use(session: AsyncSession, cluster_id: str) -> int:
    query = select(func.count()).select_from(Deployment).where(Deployment.cluster_id == cluster_id,
                                                               Deployment.status != "removed")
    return int((await session.execute(query)).scalar_one())


# --- deployments -----------------------------------------------------------------------------------------------


async def get_deployment(session: AsyncSession, workspace_id: str, deployment_id: str) -> Deployment:
    row = await session.get(Deployment, deployment_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"deployment '{deployment_id}'")
    return row


async def find_target(session: AsyncSession, cluster_id: str, namespace: str, name: str) -> Deployment | None:
    query = select(Deployment).where(Deployment.cluster_id == cluster_id, Deployment.namespace == namespace,
                                     Deployment.name == name)
    return (await session.execute(query)).scalar_one_or_none()


async def list_deployments(session: AsyncSession, workspace_id: str, *, graph_id: str | None = None,
                           cluster_id: str | None = None, status: str | None = None, limit: int = 50,
                           offset: int = 0) -> tuple[list[Deployment], int]:
    query = select(Deployment).where(Deployment.workspace_id == workspace_id)
    if graph_id:
        query = query.where(Deployment.graph_id == graph_id)
    if cluster_id:
        query = query.where(Deployment.cluster_id == cluster_id)
    if status:
        query = query.where(Deployment.status == status)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = await session.execute(query.order_by(Deployment.updated_at.desc(), Deployment.id).limit(limit)
                                 .offset(offset))
    return list(rows.scalars()), total


async def list_revisions(session: AsyncSession, deployment_id: str) -> list[DeploymentRevision]:
    rows = await session.execute(select(DeploymentRevision).where(DeploymentRevision.deployment_id == deployment_id)
                                 .order_by(DeploymentRevision.revision.desc()))
    return list(rows.scalars())


def is_busy(deployment: Deployment, stale_after_s: float) -> bool:
    """True while an operation runs; one that has not finished after ``stale_after_s`` was interrupted."""
    if deployment.status not in BUSY:
        return False
    updated = deployment.updated_at if deployment.updated_at.tzinfo else deployment.updated_at.replace(tzinfo=UTC)
    return (datetime.now(UTC) - updated).total_seconds() < stale_after_s


async def begin_operation(session: AsyncSession, deployment: Deployment, *, action: str, graph_version: int | None,
                          user_id: str | None, stale_after_s: float = 1800.0) -> DeploymentRevision:
    """Mark the deployment busy and open its next revision (Conflict while another operation runs). Commits.

    A revision left running by a process that died is closed as failed ("interrupted") first.
    """
    if is_busy(deployment, stale_after_s):
        raise Conflict(f"deployment '{deployment.id}' is busy ({deployment.status}); wait for it to finish")
    if deployment.status in BUSY:
        stale = await session.get(DeploymentRevision, (deployment.id, deployment.revision))
        if stale is not None and stale.status == "running":
            stale.status, stale.error = "failed", "interrupted: the platform process stopped during the operation"
            stale.finished_at = datetime.now(UTC)
    deployment.revision += 1
    deployment.status = "undeploying" if action == "undeploy" else "deploying"
    deployment.error = None
    deployment.updated_at = datetime.now(UTC)
    revision = DeploymentRevision(deployment_id=deployment.id, revision=deployment.revision, action=action,
                                  graph_version=graph_version, status="running", objects=[], created_by=user_id)
    session.add(revision)
    await session.commit()
    return revision


async def finish_operation(session: AsyncSession, deployment_id: str, revision: int, *, ok: bool,
                           error: str | None = None, objects: list[str] | None = None,
                           fields: dict[str, Any] | None = None) -> None:
    """Close a revision and update the deployment row. Commits."""
    deployment = await session.get(Deployment, deployment_id)
    row = await session.get(DeploymentRevision, (deployment_id, revision))
    if deployment is None or row is None:
        return
    now = datetime.now(UTC)
    row.status = "succeeded" if ok else "failed"
    row.error = error
    row.finished_at = now
    if objects is not None:
        row.objects = objects
    for key, value in (fields or {}).items():
        setattr(deployment, key, value)
    deployment.error = error
    deployment.updated_at = now
    await session.commit()


async def previous_good_version(session: AsyncSession, deployment: Deployment) -> int | None:
    """The graph version of the last successful deploy before the one running now."""
    versions = [r.graph_version for r in await list_revisions(session, deployment.id)
                if r.status == "succeeded" and r.action in ("deploy", "rollback") and r.graph_version is not None]
    for version in versions:
        if version != deployment.graph_version:
            return version
    return None


async def add_event(session: AsyncSession, deployment_id: str, revision: int, event: dict[str, Any]) -> int:
    row = DeploymentEvent(deployment_id=deployment_id, revision=revision, type=str(event.get("type", "status"))[:40],
                          data=event)
    session.add(row)
    await session.commit()
    return row.id


async def events_after(session: AsyncSession, deployment_id: str, after: int, limit: int = 500) -> list[DeploymentEvent]:
    rows = await session.execute(select(DeploymentEvent).where(DeploymentEvent.deployment_id == deployment_id,
                                                               DeploymentEvent.id > after)
                                 .order_by(DeploymentEvent.id).limit(limit))
    return list(rows.scalars())
