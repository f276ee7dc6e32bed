"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, polled often enough for a UI."""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Transport as _SqlaTransport

ALIAS = "lcnc-sqlite"


class Transport(_SqlaTransport):
    # kombu passes every transport option to create_engine, so the poll interval is set here instead.
    polling_interval = 0.05


TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
