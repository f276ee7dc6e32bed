"""No route is reachable around the one identity dependency, except the health allowlist."""

from fastapi.routing import APIRoute

from builder.app import create_app
from builder.context import current_context
from builder.settings import Settings

ALLOWED_WITHOUT_IDENTITY = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _dependency_calls(route: APIRoute) -> set:
    calls = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        calls.add(dependant.call)
        stack.extend(dependant.dependencies)
    return calls


def test_every_api_route_depends_on_the_current_context(tmp_path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    unguarded = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path.endswith("/health"):
            continue
        if route.path in ALLOWED_WITHOUT_IDENTITY:
            continue
        if current_context not in _dependency_calls(route):
            unguarded.append(route.path)
    assert unguarded == []


def test_without_local_mode_or_credentials_routes_answer_401(tmp_path) -> None:
    from fastapi.testclient import TestClient

    app = create_app(Settings(data_dir=tmp_path, local_mode=False))
    with TestClient(app) as client:
        assert client.get("/api/workflow/graphs").status_code == 401
        assert client.get("/api/workflow/node-kinds").status_code == 401
        assert client.get("/api/workflow/health").status_code == 200
