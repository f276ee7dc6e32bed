"""Users, workspaces and memberships: what `lcnc user create` and the login need."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.auth.passwords import hash_password
from builder.auth.roles import ROLES
from builder.db.models import Membership, User, Workspace


@dataclass(frozen=True)
class CreatedUser:
    user_id: str
    workspace_id: str
    role: str
    created_user: bool
    created_workspace: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_user(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(
        select(User).where(func.lower(User.email) == normalize_email(email))
    )).scalars().first()


async def workspaces_of(session: AsyncSession, user_id: str) -> list[tuple[str, str, str]]:
    """(workspace id, name, role) of every membership of the user, oldest workspace first."""
    rows = await session.execute(
        select(Workspace.id, Workspace.name, Membership.role).join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id).order_by(Workspace.created_at, Workspace.id)
    )
    return [(r.id, r.name, r.role) for r in rows]


async def create_user(session: AsyncSession, *, email: str, password: str, workspace: str, role: str = "owner",
                      display_name: str = "") -> CreatedUser:
    """Create (or update the password of) a user and make them a member of ``workspace`` (an id or a name;
    created when no workspace has it). Commits."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    email = normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise ValueError("email must look like name@domain")
    password_hash = hash_password(password)
    user = await find_user(session, email)
    created_user = user is None
    if user is None:
        user = User(email=email, display_name=display_name or email.split("@", 1)[0], password_hash=password_hash)
        session.add(user)
    else:
        user.password_hash = password_hash
        user.is_active = True
    ws = await session.get(Workspace, workspace) or (await session.execute(
        select(Workspace).where(Workspace.name == workspace).order_by(Workspace.created_at)
    )).scalars().first()
    created_workspace = ws is None
    if ws is None:
        ws = Workspace(name=workspace[:200])
        session.add(ws)
    await session.flush()
    membership = await session.get(Membership, (ws.id, user.id))
    if membership is None:
        session.add(Membership(workspace_id=ws.id, user_id=user.id, role=role))
    else:
        membership.role = role
    await session.commit()
    return CreatedUser(user.id, ws.id, role, created_user, created_workspace)
