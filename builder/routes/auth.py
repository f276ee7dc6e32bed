"""Auth API (role gateway): login, refresh, logout, me, and API keys.

`public_router` (login, refresh) is the only group besides health that answers without credentials; it is
included by `builder.security.install_security`. `router` goes through `current_context` like every router.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Path, Request, Response, status
from pydantic import BaseModel, Field

from builder.auth import apikeys
from builder.auth.errors import Unauthorized
from builder.auth.identity import client_address
from builder.auth.login import login as check_login
from builder.auth.tokens import TokenPair, revoke_session, rotate
from builder.auth.users import workspaces_of
from builder.db.models import ApiKey, User
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.settings import Settings

PREFIX = "/api/gateway/auth"
REFRESH_COOKIE = "lcnc_refresh"
public_router = APIRouter(prefix=PREFIX, tags=["auth"])
router = APIRouter(prefix=PREFIX, tags=["auth"])

Role = Literal["viewer", "editor", "owner"]


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    workspace_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$",
                                     description="Workspace to open; the user's first one when omitted.")


class RefreshRequest(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=200,
                                      description="Omit to use the lcnc_refresh cookie set by login.")


class UserPublic(BaseModel):
    id: str
    email: str
    display_name: str


class WorkspacePublic(BaseModel):
    id: str
    name: str
    role: Role


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a password
    expires_in: int = Field(description="Seconds the access token is valid.")
    refresh_token: str
    refresh_expires_in: int
    workspace_id: str
    role: Role
    user: UserPublic
    workspaces: list[WorkspacePublic]


class MeResponse(BaseModel):
    user: UserPublic
    workspace_id: str
    role: Role
    workspaces: list[WorkspacePublic]
    method: Literal["jwt", "api_key", "local"]
    local_mode: bool


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = "editor"
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    prefix: str
    role: Role
    user_id: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key; shown only in this response.")


async def _token_response(session: SessionDep, settings: Settings, pair: TokenPair, response: Response) -> TokenResponse:
    user = await session.get(User, pair.user_id)
    if user is None:
        raise Unauthorized("account not found")
    workspaces = [WorkspacePublic(id=i, name=n, role=r) for i, n, r in await workspaces_of(session, pair.user_id)]
    role = next((w.role for w in workspaces if w.id == pair.workspace_id), "viewer")
    response.set_cookie(REFRESH_COOKIE, pair.refresh_token, max_age=pair.refresh_expires_in, path=PREFIX,
                        httponly=True, samesite="strict", secure=settings.environment == "production")
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in,
                         refresh_token=pair.refresh_token, refresh_expires_in=pair.refresh_expires_in,
                         workspace_id=pair.workspace_id, role=role,
                         user=UserPublic(id=user.id, email=user.email, display_name=user.display_name),
                         workspaces=workspaces)


@public_router.post("/login", response_model=TokenResponse, summary="Log in with email and password",
                    responses={401: {"description": "Wrong email or password."},
                               429: {"description": "Too many failed logins; see Retry-After."}})
async def login(body: LoginRequest, request: Request, response: Response, session: SessionDep,
                settings: SettingsDep) -> TokenResponse:
    pair = await check_login(session, settings, request.app.state.rate_limiter, email=body.email,
                             password=body.password, workspace_id=body.workspace_id,
                             address=client_address(request))
    return await _token_response(session, settings, pair, response)


@public_router.post("/refresh", response_model=TokenResponse, summary="Exchange a refresh token for new tokens",
                    responses={401: {"description": "Invalid, expired, revoked or reused refresh token."}})
async def refresh(session: SessionDep, settings: SettingsDep, response: Response,
                  body: RefreshRequest | None = None,
                  lcnc_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None) -> TokenResponse:
    token = (body.refresh_token if body else None) or lcnc_refresh
    if not token:
        raise Unauthorized("refresh token required")
    return await _token_response(session, settings, await rotate(session, settings, token), response)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this session")
async def logout(request: Request, session: SessionDep, _ctx: ContextDep) -> Response:
    auth = getattr(request.state, "auth", None)
    if auth is not None and auth.session_id:
        await revoke_session(session, auth.session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(REFRESH_COOKIE, path=PREFIX)
    return response


@router.get("/me", response_model=MeResponse, summary="Who am I, in which workspace, with which role")
async def me(request: Request, session: SessionDep, ctx: ContextDep, settings: SettingsDep) -> MeResponse:
    user = await session.get(User, ctx.user_id)
    if user is None:
        raise Unauthorized("account not found")
    auth = getattr(request.state, "auth", None)
    method = "local" if ctx.local else (auth.method if auth else "jwt")
    workspaces = [WorkspacePublic(id=i, name=n, role=r) for i, n, r in await workspaces_of(session, ctx.user_id)]
    return MeResponse(user=UserPublic(id=user.id, email=user.email, display_name=user.display_name),
                      workspace_id=ctx.workspace_id, role=ctx.role, workspaces=workspaces, method=method,
                      local_mode=settings.local_mode)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every time the API returns is UTC with its offset."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _key_public(row: ApiKey) -> dict:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "role": row.role, "user_id": row.user_id,
            "created_at": utc(row.created_at), "expires_at": utc(row.expires_at),
            "last_used_at": utc(row.last_used_at), "revoked_at": utc(row.revoked_at)}


@router.get("/api-keys", response_model=list[ApiKeyPublic], summary="API keys (yours; an owner sees all)")
async def list_keys(session: SessionDep, ctx: ContextDep) -> list[ApiKeyPublic]:
    return [ApiKeyPublic(**_key_public(row)) for row in await apikeys.list_api_keys(session, ctx)]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated,
             summary="Create an API key (the key is shown once)")
async def create_key(body: ApiKeyCreate, session: SessionDep, ctx: ContextDep, response: Response) -> ApiKeyCreated:
    row, key = await apikeys.create_api_key(session, ctx, name=body.name, role=body.role,
                                            expires_in_days=body.expires_in_days)
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**_key_public(row), key=key)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
async def revoke_key(key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], session: SessionDep,
                     ctx: ContextDep) -> Response:
    await apikeys.revoke_api_key(session, ctx, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
