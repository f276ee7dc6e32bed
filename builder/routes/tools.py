"""Tools API (role tools): the catalogue agents call from, HTTP tools, MCP servers and their tools.

MCP servers registered here are streamable HTTP URLs only (checked by the SSRF guard when used); a
stdio server exists only as an exact argv in the platform settings (MCP_SERVERS), never from a request
or a graph, so nothing sent to this API can start a process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from builder.auth.roles import EditorDep
from builder.db.models import HttpTool, McpServerRow
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError, Conflict, NotFound
from builder.tools.catalogue import list_catalogue, load_tools
from builder.tools.run_services import build_run_services
from builder.tools.services import mcp_registry, settings_mcp_servers
from runtime.nodes._context import NodeError
from runtime.nodes._http import BlockedAddress, parse_url
from runtime.nodes._mcp import McpError
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/tools", tags=["tools"])
Name = Annotated[str, Path(pattern=IDENT_PATTERN)]
ToolId = Annotated[str, Path(max_length=300, pattern=r"^[a-z][a-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")]


class HttpToolCreate(BaseModel):
    name: str = Field(pattern=IDENT_PATTERN)
    description: str = Field(default="", max_length=1000)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(min_length=1, max_length=4000, description="URL template with {{ argument }} placeholders.")
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, max_length=100_000, description="JSON body template; default: arguments.")
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}},
                                       description="JSON Schema of the arguments.")
    auth_secret: str | None = Field(default=None, max_length=128, description="Secret sent as a Bearer token.")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("parameters")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        import jsonschema

        if value.get("type") != "object":
            raise ValueError("the arguments schema must be a JSON Schema of type object")
        try:
            jsonschema.Draft202012Validator.check_schema(value)
        except jsonschema.exceptions.SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from exc
        return value


class HttpToolPublic(HttpToolCreate):
    id: str
    created_at: datetime


class McpServerCreate(BaseModel):
    name: str = Field(pattern=IDENT_PATTERN)
    url: str = Field(min_length=1, max_length=4000, description="Streamable HTTP endpoint, e.g. https://host/mcp.")
    token_secret: str | None = Field(default=None, max_length=128, description="Secret sent as a Bearer token.")
    description: str = Field(default="", max_length=1000)
    timeout_s: float = Field(default=30.0, gt=0, le=300)
    model_config = {"extra": "forbid"}  # a 'command' here is refused: stdio servers come from settings only


class CallRequest(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict)


def _http_public(row: HttpTool) -> HttpToolPublic:
    return HttpToolPublic(id=f"http.{row.name}", name=row.name, description=row.description, method=row.method,
                          url=row.url, headers=row.headers or {}, body=row.body, parameters=row.parameters,
                          auth_secret=row.auth_secret, timeout_s=row.timeout_s, created_at=row.created_at)


# --- catalogue -----------------------------------------------------------------------------------


@router.get("/catalogue", summary="Every tool the workspace's agents can call, with argument schemas")
async def catalogue(session: SessionDep, ctx: ContextDep, settings: SettingsDep,
                    include_mcp: bool = True) -> list[dict[str, Any]]:
    return await list_catalogue(session, settings, ctx.workspace_id, include_mcp=include_mcp)


@router.get("/catalogue/{tool_id}", summary="One tool of the catalogue")
async def catalogue_entry(tool_id: ToolId, request: Request, ctx: ContextDep, settings: SettingsDep) -> dict[str, Any]:
    tools, unknown = await load_tools(request.app.state.sessionmaker, settings, ctx.workspace_id, [tool_id])
    if unknown:
        raise NotFound(f"tool '{tool_id}'")
    tool = tools[tool_id]
    return {"id": tool.id, "kind": tool_id.split(".", 1)[0], "description": tool.description,
            "parameters": tool.parameters}


@router.post("/catalogue/{tool_id}/call", summary="Call a tool with arguments checked against its schema")
async def call_tool(tool_id: ToolId, body: CallRequest, request: Request, ctx: EditorDep,
                    settings: SettingsDep) -> dict[str, Any]:
    sessionmaker = request.app.state.sessionmaker

    async def services_for(spec: Any) -> Any:
        return await build_run_services(sessionmaker, settings, ctx.workspace_id, spec, depth=1)

    tools, unknown = await load_tools(sessionmaker, settings, ctx.workspace_id, [tool_id],
                                      services_factory=services_for)
    if unknown:
        raise NotFound(f"tool '{tool_id}'")
    try:
        result = await tools[tool_id].invoke(body.arguments)
    except NodeError as exc:
        text = str(exc)
        code = 422 if any(word in text for word in ("argument", "is not of type", "required property",
                                                    "arguments must")) else 502
        raise ApiError(code, text, [{"loc": ["body", "arguments"], "msg": text}]) from exc
    return {"id": tool_id, "result": result}


# --- HTTP tools ----------------------------------------------------------------------------------


@router.get("/http", response_model=list[HttpToolPublic], summary="HTTP request tools")
async def list_http_tools(session: SessionDep, ctx: ContextDep) -> list[HttpToolPublic]:
    rows = (await session.execute(select(HttpTool).where(HttpTool.workspace_id == ctx.workspace_id)
                                  .order_by(HttpTool.name))).scalars()
    return [_http_public(row) for row in rows]


@router.post("/http", status_code=status.HTTP_201_CREATED, response_model=HttpToolPublic,
             summary="Define an HTTP request tool")
async def create_http_tool(body: HttpToolCreate, session: SessionDep, ctx: EditorDep) -> HttpToolPublic:
    if await session.get(HttpTool, (ctx.workspace_id, body.name)) is not None:
        raise Conflict(f"an HTTP tool named '{body.name}' exists")
    base = body.url.split("{{", 1)[0]
    if "//" in base and base.split("//", 1)[1].split("/", 1)[0]:  # the host is fixed: check it now
        try:
            parse_url(base)
        except BlockedAddress as exc:
            raise ApiError(422, f"url: {exc}", [{"loc": ["body", "url"], "msg": str(exc)}]) from exc
    elif not base.strip() == "" and not base.startswith(("http://", "https://")):
        raise ApiError(422, "url: only http and https URLs are allowed", [{"loc": ["body", "url"], "msg": "scheme"}])
    row = HttpTool(workspace_id=ctx.workspace_id, created_by=ctx.user_id, **body.model_dump())
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return _http_public(row)


@router.get("/http/{name}", response_model=HttpToolPublic, summary="One HTTP tool")
async def get_http_tool(name: Name, session: SessionDep, ctx: ContextDep) -> HttpToolPublic:
    row = await session.get(HttpTool, (ctx.workspace_id, name))
    if row is None:
        raise NotFound(f"HTTP tool '{name}'")
    return _http_public(row)


@router.delete("/http/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an HTTP tool")
async def delete_http_tool(name: Name, session: SessionDep, ctx: EditorDep) -> None:
    row = await session.get(HttpTool, (ctx.workspace_id, name))
    if row is None:
        raise NotFound(f"HTTP tool '{name}'")
    await session.delete(row)
    await session.commit()


# --- MCP servers ---------------------------------------------------------------------------------


@router.get("/mcp-servers", summary="MCP servers: the admin's (settings) and the workspace's")
async def list_mcp_servers(session: SessionDep, ctx: ContextDep, settings: SettingsDep) -> list[dict[str, Any]]:
    servers = [{**server.public(), "source": "settings"} for server in settings_mcp_servers(settings)]
    rows = (await session.execute(select(McpServerRow).where(McpServerRow.workspace_id == ctx.workspace_id)
                                  .order_by(McpServerRow.name))).scalars()
    servers += [{"name": row.name, "transport": "http", "url": row.url, "command": None,
                 "description": row.description, "token_secret": row.token_secret, "source": "workspace"}
                for row in rows]
    return servers


@router.post("/mcp-servers", status_code=status.HTTP_201_CREATED, summary="Register a streamable HTTP MCP server")
async def create_mcp_server(body: McpServerCreate, session: SessionDep, ctx: EditorDep,
                            settings: SettingsDep) -> dict[str, Any]:
    if body.name in settings.mcp_servers or await session.get(McpServerRow, (ctx.workspace_id, body.name)):
        raise Conflict(f"an MCP server named '{body.name}' exists")
    try:
        parse_url(body.url)
    except BlockedAddress as exc:
        raise ApiError(422, f"url: {exc}", [{"loc": ["body", "url"], "msg": str(exc)}]) from exc
    row = McpServerRow(workspace_id=ctx.workspace_id, created_by=ctx.user_id, **body.model_dump())
    session.add(row)
    await session.commit()
    return {"name": row.name, "transport": "http", "url": row.url, "description": row.description,
            "token_secret": row.token_secret, "source": "workspace"}


@router.delete("/mcp-servers/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an MCP server")
async def delete_mcp_server(name: Name, session: SessionDep, ctx: EditorDep) -> None:
    row = await session.get(McpServerRow, (ctx.workspace_id, name))
    if row is None:
        raise NotFound(f"MCP server '{name}' of this workspace")
    await session.delete(row)
    await session.commit()


@router.get("/mcp-servers/{name}/tools", summary="The server's tools with their input schemas")
async def mcp_server_tools(name: Name, session: SessionDep, ctx: ContextDep, settings: SettingsDep,
                           refresh: bool = False) -> list[dict[str, Any]]:
    registry = await mcp_registry(session, settings, ctx.workspace_id)
    if name not in registry.servers:
        raise NotFound(f"MCP server '{name}'")
    try:
        tools = await registry.list_tools(name, refresh=refresh)
    except McpError as exc:
        raise ApiError(502, str(exc)) from exc
    return [{**tool, "id": f"mcp.{name}.{tool['name']}"} for tool in tools]
