"""Annotated dependencies that routes declare."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from builder.context import RequestContext, current_context
from builder.settings import Settings
from runtime.worker.rows import Rows


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


# Dependencies are coroutines: FastAPI runs a plain function in a worker thread, a thread hop per request.
async def _rows(request: Request) -> Rows:
    return request.app.state.rows


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


SessionDep = Annotated[AsyncSession, Depends(_session)]
ContextDep = Annotated[RequestContext, Depends(current_context)]
RowsDep = Annotated[Rows, Depends(_rows)]  # single statements on the hot path (runtime.worker.rows)
SettingsDep = Annotated[Settings, Depends(_settings)]
