"""API keys: `lcnc_<prefix>_<secret>`, for scripts and for generated services calling back.

Only the prefix (to find the row) and a SHA-256 hash of the whole key are stored; the key is shown once, when
it is created. A key acts as its user in its one workspace, with at most the role it was given (and never more
than the user's current role there).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from builder.auth.errors import AuthError, Unauthorized
from builder.auth.roles import role_at_least
from builder.context import RequestContext
from builder.db.models import ApiKey
from builder.errors import NotFound

KEY_PREFIX = "lcnc_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def looks_like_api_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


async def create_api_key(session: AsyncSession, ctx: RequestContext, *, name: str, role: str,
                         expires_in_days: int | None) -> tuple[ApiKey, str]:
    """A new key of the caller in the caller's workspace; returns the row and the key (shown once)."""
    if not role_at_least(ctx.role, role):
        raise AuthError(403, f"a {ctx.role} cannot create a key with the {role} role")
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    row = ApiKey(prefix=prefix, key_hash=_hash(key), name=name, workspace_id=ctx.workspace_id, user_id=ctx.user_id,
                 role=role, expires_at=expires)
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row, key


async def list_api_keys(session: AsyncSession, ctx: RequestContext) -> list[ApiKey]:
    """The caller's keys in the workspace; an owner sees every key of the workspace."""
    query = select(ApiKey).where(ApiKey.workspace_id == ctx.workspace_id)
    if ctx.role != "owner":
        query = query.where(ApiKey.user_id == ctx.user_id)
    return list((await session.execute(query.order_by(ApiKey.created_at.desc()))).scalars())


async def revoke_api_key(session: AsyncSession, ctx: RequestContext, key_id: str) -> None:
    query = update(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == ctx.workspace_id)
    if ctx.role != "owner":
        query = query.where(ApiKey.user_id == ctx.user_id)
    result = await session.execute(query.values(revoked_at=datetime.now(UTC)))
    await session.commit()
    if result.rowcount != 1:
        raise NotFound(f"API key '{key_id}'")


async def verify_api_key(session: AsyncSession, key: str) -> ApiKey:
    """The live key row for ``key``; 401 for an unknown, wrong, revoked or expired key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or not parts[1] or len(key) > 200:
        raise Unauthorized("invalid API key")
    row = (await session.execute(select(ApiKey).where(ApiKey.prefix == parts[1]))).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, _hash(key)):
        raise Unauthorized("invalid API key")
    now = datetime.now(UTC)
    if row.revoked_at is not None:
        raise Unauthorized("API key revoked")
    if row.expires_at is not None and _utc(row.expires_at) <= now:
        raise Unauthorized("API key expired")
    if row.last_used_at is None or _utc(row.last_used_at) < now - LAST_USED_RESOLUTION:
        await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        await session.commit()
    return row


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
