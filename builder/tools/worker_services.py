"""The services a worker gives each run: the same as the platform's, built from the worker's own engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from builder.settings import Settings
from builder.tools.run_services import build_run_services
from runtime.compile import RunServices
from runtime.spec import GraphSpec


def worker_services_factory(settings: Settings) -> Callable[[Any, str, GraphSpec], Awaitable[RunServices]]:
    """An async (process state, workspace id, spec) -> RunServices for runtime.worker's WorkerConfig."""

    async def factory(state: Any, workspace_id: str, spec: GraphSpec) -> RunServices:
        sessionmaker = async_sessionmaker(state.engine, expire_on_commit=False)
        return await build_run_services(sessionmaker, settings, workspace_id, spec)

    return factory
