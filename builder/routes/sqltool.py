"""SQL tool API (role sqltool): named connections, schema introspection for the editor, test queries.

A connection's URL is stored as a workspace secret and never returned. Only an owner can mark a
connection writable; everything else runs in read-only transactions behind the statement check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from builder.auth.roles import EditorDep, role_at_least
from builder.db.models import SqlConnectionRow
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError
from builder.sqltool import store
from runtime.nodes._sql import SqlError, describe, run_query
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/sqltool", tags=["sqltool"])
Name = Annotated[str, Path(pattern=IDENT_PATTERN, description="Connection name.")]


class ConnectionCreate(BaseModel):
    name: str = Field(pattern=IDENT_PATTERN)
    url: str | None = Field(default=None, max_length=4000, description="Database URL; stored as a secret.")
    secret: str | None = Field(default=None, max_length=128, description="Name of a secret holding the URL.")
    writable: bool = Field(default=False, description="Allow writes and DDL (owners only).")
    description: str = Field(default="", max_length=1000)


class ConnectionPublic(BaseModel):
    name: str
    dialect: str
    writable: bool
    description: str
    secret_name: str
    created_at: datetime


class QueryRequest(BaseModel):
    query: str = Field(min_length=1, max_length=100_000)
    params: dict[str, Any] = Field(default_factory=dict)
    row_limit: int = Field(default=100, ge=1, le=10_000)
    timeout_s: float = Field(default=10.0, gt=0, le=120)


class QueryResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def _public(row: SqlConnectionRow) -> ConnectionPublic:
    return ConnectionPublic(name=row.name, dialect=row.dialect, writable=row.writable, description=row.description,
                            secret_name=row.secret_name, created_at=row.created_at)


@router.get("/connections", response_model=list[ConnectionPublic], summary="List SQL connections (no URLs)")
async def list_connections(session: SessionDep, ctx: ContextDep) -> list[ConnectionPublic]:
    return [_public(row) for row in await store.list_rows(session, ctx.workspace_id)]


@router.post("/connections", status_code=status.HTTP_201_CREATED, response_model=ConnectionPublic,
             summary="Register a SQL connection")
async def create_connection(body: ConnectionCreate, session: SessionDep, ctx: EditorDep,
                            settings: SettingsDep) -> ConnectionPublic:
    if body.writable and not role_at_least(ctx.role, "owner"):
        raise ApiError(403, "only an owner can make a SQL connection writable")
    row = await store.create(session, settings, workspace_id=ctx.workspace_id, user_id=ctx.user_id, name=body.name,
                             url=body.url, secret=body.secret, writable=body.writable, description=body.description,
                             owner=role_at_least(ctx.role, "owner"))
    return _public(row)


@router.get("/connections/{name}", response_model=ConnectionPublic, summary="One SQL connection (no URL)")
async def get_connection(name: Name, session: SessionDep, ctx: ContextDep) -> ConnectionPublic:
    return _public(await store.get_row(session, ctx.workspace_id, name))


@router.delete("/connections/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a SQL connection")
async def delete_connection(name: Name, session: SessionDep, ctx: EditorDep) -> None:
    row = await store.get_row(session, ctx.workspace_id, name)
    if row.writable and not role_at_least(ctx.role, "owner"):
        raise ApiError(403, "only an owner can remove a writable SQL connection")
    await store.delete(session, ctx.workspace_id, name)


@router.get("/connections/{name}/schema", summary="Tables and columns of the database, for the editor")
async def connection_schema(name: Name, session: SessionDep, ctx: ContextDep,
                            settings: SettingsDep) -> dict[str, Any]:
    conn = await store.connection(session, settings, ctx.workspace_id, name)
    try:
        tables = await describe(conn, sqlite_dir=settings.data_dir)
    except SqlError as exc:
        raise ApiError(422, str(exc)) from exc
    return {"connection": name, "tables": tables}


@router.post("/connections/{name}/query", response_model=QueryResult,
             summary="Run one parameterized query (read-only unless the connection is writable)")
async def query_connection(name: Name, body: QueryRequest, session: SessionDep, ctx: EditorDep,
                           settings: SettingsDep) -> QueryResult:
    conn = await store.connection(session, settings, ctx.workspace_id, name)
    try:
        result = await run_query(conn, body.query, body.params, row_limit=body.row_limit, timeout_s=body.timeout_s,
                                 sqlite_dir=settings.data_dir)
    except SqlError as exc:
        raise ApiError(422, str(exc), [{"loc": ["body", "query"], "msg": str(exc)}]) from exc
    return QueryResult(columns=result.columns, rows=result.rows, truncated=result.truncated)
