"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from builder import __version__
from builder.agents.api import install_published_api
from builder.context import current_context, ensure_local_identity
from builder.db.engine import make_engine, make_sessionmaker
from builder.db.migrate import upgrade_database
from builder.errors import document_error_body, install_error_handlers
from builder.gateway import install_gateway
from builder.limits import BodySizeLimit
from builder.observability.http import ObservabilityMiddleware
from builder.observability.setup import release_observability, setup_observability
from builder.roles import ROLE_ROUTERS
from builder.routes import prometheus
from builder.routes.health import health_router
from builder.routes.web import web_router
from builder.security import install_security
from builder.settings import Settings, get_settings
from runtime.heap import freeze_setup_objects
from runtime.worker.rows import open_rows


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the platform app for ``settings`` (the environment's by default)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_observability(settings, service="lcnc-" + ("all" if len(settings.services) > 1 else settings.services[0]))
        if settings.auto_migrate:
            await asyncio.to_thread(upgrade_database, settings)
        engine = make_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.rows = open_rows(settings.resolved_database_url, engine, max_size=settings.database_pool_size)
        app.state.local_context = (
            await ensure_local_identity(app.state.sessionmaker) if settings.local_mode else None
        )
        if getattr(app.state, "freeze_heap", False):
            freeze_setup_objects()
        try:
            yield
        finally:
            release_observability()
            queue, app.state.run_queue = getattr(app.state, "run_queue", None), None
            if queue is not None:  # its Redis clients (or the SQLite event file), opened on first use
                await queue.close()
            await app.state.rows.close()
            await engine.dispose()

    app = FastAPI(
        title="lcnc",
        version=__version__,
        description="Build, run, export and deploy AI agent and workflow graphs.",
        lifespan=lifespan,
        # One server span and one set of request metrics per request: ObservabilityMiddleware's. FastAPI's own
        # telemetry would add a second request span and a span per dependency, endpoint and serialization to
        # every trace (and store them), for each request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.local_context = None
    install_error_handlers(app)
    document_error_body(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)
    install_security(app, settings)  # auth, login routes, rate limits, path guard, security headers

    authenticated = [Depends(current_context)]
    for role in settings.services:
        app.include_router(health_router(role))
        for router in ROLE_ROUTERS[role]:
            app.include_router(router, dependencies=authenticated)
    if settings.metrics_enabled:
        app.include_router(prometheus.router)
    install_published_api(app, settings)  # /api/agents/<slug>/run...: authenticated by the agent's scoped keys
    install_gateway(app, settings)
    app.include_router(web_router())  # the web editor at /, last: its fallback catches the rest
    return app
