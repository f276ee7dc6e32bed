"""`authenticate(request)`: the non-local path of `builder.context.current_context`.

Credentials, in order: `X-API-Key: lcnc_...`, or `Authorization: Bearer <token>` holding either an API key
(`lcnc_...`) or an access token (JWT). Cookies are never credentials of the API (no CSRF surface). The
workspace is `X-Workspace-ID` when sent, else the token's (or key's); the caller must be a member of it,
otherwise the answer is 404, as for any resource of a workspace one cannot see.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select

from builder.auth.apikeys import looks_like_api_key, verify_api_key
from builder.auth.errors import AuthError, RateLimited, Unauthorized
from builder.auth.roles import ROLES
from builder.auth.tokens import decode_access_token, session_is_active
from builder.context import RequestContext
from builder.db.models import Membership, User
from builder.settings import Settings

log = logging.getLogger("lcnc.auth")
WORKSPACE_HEADER = "x-workspace-id"
_WORKSPACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class AuthInfo:
    """How the request authenticated (on `request.state.auth`)."""

    method: str  # "jwt" | "api_key"
    session_id: str | None = None
    api_key_id: str | None = None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _credential(request: Request) -> tuple[str, str] | None:
    api_key = request.headers.get("x-api-key", "").strip()
    if api_key:
        return "api_key", api_key
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    value = value.strip()
    return ("api_key" if looks_like_api_key(value) else "jwt"), value


def _fail(request: Request, error: AuthError) -> AuthError:
    log.info("auth: %s %s refused (%d %s) from %s", request.method, request.url.path, error.status_code,
             error.detail, client_address(request))
    return error


async def authenticate(request: Request) -> RequestContext:
    """Resolve the caller's identity and workspace role, or raise 401/404/429."""
    settings: Settings = request.app.state.settings
    credential = _credential(request)
    if credential is None:
        raise _fail(request, Unauthorized("authentication required: send `Authorization: Bearer <token>`"))
    kind, value = credential
    wanted = request.headers.get(WORKSPACE_HEADER, "").strip().lower() or None
    if wanted is not None and not _WORKSPACE_ID.match(wanted):
        raise _fail(request, AuthError(404, "workspace not found"))
    key_role = "owner"
    async with request.app.state.sessionmaker() as session:
        try:
            if kind == "api_key":
                key = await verify_api_key(session, value)
                user_id, workspace_id, key_role = key.user_id, key.workspace_id, key.role
                info = AuthInfo("api_key", api_key_id=key.id)
                if wanted is not None and wanted != workspace_id:
                    raise AuthError(404, "workspace not found")
            else:
                claims = decode_access_token(settings, value)
                user_id, workspace_id = claims["sub"], wanted or claims["ws"]
                info = AuthInfo("jwt", session_id=claims["sid"])
            row = (await session.execute(
                select(Membership.role, User.is_active).join(User, User.id == Membership.user_id)
                .where(Membership.user_id == user_id, Membership.workspace_id == workspace_id)
            )).one_or_none()
            if row is None:
                raise AuthError(404, "workspace not found")
            if not row.is_active:
                raise Unauthorized("account disabled")
            if info.session_id and not await session_is_active(session, family_id=info.session_id,
                                                               user_id=user_id):
                raise Unauthorized("the session has ended; log in again")
        except AuthError as error:
            raise _fail(request, error) from None
    member_role = row.role if row.role in ROLES else "viewer"
    role = min(member_role, key_role if key_role in ROLES else "viewer", key=ROLES.index)
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None and settings.rate_limit_requests > 0:
        decision = await limiter.hit(f"user:{user_id}", settings.rate_limit_requests, settings.rate_limit_window)
        if not decision.allowed:
            raise _fail(request, RateLimited(decision.retry_after, "too many requests for this user"))
    request.state.auth = info
    return RequestContext(user_id=user_id, workspace_id=workspace_id, role=role)
