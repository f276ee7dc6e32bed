"""The node-library services a run of a workspace gets: SSRF policy, MCP servers, RAG store, SQL connections.

Built from the platform settings and the workspace's rows; values of secrets are decrypted only here,
when a run or a call needs them, and never leave the process.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from builder.db.models import McpServerRow, SqlConnectionRow
from builder.secrets.store import SecretNotFound, resolve_secret
from builder.settings import Settings
from runtime.nodes._http import HttpPolicy
from runtime.nodes._mcp import McpRegistry, McpServerConfig
from runtime.nodes._rag import LocalEmbedder, RagStore
from runtime.nodes._sql import SqlConnection, SqlConnections

log = logging.getLogger(__name__)


def http_policy(settings: Settings) -> HttpPolicy:
    return HttpPolicy.of(settings.ssrf_allowlist)


def settings_mcp_servers(settings: Settings) -> list[McpServerConfig]:
    """The admin-approved servers of the settings (the only place a stdio command can come from)."""
    servers = []
    for name, entry in settings.mcp_servers.items():
        try:
            command = entry.get("command")
            if isinstance(command, str):
                raise ValueError("command must be a list of arguments (an exact argv), not a shell string")
            servers.append(McpServerConfig(
                name=name, url=entry.get("url"), command=tuple(command) if command else None, env=entry.get("env"),
                headers=entry.get("headers"), timeout_s=float(entry.get("timeout_s", 30)),
                description=str(entry.get("description", "")),
            ))
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("MCP_SERVERS entry '%s' is ignored: %s", name, exc)
    return servers


def settings_mcp_registry(settings: Settings) -> McpRegistry:
    """Only the admin-approved servers of the settings (for runs that cannot name a workspace server)."""
    return McpRegistry({server.name: server for server in settings_mcp_servers(settings)}, policy=http_policy(settings))


async def mcp_registry(session: AsyncSession, settings: Settings, workspace_id: str) -> McpRegistry:
    """Settings servers plus the workspace's HTTP servers (bearer token from their secret)."""
    servers = {server.name: server for server in settings_mcp_servers(settings)}
    rows = (await session.execute(select(McpServerRow).where(McpServerRow.workspace_id == workspace_id))).scalars()
    for row in rows:
        if row.name in servers:
            continue  # an admin's server of the same name wins
        headers = None
        if row.token_secret:
            try:
                token = await resolve_secret(session, workspace_id, row.token_secret, settings=settings)
                headers = {"Authorization": f"Bearer {token}"}
            except SecretNotFound:
                headers = None
        servers[row.name] = McpServerConfig(name=row.name, url=row.url, headers=headers, timeout_s=row.timeout_s,
                                            description=row.description)
    return McpRegistry(servers, policy=http_policy(settings))


@functools.lru_cache(maxsize=8)
def _rag_root(data_dir: str, chroma_url: str, model_dir: str) -> RagStore:
    embedder = LocalEmbedder(model_dir or None)
    if chroma_url:
        return RagStore(url=chroma_url, embedder=embedder)
    return RagStore(path=Path(data_dir).resolve() / "chroma", embedder=embedder)


def rag_store(settings: Settings, workspace_id: str) -> RagStore:
    """The workspace's view of the platform's Chroma (collections under a per-workspace prefix)."""
    # Keyed by the path as configured: every run asks, and resolving it is file system calls each time.
    root = _rag_root(str(settings.data_dir), settings.chroma_url, settings.embedding_model_dir)
    return root.scoped(f"ws_{workspace_id}_")


def sql_connections(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                    workspace_id: str) -> SqlConnections:
    """The workspace's named connections, looked up (and their URL secret decrypted) when a query needs one."""

    async def lookup(name: str) -> SqlConnection | None:
        async with sessionmaker() as session:
            row = await session.get(SqlConnectionRow, (workspace_id, name))
            if row is None:
                return None
            try:
                url = await resolve_secret(session, workspace_id, row.secret_name, settings=settings)
            except SecretNotFound:
                return None
            return SqlConnection(name=row.name, url=url, writable=row.writable)

    return SqlConnections(lookup=lookup, sqlite_dir=settings.data_dir)


def secret_names(configs: Iterable[dict[str, Any]]) -> set[str]:
    """Secret names a graph's node configs refer to (fields named ``*_secret``)."""
    names: set[str] = set()
    for config in configs:
        for key, value in config.items():
            if key.endswith("_secret") and isinstance(value, str) and value:
                names.add(value)
    return names
