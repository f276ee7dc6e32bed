"""Workspace roles, lowest first: viewer (read), editor (read and write), owner (everything, members and keys)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from builder.context import RequestContext, current_context
from builder.errors import ApiError

ROLES = ("viewer", "editor", "owner")


def role_at_least(role: str, minimum: str) -> bool:
    """True when ``role`` includes ``minimum`` (an unknown role includes nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(minimum)


def require_role(minimum: str) -> Callable[[RequestContext], Awaitable[RequestContext]]:
    """A dependency answering 403 unless the caller's role in the workspace is at least ``minimum``."""
    if minimum not in ROLES:
        raise ValueError(f"unknown role {minimum!r}; roles: {', '.join(ROLES)}")

    async def dependency(ctx: Annotated[RequestContext, Depends(current_context)]) -> RequestContext:
        if not role_at_least(ctx.role, minimum):
            raise ApiError(403, f"this action needs the {minimum} role in the workspace; yours is {ctx.role}")
        return ctx

    dependency.__name__ = f"require_{minimum}"
    return dependency


EditorDep = Annotated[RequestContext, Depends(require_role("editor"))]
OwnerDep = Annotated[RequestContext, Depends(require_role("owner"))]
