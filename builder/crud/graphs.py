"""Graphs and their immutable versions, with optimistic concurrency on every save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from builder.context import RequestContext
from builder.db.models import Graph, GraphVersion, utcnow
from builder.errors import Conflict, NotFound
from runtime.spec import GraphSpec
from runtime.worker.rows import Rows


def _dump(spec: GraphSpec) -> dict:
    return spec.model_dump(mode="json")


async def create_graph(session: AsyncSession, *, ctx: RequestContext, spec: GraphSpec, message: str = "") -> Graph:
    """Save a new graph as version 1; 409 when the workspace already has a graph with that id."""
    now = utcnow()
    graph = Graph(
        workspace_id=ctx.workspace_id, id=spec.id, name=spec.name, description=spec.description, version=1,
        spec=_dump(spec), created_by=ctx.user_id, created_at=now, updated_at=now,
    )
    session.add(graph)
    session.add(
        GraphVersion(workspace_id=ctx.workspace_id, graph_id=spec.id, version=1, spec=_dump(spec),
                     message=message or "created", created_by=ctx.user_id, created_at=now)
    )
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"a graph with id '{spec.id}' already exists") from exc
    return graph


async def get_graph(session: AsyncSession, *, workspace_id: str, graph_id: str) -> Graph:
    graph = await session.get(Graph, (workspace_id, graph_id))
    if graph is None:
        raise NotFound(f"graph '{graph_id}'")
    return graph


_graphs, _versions = Graph.__table__.c, GraphVersion.__table__.c
_LATEST_SPEC = select(_graphs.version, _graphs.spec, _graphs.updated_at.label("saved_at")).where(
    _graphs.workspace_id == bindparam("workspace_id"), _graphs.id == bindparam("graph_id"))
_VERSION_SPEC = select(_versions.version, _versions.spec, _versions.created_at.label("saved_at")).where(
    _versions.workspace_id == bindparam("workspace_id"), _versions.graph_id == bindparam("graph_id"),
    _versions.version == bindparam("version"))


async def spec_to_run(rows: Rows, *, workspace_id: str, graph_id: str,
                      version: int | None) -> tuple[int, Any, datetime]:
    """(version, stored spec, when that version was saved) of a saved graph, the latest or one version: one
    statement, for starting a run."""
    params = {"workspace_id": workspace_id, "graph_id": graph_id}
    if version is None:
        row = await rows.one(_LATEST_SPEC, params)
        if row is None:
            raise NotFound(f"graph '{graph_id}'")
    else:
        row = await rows.one(_VERSION_SPEC, params | {"version": version})
        if row is None:
            raise NotFound(f"version {version} of graph '{graph_id}'")
    return row["version"], row["spec"], row["saved_at"]


async def list_graphs(
    session: AsyncSession, *, workspace_id: str, limit: int, offset: int
) -> tuple[list[Graph], int]:
    total = await session.scalar(select(func.count()).select_from(Graph).where(Graph.workspace_id == workspace_id))
    rows = await session.execute(
        select(Graph)
        .where(Graph.workspace_id == workspace_id)
        .order_by(Graph.updated_at.desc(), Graph.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total or 0)


async def update_graph(
    session: AsyncSession, *, ctx: RequestContext, graph_id: str, spec: GraphSpec, base_version: int, message: str = ""
) -> Graph:
    """Save a new version if nobody saved since ``base_version``; 409 otherwise (nothing is overwritten)."""
    now = utcnow()
    result = await session.execute(
        update(Graph)
        .where(Graph.workspace_id == ctx.workspace_id, Graph.id == graph_id, Graph.version == base_version)
        .values(version=base_version + 1, spec=_dump(spec), name=spec.name, description=spec.description,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.rollback()
        current = await get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
        raise Conflict(
            f"graph '{graph_id}' was saved as version {current.version} since version {base_version}; "
            "reload it and apply your changes again"
        )
    session.add(
        GraphVersion(workspace_id=ctx.workspace_id, graph_id=graph_id, version=base_version + 1, spec=_dump(spec),
                     message=message, created_by=ctx.user_id, created_at=now)
    )
    await session.commit()
    graph = await get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)
    await session.refresh(graph)
    return graph


async def delete_graph(session: AsyncSession, *, workspace_id: str, graph_id: str) -> None:
    await get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
    await session.execute(
        delete(GraphVersion).where(GraphVersion.workspace_id == workspace_id, GraphVersion.graph_id == graph_id)
    )
    await session.execute(delete(Graph).where(Graph.workspace_id == workspace_id, Graph.id == graph_id))
    await session.commit()


async def list_versions(session: AsyncSession, *, workspace_id: str, graph_id: str) -> list[GraphVersion]:
    await get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
    rows = await session.execute(
        select(GraphVersion)
        .where(GraphVersion.workspace_id == workspace_id, GraphVersion.graph_id == graph_id)
        .order_by(GraphVersion.version.desc())
    )
    return list(rows.scalars())


async def get_version(session: AsyncSession, *, workspace_id: str, graph_id: str, version: int) -> GraphVersion:
    row = await session.get(GraphVersion, (workspace_id, graph_id, version))
    if row is None:
        raise NotFound(f"version {version} of graph '{graph_id}'")
    return row
