"""The settings a deployed project's outside services read, filled in from the workspace (API) or the environment
(CLI): SQL connection URLs and MCP server tokens go into the project's Secret, which connections may write and
where the MCP servers are go into its ConfigMap.

The generated manifests name these only (``SQL_URL_<NAME>`` and ``MCP_TOKEN_<NAME>`` read from the Secret
``<name>-secrets``); deploy puts the values in that Secret and nowhere else: not in a ConfigMap, an event, a log
line or a response. A connection a node needs that cannot be found stops the deploy before anything is applied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from builder.db.models import McpServerRow, SqlConnectionRow
from builder.deploy.errors import DeployError
from builder.secrets.store import SecretNotFound, resolve_secret
from builder.settings import Settings
from codegen import ProjectOptions
from codegen.render import render_context
from runtime.spec import GraphSpec

SQL_WRITABLE = "SQL_WRITABLE"
MCP_SERVERS = "MCP_SERVERS"


class SettingMissing(DeployError):
    """A SQL connection or MCP server that the graph's nodes use cannot be given to the deployed service."""

    code = "setting_missing"
    http_status = 422


@dataclass
class ServiceRefs:
    """What the project's services read, by name: ``[{name, env, nodes}]`` per SQL connection and MCP server."""

    sql: list[dict[str, Any]] = field(default_factory=list)
    mcp: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ServiceValues:
    """``secret``: environment variable -> value, for the Secret only; ``config``: ConfigMap key -> value."""

    secret: dict[str, str] = field(default_factory=dict, repr=False)
    config: dict[str, str] = field(default_factory=dict)


def service_refs(spec: GraphSpec, options: ProjectOptions) -> ServiceRefs:
    services = render_context(spec, options)["services"]
    return ServiceRefs(sql=list(services["sql"]), mcp=list(services["mcp"]))


def users(ref: dict[str, Any]) -> str:
    """``node 'q'`` or ``nodes 'a', 'b'`` (a subgraph's node as 'graph/node')."""
    nodes = ref["nodes"]
    return ("node " if len(nodes) == 1 else "nodes ") + ", ".join(f"'{node}'" for node in nodes)


def _missing(ref: dict[str, Any], message: str, what: str) -> SettingMissing:
    return SettingMissing(message, details={what: ref["name"], "node_ids": list(ref["nodes"]),
                                            "loc": ["nodes", ref["nodes"][0]]})


async def from_workspace(session: AsyncSession, settings: Settings, workspace_id: str,
                         refs: ServiceRefs) -> ServiceValues:
    """The values from the workspace's SQL connections (URL decrypted from their secret) and MCP servers."""
    values = ServiceValues()
    writable = []
    for ref in refs.sql:
        row = await session.get(SqlConnectionRow, (workspace_id, ref["name"]))
        if row is None:
            raise _missing(ref, f"the SQL connection '{ref['name']}' used by {users(ref)} is not in this "
                                "workspace; add it under SQL connections before deploying", "connection")
        try:
            values.secret[ref["env"]] = await resolve_secret(session, workspace_id, row.secret_name,
                                                             settings=settings)
        except SecretNotFound as exc:
            raise _missing(ref, f"the secret '{row.secret_name}' holding the URL of the SQL connection "
                                f"'{ref['name']}' ({users(ref)}) is not set", "connection") from exc
        if row.writable:
            writable.append(ref["name"])
    if refs.sql:
        values.config[SQL_WRITABLE] = json.dumps(sorted(writable))
    servers: dict[str, dict[str, Any]] = {}
    for ref in refs.mcp:
        name = ref["name"]
        admin = settings.mcp_servers.get(name)
        row = None if admin is not None else await session.get(McpServerRow, (workspace_id, name))
        if admin is not None:  # an admin's server of the same name wins, as on the platform
            servers[name] = _admin_server(ref, admin)
        elif row is not None:
            servers[name] = {"url": row.url, "timeout_s": row.timeout_s, "description": row.description or ""}
            if row.token_secret:
                try:
                    values.secret[ref["env"]] = await resolve_secret(session, workspace_id, row.token_secret,
                                                                     settings=settings)
                except SecretNotFound as exc:
                    raise _missing(ref, f"the secret '{row.token_secret}' holding the token of the MCP server "
                                        f"'{name}' ({users(ref)}) is not set", "server") from exc
        else:
            raise _missing(ref, f"the MCP server '{name}' called by {users(ref)} is not registered in this "
                                "workspace; add it under MCP servers before deploying", "server")
    if refs.mcp:
        values.config[MCP_SERVERS] = json.dumps(servers, sort_keys=True)
    return values


def _admin_server(ref: dict[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """An admin's (settings) server as the deployed service can reach it: by URL, without the admin's headers."""
    if not isinstance(entry.get("url"), str) or entry.get("command") or entry.get("headers"):
        raise _missing(ref, f"the MCP server '{ref['name']}' called by {users(ref)} is configured by the "
                            "platform admin as a local command or with headers, which a deployed service cannot "
                            "use (register a streamable HTTP server in the workspace instead)", "server")
    return {"url": entry["url"], "timeout_s": float(entry.get("timeout_s", 30)),
            "description": str(entry.get("description", ""))}


def from_environment(refs: ServiceRefs, environ: Mapping[str, str]) -> ServiceValues:
    """The values from the variables the generated service itself reads (for `lcnc deploy` from a file):
    ``SQL_URL_<NAME>`` (required), ``MCP_TOKEN_<NAME>``, and ``SQL_WRITABLE`` / ``MCP_SERVERS`` when set."""
    values = ServiceValues()
    for ref in refs.sql:
        if not environ.get(ref["env"]):
            raise _missing(ref, f"the SQL connection '{ref['name']}' used by {users(ref)} needs its URL: set "
                                f"{ref['env']}", "connection")
        values.secret[ref["env"]] = environ[ref["env"]]
    for ref in refs.mcp:
        if environ.get(ref["env"]):
            values.secret[ref["env"]] = environ[ref["env"]]
    for key, refs_of in ((SQL_WRITABLE, refs.sql), (MCP_SERVERS, refs.mcp)):
        if refs_of and environ.get(key):
            try:
                parsed = json.loads(environ[key])
            except ValueError as exc:
                raise DeployError(f"{key} is not valid JSON: {exc}") from exc
            if key == MCP_SERVERS and isinstance(parsed, dict):
                with_headers = sorted(name for name, entry in parsed.items() if isinstance(entry, dict)
                                      and entry.get("headers"))
                if with_headers:  # they would land in a ConfigMap, which anyone who can read the namespace reads
                    raise DeployError(f"MCP_SERVERS: server '{with_headers[0]}' has headers; give its bearer token "
                                      "as MCP_TOKEN_<NAME> instead, which goes into the Secret")
            values.config[key] = environ[key]
    return values
