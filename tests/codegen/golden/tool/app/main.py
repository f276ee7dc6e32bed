"""The FastAPI app: ``uvicorn app.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import runner
from app.api import router
from app.custom import hooks
from app.observability import setup_logging, setup_tracing
from app.runs import RunStore
from app.services import build_services
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings.log_level)
    setup_tracing(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.get_graph()  # compile once before taking traffic
        app.state.ready = True
        yield
        app.state.ready = False

    app = FastAPI(
        title='Clock',
        description='Calls the built-in current time tool.',
        version='0.1.0',
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = build_services(settings)
    app.state.runs = RunStore(settings.max_runs)
    app.state.ready = False
    app.include_router(router)
    hooks.configure(app)
    return app


app = create_app()
