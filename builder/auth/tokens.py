"""Access tokens (HS256 JWT, JWT_ACCESS_TOKEN_EXPIRE_MINUTES) and refresh tokens (opaque, hashed at rest,
rotated on every use, JWT_REFRESH_TOKEN_EXPIRE_DAYS).

A login starts a session: a family of refresh tokens whose id is the access token's `sid` claim. Logout revokes
the family, which also ends every access token of the session at once. Presenting a refresh token that was
already used (a stolen copy racing its owner) revokes the whole family.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from builder.auth.errors import Unauthorized
from builder.db.models import Membership, RefreshToken, User, new_id
from builder.security.keys import signing_key
from builder.settings import Settings

log = logging.getLogger("lcnc.auth")

ISSUER = "lcnc"
REFRESH_PREFIX = "lcnr_"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "ws", "sid", "type", "iss"]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user_id: str
    workspace_id: str
    session_id: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_access_token(settings: Settings, *, user_id: str, workspace_id: str, session_id: str) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    now = datetime.now(UTC)
    lifetime = settings.jwt_access_token_expire_minutes * 60
    claims = {"iss": ISSUER, "sub": user_id, "ws": workspace_id, "sid": session_id, "type": "access",
              "iat": now, "exp": now + timedelta(seconds=lifetime), "jti": uuid.uuid4().hex}
    return jwt.encode(claims, signing_key(settings), algorithm=settings.jwt_algorithm), lifetime


def decode_access_token(settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a valid access token; 401 for an expired, forged, unsigned or malformed one."""
    try:
        claims = jwt.decode(token, signing_key(settings), algorithms=[settings.jwt_algorithm], issuer=ISSUER,
                            options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("access token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("invalid access token") from exc
    if claims.get("type") != "access" or not all(isinstance(claims.get(k), str) for k in ("sub", "ws", "sid")):
        raise Unauthorized("invalid access token")
    return claims


async def _new_refresh(session: AsyncSession, settings: Settings, *, family_id: str, user_id: str,
                       workspace_id: str) -> tuple[str, int]:
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    lifetime = settings.jwt_refresh_token_expire_days * 86400
    session.add(RefreshToken(family_id=family_id, user_id=user_id, workspace_id=workspace_id,
                             token_hash=token_hash(token),
                             expires_at=datetime.now(UTC) + timedelta(seconds=lifetime)))
    return token, lifetime


async def start_session(session: AsyncSession, settings: Settings, *, user_id: str, workspace_id: str) -> TokenPair:
    """Issue the first refresh token of a new session and an access token (commits)."""
    family_id = new_id()
    refresh, refresh_lifetime = await _new_refresh(session, settings, family_id=family_id, user_id=user_id,
                                                   workspace_id=workspace_id)
    await session.commit()
    access, lifetime = create_access_token(settings, user_id=user_id, workspace_id=workspace_id, session_id=family_id)
    return TokenPair(access, lifetime, refresh, refresh_lifetime, user_id, workspace_id, family_id)


async def revoke_session(session: AsyncSession, family_id: str) -> int:
    """Revoke every refresh token of a session (and so its access tokens); returns the tokens revoked."""
    result = await session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await session.commit()
    return result.rowcount or 0


async def rotate(session: AsyncSession, settings: Settings, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old token can never be used again."""
    if not refresh_token.startswith(REFRESH_PREFIX) or len(refresh_token) > 200:
        raise Unauthorized("invalid refresh token")
    row = (await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(refresh_token))
    )).scalar_one_or_none()
    if row is None:
        raise Unauthorized("invalid refresh token")
    if row.revoked_at is not None:
        raise Unauthorized("the session has ended; log in again")
    if _as_utc(row.expires_at) <= datetime.now(UTC):
        raise Unauthorized("refresh token expired; log in again")
    row_id, family_id, user_id, workspace_id = row.id, row.family_id, row.user_id, row.workspace_id
    # Claim the token atomically: of two concurrent uses, exactly one wins; the other is a reuse.
    claimed = await session.execute(
        update(RefreshToken).where(RefreshToken.id == row_id, RefreshToken.used_at.is_(None),
                                   RefreshToken.revoked_at.is_(None))
        .values(used_at=datetime.now(UTC))
    )
    if claimed.rowcount != 1:
        await session.rollback()
        revoked = await revoke_session(session, family_id)
        log.warning("auth: refresh token reused; session %s of user %s revoked (%d tokens)",
                    family_id, user_id, revoked)
        raise Unauthorized("refresh token was already used; the session is revoked, log in again")
    member = (await session.execute(
        select(Membership.role).join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id, Membership.workspace_id == workspace_id, User.is_active)
    )).scalar_one_or_none()
    if member is None:
        await session.rollback()
        raise Unauthorized("the account or its workspace membership is no longer active")
    refresh, refresh_lifetime = await _new_refresh(session, settings, family_id=family_id, user_id=user_id,
                                                   workspace_id=workspace_id)
    await session.commit()
    access, lifetime = create_access_token(settings, user_id=user_id, workspace_id=workspace_id,
                                           session_id=family_id)
    return TokenPair(access, lifetime, refresh, refresh_lifetime, user_id, workspace_id, family_id)


async def session_is_active(session: AsyncSession, *, family_id: str, user_id: str) -> bool:
    found = (await session.execute(
        select(RefreshToken.id).where(RefreshToken.family_id == family_id, RefreshToken.user_id == user_id,
                                      RefreshToken.revoked_at.is_(None)).limit(1)
    )).scalar_one_or_none()
    return found is not None
