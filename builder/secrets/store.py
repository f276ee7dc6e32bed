"""Workspace secrets, encrypted at rest with Fernet (key derived from SECRETS_KEY).

A graph names a secret (config fields marked `x-lcnc-widget: secret`); code that needs the value calls
`resolve_secret(session, workspace_id, name)`. The API never returns a value. Each ciphertext is bound to its
workspace and name, so a row copied to another name or workspace does not decrypt.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.db.models import Secret
from builder.errors import ApiError, Conflict, NotFound
from builder.security.keys import secrets_fernet
from builder.settings import Settings, get_settings

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"
MAX_VALUE_BYTES = 64 * 1024
_NAME = re.compile(NAME_PATTERN)


class SecretNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"secret '{name}'")
        self.name = name


class SecretUndecryptable(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(500, f"secret '{name}' cannot be decrypted with the current SECRETS_KEY")


def _bound(workspace_id: str, name: str) -> bytes:
    return f"{workspace_id}/{name}\n".encode()


def encrypt(fernet: Fernet, workspace_id: str, name: str, value: str) -> str:
    return fernet.encrypt(_bound(workspace_id, name) + value.encode("utf-8")).decode("ascii")


def decrypt(fernet: Fernet, workspace_id: str, name: str, ciphertext: str) -> str:
    try:
        plain = fernet.decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, ValueError) as exc:
        raise SecretUndecryptable(name) from exc
    header = _bound(workspace_id, name)
    if not plain.startswith(header):
        raise SecretUndecryptable(name)
    return plain[len(header):].decode("utf-8")


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ApiError(422, f"secret name '{name[:80]}' must match {NAME_PATTERN}",
                       [{"loc": ["name"], "msg": f"must match {NAME_PATTERN}"}])
    return name


def check_value(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise ApiError(422, f"a secret value has at most {MAX_VALUE_BYTES} bytes",
                       [{"loc": ["body", "value"], "msg": f"at most {MAX_VALUE_BYTES} bytes"}])
    return value


async def list_secrets(session: AsyncSession, workspace_id: str) -> list[Secret]:
    return list((await session.execute(
        select(Secret).where(Secret.workspace_id == workspace_id).order_by(Secret.name)
    )).scalars())


async def get_secret(session: AsyncSession, workspace_id: str, name: str) -> Secret:
    row = await session.get(Secret, (workspace_id, name))
    if row is None:
        raise SecretNotFound(name)
    return row


async def put_secret(session: AsyncSession, settings: Settings, *, workspace_id: str, name: str, value: str,
                     description: str | None, user_id: str | None, create_only: bool = False) -> tuple[Secret, bool]:
    """Create or replace a secret; returns the row and whether it was created. Commits."""
    check_name(name)
    check_value(value)
    ciphertext = encrypt(secrets_fernet(settings), workspace_id, name, value)
    row = await session.get(Secret, (workspace_id, name))
    created = row is None
    if row is None:
        row = Secret(workspace_id=workspace_id, name=name, ciphertext=ciphertext, description=description or "",
                     created_by=user_id)
        session.add(row)
    elif create_only:
        raise Conflict(f"secret '{name}' already exists; PUT /secrets/{name} replaces it")
    else:
        row.ciphertext = ciphertext
        row.updated_at = datetime.now(UTC)
        if description is not None:
            row.description = description
    await session.commit()
    await session.refresh(row)
    return row, created


async def delete_secret(session: AsyncSession, workspace_id: str, name: str) -> None:
    row = await get_secret(session, workspace_id, name)
    await session.delete(row)
    await session.commit()


async def resolve_secret(session: AsyncSession, workspace_id: str, name: str, *, settings: Settings | None = None) -> str:
    """The plain value of the workspace's secret ``name`` (SecretNotFound when there is none).

    For code that runs a graph; never put the value in a response, a log line, an event or a trace.
    """
    row = await get_secret(session, workspace_id, name)
    return decrypt(secrets_fernet(settings or get_settings()), workspace_id, name, row.ciphertext)
