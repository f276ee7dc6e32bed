"""MCP servers a run may call, and the client that lists and calls their tools.

A server is either a streamable HTTP URL or a stdio command given as an exact argv. Both come from
the platform (admin settings, or HTTP servers registered in a workspace); a graph only names a
server, so loading or importing a graph never starts a process or opens a connection. Every
operation opens its own session with a deadline, so a server that crashes or hangs fails the call
with a readable error and nothing else.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.nodes._context import NodeError
from runtime.nodes._http.guard import BlockedAddress, HttpPolicy, check_url
from runtime.nodes._tools.base import Tool

LIST_CACHE_S = 60.0


class McpError(NodeError):
    """An MCP server or tool failed; the message is for the user."""


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    url: str | None = None  # streamable HTTP endpoint
    command: tuple[str, ...] | None = None  # stdio: the exact argv an admin approved
    env: Mapping[str, str] | None = field(default=None, repr=False)
    headers: Mapping[str, str] | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    description: str = ""

    def __post_init__(self) -> None:
        if (self.url is None) == (self.command is None):
            raise ValueError(f"MCP server '{self.name}': give exactly one of url or command")
        if self.command is not None and (not self.command or not all(isinstance(a, str) for a in self.command)):
            raise ValueError(f"MCP server '{self.name}': command must be a non-empty list of strings")

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def public(self) -> dict[str, Any]:
        """What the API shows: never env or headers (they may hold tokens)."""
        return {"name": self.name, "transport": self.transport, "url": self.url,
                "command": list(self.command) if self.command else None, "description": self.description}


def _validator(schema: dict[str, Any]) -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


def check_against_schema(label: str, schema: dict[str, Any] | None, arguments: Any) -> dict[str, Any]:
    """The arguments if they satisfy the tool's JSON Schema; McpError naming the first problem otherwise."""
    import jsonschema

    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise McpError(f"{label}: arguments must be an object, got {type(arguments).__name__}")
    try:
        errors = sorted(_validator(schema or {"type": "object"}).iter_errors(arguments), key=lambda e: list(e.path))
    except jsonschema.exceptions.SchemaError as exc:
        raise McpError(f"{label}: the server's input schema is invalid: {exc.message}") from exc
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first.path) or "arguments"
        raise McpError(f"{label}: {where}: {first.message}")
    return arguments


def _result_value(label: str, result: Any) -> Any:
    texts = [getattr(block, "text", None) for block in result.content]
    texts = [text for text in texts if isinstance(text, str)]
    if result.is_error:
        raise McpError(f"{label}: the tool reported an error: {' '.join(texts)[:1000] or 'no details'}")
    if result.structured_content is not None:
        value = result.structured_content
        # tools returning a plain value are wrapped as {"result": value} by MCP servers
        if isinstance(value, dict) and list(value) == ["result"]:
            return value["result"]
        return value
    if len(texts) == 1:
        text = texts[0]
        if text.lstrip()[:1] in ("{", "["):  # a dict or list result sent as JSON text
            try:
                return json.loads(text)
            except ValueError:
                pass
        return text
    return texts if texts else [block.model_dump(mode="json", exclude_none=True) for block in result.content]


