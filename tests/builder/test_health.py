from builder.app import create_app
from builder.settings import SERVICE_ROLES, Settings


def test_every_role_answers_health(client) -> None:
    for role in SERVICE_ROLES:
        response = client.get(f"/api/{role}/health")
        assert response.status_code == 200 and response.json()["service"] == role


def test_serving_some_roles_leaves_the_others_out(tmp_path) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(data_dir=tmp_path, services=["tools"]))) as client:
        assert client.get("/api/tools/health").status_code == 200
        assert client.get("/api/workflow/health").status_code == 404
        assert client.get("/api/workflow/graphs").status_code == 404
