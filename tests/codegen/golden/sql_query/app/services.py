"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

Nodes read them from their context (``ctx.services``). Nothing connects while they are built: a
connection is opened when a node needs one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.lcnc_nodes._sql import SqlConnection, SqlConnections, SqlError
from app.settings import SQL_URL_ENV, Settings

log = logging.getLogger("app.services")


@dataclass(frozen=True)
class RunServices:
    """The services of every run (the lcnc runtime's RunServices, reduced to what this graph uses)."""

    sql: SqlConnections | None = None


def sql_connections(settings: Settings) -> SqlConnections:
    """The connections the graph names, each from its URL variable; read-only unless SQL_WRITABLE names it."""
    for name, env in SQL_URL_ENV.items():
        if not settings.sql_urls.get(name):
            log.warning("SQL connection '%s' has no URL (%s): runs that query it fail", name, env)

    def lookup(name: str) -> SqlConnection:
        url = settings.sql_urls.get(name)
        if not url:
            env = SQL_URL_ENV.get(name)
            hint = f": set {env} to its URL" if env else ""
            raise SqlError(f"no SQL connection named '{name}'{hint}")
        return SqlConnection(name=name, url=url, writable=name in settings.sql_writable)

    return SqlConnections(lookup=lookup)


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs; the app builds them once, when it starts."""
    services = RunServices(
        sql=sql_connections(settings),
    )
    return services
