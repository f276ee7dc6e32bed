"""Every route of every role answers 401 without credentials, except the explicit allowlist; no spelling of a
path (case, `%2F`, `..`, trailing slash, `;`, NUL) reaches a handler without credentials."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from builder.security import DOCS_PATHS, PUBLIC_PATHS
from builder.settings import SERVICE_ROLES
from tests.builder.security.asgi import raw_request
from tests.builder.security.support import platform

# /metrics is scraped by Prometheus inside the cluster (METRICS_ENABLED=false removes it).
ALLOWLIST = PUBLIC_PATHS | DOCS_PATHS | {"/metrics"} | {f"/api/{role}/health" for role in SERVICE_ROLES}
WEB_FALLBACK = "/{path:path}"
PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")
NOT_REACHED = {401, 404, 405, 307, 308}


def _fill(path: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        return "1" if "version" in name else "a" + "0" * 31

    return PARAM.sub(value, path)


def _guarded_routes(app) -> list[tuple[str, str]]:
    found = []
    # FastAPI keeps included routers nested (app.routes holds _IncludedRouter); this walks the effective routes.
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        if path is None or not methods or path == WEB_FALLBACK or path in ALLOWLIST:
            continue
        for method in sorted(methods):
            found.append((method, path))
    return found


def _variants(path: str) -> dict[str, str]:
    rest = path[len("/api/"):]
    role, _, tail = rest.partition("/")
    variants = {
        "upper": path.upper(),
        "swapcase-role": f"/api/{role.swapcase()}/{tail}",
        "capital-api": "/Api/" + rest,
        "encoded-slashes": "/api%2F" + rest.replace("/", "%2F"),
        "encoded-slash-once": f"/api/{role}%2f{tail}",
        "dot-dot-from-health": f"/api/{role}/health/../{tail}",
        "dot-dot": f"/api/{role}/x/../{tail}",
        "dot": f"/api/{role}/./{tail}",
        "encoded-dot-dot": f"/api/{role}/health/%2e%2e/{tail}",
        "double-slash": f"/api//{role}/{tail}",
        "trailing-slash": path + "/",
        "semicolon": path + ";x=1",
        "nul": path + "%00",
        "backslash": f"/api/{role}\\{tail}",
    }
    return {name: v for name, v in variants.items() if v != path}


@pytest.fixture(scope="module")
def enumerated(tmp_path_factory):
    with platform(tmp_path_factory.mktemp("enum")) as client:
        yield client, _guarded_routes(client.app)


def test_the_enumeration_covers_every_role(enumerated) -> None:
    client, routes = enumerated
    paths = {p for _, p in routes}
    assert len(routes) >= 25
    for expected in ("/api/workflow/graphs", "/api/gateway/auth/me", "/api/gateway/secrets",
                     "/api/gateway/auth/api-keys", "/api/orchestrator/runs"):
        assert expected in paths
    # The allowlist is what it says: each public path exists.
    served = {r.path for r in iter_route_contexts(client.app.routes)}
    assert PUBLIC_PATHS <= served


def test_every_route_and_method_answers_401_without_credentials(enumerated) -> None:
    client, routes = enumerated
    wrong = {}
    for method, path in routes:
        status = raw_request(client, method, _fill(path))
        if status != 401:
            wrong[f"{method} {path}"] = status
        bad_token = raw_request(client, method, _fill(path), headers={"Authorization": "Bearer nope"})
        if bad_token != 401:
            wrong[f"{method} {path} (bad token)"] = bad_token
    assert wrong == {}


def test_no_spelling_of_a_path_reaches_a_handler(enumerated) -> None:
    client, routes = enumerated
    reached = {}
    for method, path in routes:
        for name, variant in _variants(_fill(path)).items():
            status = raw_request(client, method, variant)
            if status not in NOT_REACHED:
                reached[f"{method} {variant} ({name})"] = status
    assert reached == {}


def test_allowlisted_routes_answer_without_credentials(enumerated) -> None:
    client, _ = enumerated
    for role in SERVICE_ROLES:
        assert client.get(f"/api/{role}/health").status_code == 200
    assert client.post("/api/gateway/auth/login", json={"email": "x@y.z", "password": "p"}).status_code == 401
    assert client.post("/api/gateway/auth/refresh", json={}).status_code == 401
    # The allowlist is exact: its neighbours are guarded.
    assert raw_request(client, "GET", "/api/gateway/auth/login/../me") == 404
    assert raw_request(client, "GET", "/api/workflow/health/../graphs") == 404
    assert client.get("/api/gateway/auth/me").status_code == 401
