"""Alembic environment: runs migrations with the synchronous driver of DATABASE_URL."""

from alembic import context
from sqlalchemy import engine_from_config, pool, text

from builder.db.tables import metadata as target_metadata

config = context.config
if not config.get_main_option("sqlalchemy.url"):
    from builder.settings import Settings, sync_url

    config.set_main_option("sqlalchemy.url", sync_url(Settings().resolved_database_url))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Init containers of several replicas may migrate at once: one goes, the others wait and find it done.
            connection.execute(text("SELECT pg_advisory_lock(7243011)"))
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
