"""Secrets API (role gateway): names and descriptions in, never a value out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from builder.auth.roles import EditorDep
from builder.db.models import Secret
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.routes.auth import utc
from builder.secrets import store
from builder.secrets.store import MAX_VALUE_BYTES, NAME_PATTERN

router = APIRouter(prefix="/api/gateway/secrets", tags=["secrets"])
SecretName = Annotated[str, Path(pattern=NAME_PATTERN, description="Secret name, as graphs reference it.")]


class SecretCreate(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    value: str = Field(max_length=MAX_VALUE_BYTES)
    description: str = Field(default="", max_length=500)


class SecretUpdate(BaseModel):
    value: str = Field(max_length=MAX_VALUE_BYTES)
    description: str | None = Field(default=None, max_length=500)


class SecretPublic(BaseModel):
    """A secret's metadata; the value is never returned."""

    name: str
    description: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def _public(row: Secret) -> SecretPublic:
    return SecretPublic(name=row.name, description=row.description, created_by=row.created_by,
                        created_at=utc(row.created_at), updated_at=utc(row.updated_at))


@router.get("", response_model=list[SecretPublic], summary="List the workspace's secrets (names only)")
async def list_secrets(session: SessionDep, ctx: ContextDep) -> list[SecretPublic]:
    return [_public(row) for row in await store.list_secrets(session, ctx.workspace_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SecretPublic, summary="Create a secret",
             responses={409: {"description": "A secret of that name exists."}})
async def create_secret(body: SecretCreate, session: SessionDep, ctx: EditorDep, settings: SettingsDep) -> SecretPublic:
    row, _ = await store.put_secret(session, settings, workspace_id=ctx.workspace_id, name=body.name,
                                    value=body.value, description=body.description, user_id=ctx.user_id,
                                    create_only=True)
    return _public(row)


@router.get("/{name}", response_model=SecretPublic, summary="A secret's metadata")
async def get_secret(name: SecretName, session: SessionDep, ctx: ContextDep) -> SecretPublic:
    return _public(await store.get_secret(session, ctx.workspace_id, name))


@router.put("/{name}", response_model=SecretPublic, summary="Create or replace a secret's value",
            responses={201: {"description": "The secret was created.", "model": SecretPublic}})
async def put_secret(name: SecretName, body: SecretUpdate, response: Response, session: SessionDep, ctx: EditorDep,
                     settings: SettingsDep) -> SecretPublic:
    row, created = await store.put_secret(session, settings, workspace_id=ctx.workspace_id, name=name,
                                          value=body.value, description=body.description, user_id=ctx.user_id)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _public(row)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a secret")
async def delete_secret(name: SecretName, session: SessionDep, ctx: EditorDep) -> Response:
    await store.delete_secret(session, ctx.workspace_id, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
