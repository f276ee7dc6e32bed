"""Which routers each service role serves. `lcnc serve --services a,b` serves only those roles."""

from __future__ import annotations

from fastapi import APIRouter

from builder.routes import graphs, node_kinds

# One line per router; a router's prefix is /api/<role>/...
ROLE_ROUTERS: dict[str, list[APIRouter]] = {
    "gateway": [],
    "orchestrator": [],
    "agents": [],
    "tools": [],
    "rag": [],
    "sqltool": [],
    "workflow": [graphs.router, node_kinds.router],
    "observability": [],
}
