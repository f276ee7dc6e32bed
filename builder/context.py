"""Who is calling and in which workspace: the one dependency every route goes through."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from builder.db.models import Membership, User, Workspace
from builder.errors import ApiError

LOCAL_USER_EMAIL = "local@lcnc.invalid"
LOCAL_WORKSPACE_NAME = "Local workspace"


@dataclass(frozen=True)
class RequestContext:
    user_id: str
    workspace_id: str
    role: str
    local: bool = False


async def ensure_local_identity(sessionmaker: async_sessionmaker[AsyncSession]) -> RequestContext:
    """Create (once) the single user and workspace of local mode and return their context."""
    async with sessionmaker() as session, session.begin():
        user = (await session.execute(select(User).where(User.email == LOCAL_USER_EMAIL))).scalar_one_or_none()
        if user is None:
            user = User(email=LOCAL_USER_EMAIL, display_name="Local user")
            workspace = Workspace(name=LOCAL_WORKSPACE_NAME)
            session.add_all([user, workspace])
            await session.flush()
            session.add(Membership(workspace_id=workspace.id, user_id=user.id, role="owner"))
            return RequestContext(user_id=user.id, workspace_id=workspace.id, role="owner", local=True)
        membership = (
            await session.execute(select(Membership).where(Membership.user_id == user.id))
        ).scalars().first()
        if membership is None:
            raise RuntimeError("local user has no workspace")
        return RequestContext(user_id=user.id, workspace_id=membership.workspace_id, role=membership.role, local=True)


async def current_context(request: Request) -> RequestContext:
    """The caller's identity. Local mode: the local user. Otherwise a credential is required."""
    local: RequestContext | None = getattr(request.app.state, "local_context", None)
    if local is not None:
        return local
    authenticate = getattr(request.app.state, "authenticate", None)
    if authenticate is None:
        raise ApiError(401, "authentication required")
    return await authenticate(request)
