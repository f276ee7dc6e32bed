"""Which routers each service role serves. `lcnc serve --services a,b` serves only those roles."""

from __future__ import annotations

from fastapi import APIRouter

from builder.routes import agents as agents_routes
from builder.routes import agents_import, clusters, deployments, graphs, node_kinds, observability, project_export, runs
from builder.routes import auth as auth_routes
from builder.routes import mcp_server as mcp_server_routes
from builder.routes import rag as rag_routes
from builder.routes import sqltool as sqltool_routes
from builder.routes import tools as tools_routes
from builder.secrets import routes as secret_routes

# One line per router; a router's prefix is /api/<role>/...
ROLE_ROUTERS: dict[str, list[APIRouter]] = {
    "gateway": [auth_routes.router, secret_routes.router],
    "orchestrator": [runs.router, clusters.router, deployments.router],
    "agents": [agents_import.router, agents_routes.router],
    "tools": [tools_routes.router, mcp_server_routes.router],
    "rag": [rag_routes.router],
    "sqltool": [sqltool_routes.router],
    "workflow": [graphs.router, node_kinds.router, project_export.router],
    "observability": [observability.router],
}
