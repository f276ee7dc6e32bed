"""Closing what a part of the app opened when the app stops, without touching the app factory's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI


def close_on_shutdown(app: FastAPI, close: Callable[[], Awaitable[Any]]) -> None:
    """Run ``close()`` after the app's own lifespan has ended (also when start-up fails)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        try:
            async with inner(app_) as state:
                yield state
        finally:
            await close()

    app.router.lifespan_context = lifespan
