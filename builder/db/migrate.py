"""Applying the Alembic migrations from code (the same ones `alembic upgrade head` applies)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from builder.settings import Settings, sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade_database(settings: Settings) -> None:
    """Bring the platform database to the latest schema."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.resolved_database_url), "head")
