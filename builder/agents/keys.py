"""API keys scoped to one published agent: `lcpk_<prefix>_<secret>`, a requests-per-minute limit, usage counts.

Like the platform's API keys (builder.auth.apikeys) only the prefix and a SHA-256 hash are stored and the key is
shown once. Unlike them a scoped key is no identity in the workspace: it can start and read runs of its one
published agent and nothing else (the platform's authentication does not accept it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from builder.auth.errors import AuthError, RateLimited, Unauthorized
from builder.context import RequestContext
from builder.db.models import PublishedAgent, PublishedKey, utcnow
from builder.errors import NotFound

KEY_PREFIX = "lcpk_"
WINDOW_S = 60
LAST_USED_RESOLUTION = timedelta(seconds=30)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def create_key(session: AsyncSession, ctx: RequestContext, agent: PublishedAgent, *, name: str,
                     rate_limit_per_minute: int) -> tuple[PublishedKey, str]:
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = PublishedKey(agent_id=agent.id, prefix=prefix, key_hash=_hash(key), name=name,
                       rate_limit_per_minute=rate_limit_per_minute, request_count=0, run_count=0,
                       created_by=ctx.user_id, created_at=utcnow())
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row, key


async def list_keys(session: AsyncSession, agent: PublishedAgent) -> list[PublishedKey]:
    rows = await session.execute(select(PublishedKey).where(PublishedKey.agent_id == agent.id)
                                 .order_by(PublishedKey.created_at.desc()))
    return list(rows.scalars())


async def revoke_key(session: AsyncSession, agent: PublishedAgent, key_id: str) -> PublishedKey:
    row = await session.get(PublishedKey, key_id)
    if row is None or row.agent_id != agent.id:
        raise NotFound(f"key '{key_id}' of agent '{agent.slug}'")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
    return row


def _credential(request: Request) -> str | None:
    value = request.headers.get("x-api-key", "").strip()
    if value:
        return value
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class Caller:
    """A request authenticated by a key of the published agent it calls."""

    agent: PublishedAgent
    key: PublishedKey

    @property
    def context(self) -> RequestContext:
        """Runs are created in the agent's workspace, on behalf of whoever published it."""
        return RequestContext(user_id=self.agent.created_by or "", workspace_id=self.agent.workspace_id,
                              role="viewer")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def authenticate(request: Request, session: AsyncSession, slug: str) -> Caller:
    """401 without a valid live key, 403 for a key of another agent, 404 for an unpublished agent,
    429 (Retry-After) past the key's requests per minute. Counts the request on the key."""
    value = _credential(request)
    if value is None:
        raise Unauthorized("an API key of this agent is required: send `X-API-Key: lcpk_...`")
    parts = value.split("_", 2)
    if not value.startswith(KEY_PREFIX) or len(parts) != 3 or not parts[1] or len(value) > 200:
        raise Unauthorized("invalid API key")
    key = (await session.execute(select(PublishedKey).where(PublishedKey.prefix == parts[1]))).scalar_one_or_none()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(value)):
        raise Unauthorized("invalid API key")
    if key.revoked_at is not None:
        raise Unauthorized("API key revoked")
    agent = await session.get(PublishedAgent, key.agent_id)
    if agent is None or agent.slug != slug:
        raise AuthError(403, f"this key is not scoped to agent '{slug}'")
    if agent.status != "published":
        raise NotFound(f"published agent '{slug}'")
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None and key.rate_limit_per_minute > 0:
        decision = await limiter.hit(f"agentkey:{key.id}", key.rate_limit_per_minute, WINDOW_S)
        if not decision.allowed:
            raise RateLimited(decision.retry_after, f"this key is limited to {key.rate_limit_per_minute} "
                                                    "requests per minute")
    now = utcnow()
    values: dict[str, object] = {"request_count": PublishedKey.request_count + 1}
    if key.last_used_at is None or _utc(key.last_used_at) < now - LAST_USED_RESOLUTION:
        values["last_used_at"] = now
    await session.execute(update(PublishedKey).where(PublishedKey.id == key.id).values(**values)
                          .execution_options(synchronize_session=False))
    await session.commit()
    return Caller(agent=agent, key=key)


async def count_run(session: AsyncSession, key: PublishedKey) -> None:
    await session.execute(update(PublishedKey).where(PublishedKey.id == key.id)
                          .values(run_count=PublishedKey.run_count + 1).execution_options(synchronize_session=False))
    await session.commit()
