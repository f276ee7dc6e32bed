"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

Nodes read them from their context (``ctx.services``). Nothing connects while they are built: a
connection is opened when a node needs one. An MCP server's address or command comes only
from the MCP_SERVERS setting, never from the graph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.lcnc_nodes._http import HttpPolicy
from app.lcnc_nodes._mcp import McpError, McpRegistry, McpServerConfig
from app.settings import MCP_TOKEN_ENV, Settings

log = logging.getLogger("app.services")


@dataclass(frozen=True)
class RunServices:
    """The services of every run (the lcnc runtime's RunServices, reduced to what this graph uses)."""

    http: HttpPolicy | None = None  # None: public addresses only
    mcp: McpRegistry | None = None


def http_policy(settings: Settings) -> HttpPolicy:
    """Private, loopback and metadata addresses are refused unless SSRF_ALLOWLIST names them."""
    return HttpPolicy.of(settings.ssrf_allowlist)


class _Servers(McpRegistry):
    def get(self, name: str) -> McpServerConfig:
        if name not in self.servers:
            raise McpError(f"no MCP server named '{name}' is configured: add it to MCP_SERVERS")
        return super().get(name)


def mcp_servers(settings: Settings) -> list[McpServerConfig]:
    """The servers the graph names, as MCP_SERVERS describes them (an exact argv for stdio, never a shell string).

    A malformed entry is a ValueError naming it, so the service does not start with a broken server.
    """
    servers = []
    for name in MCP_TOKEN_ENV:
        entry = settings.mcp_servers.get(name)
        if entry is None:
            log.warning("MCP server '%s' is not in MCP_SERVERS: runs that call it fail", name)
            continue
        try:
            command = entry.get("command")
            if isinstance(command, str):
                raise ValueError("command must be a list of arguments (an exact argv), not a shell string")
            headers = dict(entry.get("headers") or {})
            token = settings.mcp_tokens.get(name)
            if token:
                headers["Authorization"] = f"Bearer {token}"
            servers.append(McpServerConfig(
                name=name, url=entry.get("url"), command=tuple(command) if command else None, env=entry.get("env"),
                headers=headers or None, timeout_s=float(entry.get("timeout_s", 30)),
                description=str(entry.get("description", "")),
            ))
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"MCP_SERVERS: server '{name}': {exc}") from exc
    return servers


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs; the app builds them once, when it starts."""
    services = RunServices(
        http=http_policy(settings),
        mcp=_Servers(mcp_servers(settings), policy=http_policy(settings)),
    )
    return services
