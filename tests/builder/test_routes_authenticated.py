"""No route is reachable around the one identity dependency, except an explicit, reviewed allowlist."""

from fastapi.routing import iter_route_contexts

from builder.app import create_app
from builder.context import current_context
from builder.security import DOCS_PATHS, PUBLIC_PATHS
from builder.settings import Settings

# Each entry is reviewed: login and refresh establish identity; /metrics is scraped inside the cluster; the
# web fallback serves only the editor's static files; published agents authenticate by their own scoped key.
ALLOWED = PUBLIC_PATHS | DOCS_PATHS | {"/metrics", "/{path:path}"}
SCOPED_KEY_PREFIX = "/api/agents/{slug}/"


def _calls(dependant) -> set:
    calls, stack = set(), [dependant]
    while stack:
        item = stack.pop()
        calls.add(item.call)
        stack.extend(item.dependencies)
    return calls


def _routes(app) -> list:
    return [rc for rc in iter_route_contexts(app.routes) if getattr(rc, "dependant", None) is not None]


def test_every_api_route_depends_on_the_current_context(tmp_path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routes = _routes(app)
    assert len(routes) > 50, "the walk must see the app's routes (routers are nested in app.routes)"
    unguarded = sorted(
        rc.path for rc in routes
        if current_context not in _calls(rc.dependant)
        and not rc.path.endswith("/health") and rc.path not in ALLOWED and not rc.path.startswith(SCOPED_KEY_PREFIX)
    )
    assert unguarded == []


def test_the_check_would_catch_an_unguarded_route(tmp_path) -> None:
    app = create_app(Settings(data_dir=tmp_path))

    @app.get("/api/workflow/sneaky")
    async def sneaky() -> dict:
        return {}

    assert any(rc.path == "/api/workflow/sneaky" and current_context not in _calls(rc.dependant)
               for rc in _routes(app))


def test_without_local_mode_or_credentials_routes_answer_401(tmp_path) -> None:
    from fastapi.testclient import TestClient

    app = create_app(Settings(data_dir=tmp_path, local_mode=False))
    with TestClient(app) as client:
        assert client.get("/api/workflow/graphs").status_code == 401
        assert client.get("/api/workflow/node-kinds").status_code == 401
        assert client.get("/api/workflow/health").status_code == 200
