"""Health of each service role: the one group of routes reachable without credentials."""

from __future__ import annotations

from fastapi import APIRouter

from builder import __version__


def health_router(role: str) -> APIRouter:
    router = APIRouter(prefix=f"/api/{role}", tags=["health"])

    @router.get("/health", summary=f"Health of the {role} role")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": role, "version": __version__}

    return router
