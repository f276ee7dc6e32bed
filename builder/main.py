"""ASGI entry point for process managers: `uvicorn builder.main:create --factory` (what `lcnc serve` runs)."""

from __future__ import annotations

from fastapi import FastAPI

from builder.app import create_app


def create() -> FastAPI:
    """The platform app for this process's environment (SERVICES, DATABASE_URL, ...)."""
    app = create_app()
    app.state.freeze_heap = True  # a serving process: keep the collector off its set-up (runtime.heap)
    return app
