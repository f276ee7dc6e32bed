"""SQL connection rows; the URL goes into the workspace's secret store, never into this table or a response."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.db.models import Secret, SqlConnectionRow
from builder.errors import ApiError, Conflict, NotFound
from builder.secrets.store import SecretNotFound, put_secret, resolve_secret
from builder.settings import Settings
from runtime.nodes._sql import SqlConnection, SqlError, parse_target

AUTO_SECRET_PREFIX = "sqlconn."  # noqa: S105 (a name prefix, not a password)


def check_url(url: str, settings: Settings, *, owner: bool = True) -> str:
    """The URL's dialect; 422 for an unsupported URL, a SQLite file that is the platform's own database, or
    (for a non-owner) a SQLite file outside DATA_DIR: a file path reaches the server's disk."""
    try:
        target = parse_target(url)
    except SqlError as exc:
        raise ApiError(422, f"url: {exc}", [{"loc": ["body", "url"], "msg": str(exc)}]) from exc
    if target.dialect == "sqlite":
        path = Path(target.database)
        path = path if path.is_absolute() else settings.data_dir / path
        platform_db = (settings.data_dir / "lcnc.db").resolve()
        if path.resolve() == platform_db or (settings.is_sqlite and str(path.resolve()) in settings.resolved_database_url):
            raise ApiError(422, "url: the platform's own database cannot be a SQL connection",
                           [{"loc": ["body", "url"], "msg": "refused"}])
        if not owner and not path.resolve().is_relative_to(settings.data_dir.resolve()):
            raise ApiError(403, "only an owner can connect a SQLite file outside the platform's data folder")
    return target.dialect


async def get_row(session: AsyncSession, workspace_id: str, name: str) -> SqlConnectionRow:
    row = await session.get(SqlConnectionRow, (workspace_id, name))
    if row is None:
        raise NotFound(f"SQL connection '{name}'")
    return row


async def list_rows(session: AsyncSession, workspace_id: str) -> list[SqlConnectionRow]:
    return list((await session.execute(select(SqlConnectionRow).where(SqlConnectionRow.workspace_id == workspace_id)
                                       .order_by(SqlConnectionRow.name))).scalars())


async def create(session: AsyncSession, settings: Settings, *, workspace_id: str, user_id: str, name: str,
                 url: str | None, secret: str | None, writable: bool, description: str,
                 owner: bool = True) -> SqlConnectionRow:
    if await session.get(SqlConnectionRow, (workspace_id, name)) is not None:
        raise Conflict(f"a SQL connection named '{name}' exists")
    if (url is None) == (secret is None):
        raise ApiError(422, "give either url (stored as a secret) or secret (the name of a secret holding the URL)",
                       [{"loc": ["body", "url"], "msg": "exactly one of url or secret"}])
    if url is not None:
        dialect = check_url(url, settings, owner=owner)
        secret_name = f"{AUTO_SECRET_PREFIX}{name}"
        await put_secret(session, settings, workspace_id=workspace_id, name=secret_name, value=url,
                         description=f"URL of the SQL connection '{name}'", user_id=user_id)
    else:
        assert secret is not None
        try:
            dialect = check_url(await resolve_secret(session, workspace_id, secret, settings=settings), settings,
                                owner=owner)
        except SecretNotFound as exc:
            raise ApiError(422, f"secret: no secret named '{secret}'", [{"loc": ["body", "secret"],
                                                                         "msg": "not found"}]) from exc
        secret_name = secret
    row = SqlConnectionRow(workspace_id=workspace_id, name=name, secret_name=secret_name, dialect=dialect,
                           writable=writable, description=description, created_by=user_id)
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row


async def delete(session: AsyncSession, workspace_id: str, name: str) -> None:
    row = await get_row(session, workspace_id, name)
    if row.secret_name == f"{AUTO_SECRET_PREFIX}{name}":
        secret = await session.get(Secret, (workspace_id, row.secret_name))
        if secret is not None:
            await session.delete(secret)
    await session.delete(row)
    await session.commit()


async def connection(session: AsyncSession, settings: Settings, workspace_id: str, name: str) -> SqlConnection:
    row = await get_row(session, workspace_id, name)
    try:
        url = await resolve_secret(session, workspace_id, row.secret_name, settings=settings)
    except SecretNotFound as exc:
        raise ApiError(409, f"the secret '{row.secret_name}' of SQL connection '{name}' is missing") from exc
    return SqlConnection(name=row.name, url=url, writable=row.writable)
