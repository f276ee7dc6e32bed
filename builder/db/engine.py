"""The async engine and session factory, built from Settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from builder.settings import Settings


def make_engine(settings: Settings) -> AsyncEngine:
    """An engine for DATABASE_URL; pool settings apply to PostgreSQL, SQLite gets foreign keys and WAL."""
    url = settings.resolved_database_url
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        busy_ms = int(settings.database_busy_timeout * 1000)
        engine = create_async_engine(url, connect_args={"timeout": settings.database_busy_timeout})
        event.listen(engine.sync_engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, busy_ms))
        return engine
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        pool_pre_ping=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")  # first: switching to WAL may wait for a writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