class McpRegistry:
    """The MCP servers of a run by name; lists tools (cached briefly) and calls them with checked arguments."""

    def __init__(self, servers: Mapping[str, McpServerConfig] | list[McpServerConfig] | None = None, *,
                 policy: HttpPolicy | None = None) -> None:
        items = servers.values() if isinstance(servers, Mapping) else (servers or [])
        self.servers: dict[str, McpServerConfig] = {server.name: server for server in items}
        self.policy = policy or HttpPolicy()
        self._listed: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def get(self, name: str) -> McpServerConfig:
        server = self.servers.get(name)
        if server is None:
            known = ", ".join(sorted(self.servers)) or "none"
            raise McpError(f"no MCP server named '{name}' is registered (registered: {known})")
        return server

    async def _client(self, server: McpServerConfig, errlog: Any) -> tuple[Any, Any]:
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client

        if server.url is not None:
            try:
                await check_url(server.url, self.policy)
            except BlockedAddress as exc:
                raise McpError(f"MCP server '{server.name}': {exc}") from exc
            if server.headers:
                import httpx2
                from mcp.client.streamable_http import streamable_http_client

                http = httpx2.AsyncClient(headers=dict(server.headers), timeout=server.timeout_s)
                transport = streamable_http_client(server.url, http_client=http)
                return Client(transport, read_timeout_seconds=server.timeout_s, cache=None), http
            return Client(server.url, read_timeout_seconds=server.timeout_s, cache=None), None
        assert server.command is not None
        params = StdioServerParameters(command=server.command[0], args=list(server.command[1:]),
                                       env=dict(server.env) if server.env else None)
        return Client(stdio_client(params, errlog=errlog), read_timeout_seconds=server.timeout_s, cache=None), None

    async def _session(self, server: McpServerConfig, work: Any) -> Any:
        import anyio

        with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errlog:
            client, http = await self._client(server, errlog)
            try:
                with anyio.fail_after(server.timeout_s):
                    async with client:
                        return await work(client)
            except TimeoutError as exc:
                raise McpError(f"MCP server '{server.name}' did not answer within {server.timeout_s:g} s") from exc
            except Exception as exc:  # a crashed, refused or broken server: one readable line
                mine = _find(exc, McpError)
                if mine is not None:
                    raise mine from None
                if _find(exc, TimeoutError) is not None:
                    raise McpError(f"MCP server '{server.name}' did not answer within {server.timeout_s:g} s") from exc
                raise McpError(f"MCP server '{server.name}' failed: {_describe(exc)}{_last_line(errlog)}") from exc
            finally:
                if http is not None:
                    await http.aclose()

    def _schema(self, name: str, tool: str) -> dict[str, Any] | None:
        cached = self._listed.get(name)
        if cached and time.monotonic() - cached[0] < LIST_CACHE_S:
            for item in cached[1]:
                if item["name"] == tool:
                    return item
        return None

    async def _list(self, client: Any) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor = None
        for _page in range(50):
            page = await client.list_tools(cursor=cursor)
            tools += [{"name": tool.name, "description": tool.description or "",
                       "input_schema": tool.input_schema} for tool in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    async def list_tools(self, name: str, *, refresh: bool = False) -> list[dict[str, Any]]:
        """The server's tools: ``[{name, description, input_schema}]``."""
        server = self.get(name)
        cached = self._listed.get(name)
        if cached and not refresh and time.monotonic() - cached[0] < LIST_CACHE_S:
            return cached[1]

        tools = await self._session(server, self._list)
        self._listed[name] = (time.monotonic(), tools)
        return tools

    async def tool_info(self, name: str, tool: str) -> dict[str, Any]:
        for item in await self.list_tools(name):
            if item["name"] == tool:
                return item
        raise McpError(f"MCP server '{name}' has no tool named '{tool}'")

    async def call_tool(self, name: str, tool: str, arguments: Any) -> Any:
        """Call ``tool`` with arguments checked against its input schema; its result as JSON-like data."""
        server = self.get(name)
        label = f"MCP tool '{name}.{tool}'"
        info = self._schema(name, tool)
        if info is not None:  # check before connecting at all
            arguments = check_against_schema(label, info["input_schema"], arguments)

        async def work(client: Any) -> Any:
            nonlocal info, arguments
            if info is None:  # list in the same session: one process start for a stdio server
                listed = await self._list(client)
                self._listed[name] = (time.monotonic(), listed)
                info = next((item for item in listed if item["name"] == tool), None)
                if info is None:
                    raise McpError(f"MCP server '{name}' has no tool named '{tool}'")
                arguments = check_against_schema(label, info["input_schema"], arguments)
            return _result_value(label, await client.call_tool(tool, arguments))

        return await self._session(server, work)

    async def tools(self, name: str) -> list[Tool]:
        """The server's tools as runtime Tools with ids ``mcp.<server>.<tool>`` (for agents)."""
        found = []
        for info in await self.list_tools(name):
            found.append(self.as_tool(name, info))
        return found

    def as_tool(self, name: str, info: dict[str, Any]) -> Tool:
        tool_name = info["name"]

        async def call(arguments: dict[str, Any]) -> Any:
            return await self.call_tool(name, tool_name, arguments)

        return _SchemaTool(id=f"mcp.{name}.{tool_name}", description=info.get("description") or tool_name,
                           call=call, parameters=info.get("input_schema") or {"type": "object", "properties": {}})


@dataclass(frozen=True)
class _SchemaTool(Tool):
    """A Tool whose arguments are checked by its full JSON Schema (in ``call``), not the flat check."""

    async def invoke(self, arguments: Any) -> Any:
        return await self.call(arguments if arguments is not None else {})


def _find(exc: BaseException, kind: type[BaseException]) -> Any:
    """The first exception of ``kind`` in ``exc`` or the groups it is wrapped in (anyio task groups)."""
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _find(inner, kind)
            if found is not None:
                return found
    return None


def _last_line(errlog: Any) -> str:
    """The server's last stderr line (a crashed stdio server usually says why there)."""
    try:
        errlog.seek(0)
        lines = [line.strip() for line in errlog.read()[-4000:].splitlines() if line.strip()]
    except (OSError, ValueError):
        return ""
    return f" (server said: {lines[-1][:300]})" if lines else ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__
