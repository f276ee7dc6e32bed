"""Alembic migrations apply on both backends and match the models."""

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from builder.db.migrate import alembic_config
from builder.db.tables import metadata
from builder.settings import Settings, sync_url


def _check(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = sa.create_engine(sync_url(url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert [d for d in diff if d[0] != "remove_table"] == [], diff
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_sqlite(tmp_path) -> None:
    _check(Settings(data_dir=tmp_path).resolved_database_url)


def test_postgres(fresh_postgres_url) -> None:
    _check(fresh_postgres_url)
