"""Publishing: pin a runnable graph version at a slug, re-pin, roll back, unpublish (archive)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from builder.context import RequestContext
from builder.crud import graphs as graph_store
from builder.db.models import PublishedAgent, utcnow
from builder.errors import ApiError, Conflict, NotFound
from builder.graph_checks import check_runnable
from runtime.spec import GraphSpec

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)
# Path segments of the agents API that a slug must not shadow.
RESERVED_SLUGS = frozenset({"published", "templates", "import", "graphs", "health", "keys", "runs", "lifecycle"})


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ApiError(422, f"slug '{slug}': use 1-64 lowercase letters, digits and '-' (not at the ends)",
                       [{"loc": ["body", "slug"], "msg": "invalid slug", "type": "value_error"}])
    if slug in RESERVED_SLUGS:
        raise ApiError(422, f"slug '{slug}' is reserved; choose another",
                       [{"loc": ["body", "slug"], "msg": "reserved slug", "type": "value_error"}])
    return slug


async def pinned_spec(session: AsyncSession, *, workspace_id: str, graph_id: str,
                      version: int | None) -> tuple[int, GraphSpec]:
    """The graph version to pin (latest when ``version`` is None); 422 with the issues unless it can run."""
    if version is None:
        graph = await graph_store.get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
        number, raw = graph.version, graph.spec
    else:
        row = await graph_store.get_version(session, workspace_id=workspace_id, graph_id=graph_id, version=version)
        number, raw = row.version, row.spec
    spec = GraphSpec.model_validate(raw)
    check_runnable(spec)
    return number, spec


def _entry(action: str, version: int, ctx: RequestContext) -> dict[str, Any]:
    return {"action": action, "version": version, "at": utcnow().isoformat(), "by": ctx.user_id}


async def get_agent(session: AsyncSession, *, workspace_id: str, slug: str) -> PublishedAgent:
    agent = (await session.execute(select(PublishedAgent).where(PublishedAgent.slug == slug))).scalar_one_or_none()
    if agent is None or agent.workspace_id != workspace_id:
        raise NotFound(f"published agent '{slug}'")
    return agent


async def list_agents(session: AsyncSession, *, workspace_id: str, graph_id: str | None = None,
                      status: str | None = None) -> list[PublishedAgent]:
    query = select(PublishedAgent).where(PublishedAgent.workspace_id == workspace_id)
    if graph_id:
        query = query.where(PublishedAgent.graph_id == graph_id)
    if status:
        query = query.where(PublishedAgent.status == status)
    return list((await session.execute(query.order_by(PublishedAgent.updated_at.desc()))).scalars())


async def publish(session: AsyncSession, ctx: RequestContext, *, graph_id: str, version: int | None,
                  slug: str) -> tuple[PublishedAgent, bool]:
    """Pin ``version`` of ``graph_id`` at ``slug``; returns (agent, created). Re-publishing a slug of the same
    graph re-pins it (and revives an archived one); a slug of another graph or workspace is 409."""
    check_slug(slug)
    number, _spec = await pinned_spec(session, workspace_id=ctx.workspace_id, graph_id=graph_id, version=version)
    existing = (await session.execute(select(PublishedAgent).where(PublishedAgent.slug == slug))).scalar_one_or_none()
    if existing is not None:
        if existing.workspace_id != ctx.workspace_id or existing.graph_id != graph_id:
            raise Conflict(f"slug '{slug}' is already used by another published agent")
        action = "republish" if existing.status == "archived" else "pin"
        existing.version, existing.status, existing.updated_at = number, "published", utcnow()
        existing.history = [*existing.history, _entry(action, number, ctx)]
        await session.commit()
        return existing, False
    now = utcnow()
    agent = PublishedAgent(slug=slug, workspace_id=ctx.workspace_id, graph_id=graph_id, version=number,
                           status="published", history=[_entry("publish", number, ctx)], created_by=ctx.user_id,
                           created_at=now, updated_at=now)
    session.add(agent)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"slug '{slug}' is already used by another published agent") from exc
    return agent, True


def published_versions(agent: PublishedAgent) -> list[int]:
    """Versions this agent has served, oldest first, without repeats."""
    seen: list[int] = []
    for entry in agent.history:
        if entry.get("action") != "unpublish" and entry["version"] not in seen:
            seen.append(entry["version"])
    return seen


async def rollback(session: AsyncSession, ctx: RequestContext, *, slug: str, version: int | None) -> PublishedAgent:
    """Re-pin an earlier published version (the one served before the current pin when ``version`` is None)."""
    agent = await get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    served = published_versions(agent)
    if version is None:
        earlier = [entry["version"] for entry in agent.history
                   if entry.get("action") != "unpublish" and entry["version"] != agent.version]
        if not earlier:
            raise Conflict(f"agent '{slug}' has no earlier published version to roll back to")
        version = earlier[-1]
    elif version not in served:
        raise ApiError(422, f"version {version} of '{agent.graph_id}' was never published at '{slug}'; "
                            f"published versions: {', '.join(map(str, served))}",
                       [{"loc": ["body", "version"], "msg": "not a published version", "type": "value_error"}])
    await pinned_spec(session, workspace_id=ctx.workspace_id, graph_id=agent.graph_id, version=version)
    agent.version, agent.status, agent.updated_at = version, "published", utcnow()
    agent.history = [*agent.history, _entry("rollback", version, ctx)]
    await session.commit()
    return agent


async def unpublish(session: AsyncSession, ctx: RequestContext, *, slug: str) -> PublishedAgent:
    """Archive the agent: its endpoint stops answering (its keys and history are kept for a re-publish)."""
    agent = await get_agent(session, workspace_id=ctx.workspace_id, slug=slug)
    if agent.status == "archived":
        raise Conflict(f"agent '{slug}' is already unpublished")
    agent.status, agent.updated_at = "archived", utcnow()
    agent.history = [*agent.history, _entry("unpublish", agent.version, ctx)]
    await session.commit()
    return agent


async def lifecycle_state(session: AsyncSession, *, workspace_id: str, graph_id: str) -> dict[str, Any]:
    """draft (never published, or only archived agents) / published (some slug serves it) / archived."""
    await graph_store.get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
    agents = await list_agents(session, workspace_id=workspace_id, graph_id=graph_id)
    live = [a for a in agents if a.status == "published"]
    state = "published" if live else ("archived" if agents else "draft")
    return {"graph_id": graph_id, "state": state, "agents": agents}
