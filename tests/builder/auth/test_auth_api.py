"""Login, refresh rotation, logout, me, API keys, roles and workspace isolation over HTTP."""

from __future__ import annotations

import logging

from tests.builder.security.support import PASSWORD, add_user, bearer, login, platform
from tests.conftest import fixture_graph


def test_login_me_refresh_rotation_and_logout(tmp_path) -> None:
    with platform(tmp_path) as client:
        alice = add_user(client, "Alice@Example.com", workspace="Alpha")
        wrong = client.post("/api/gateway/auth/login", json={"email": "alice@example.com", "password": "nope-nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong email or password"
        unknown = client.post("/api/gateway/auth/login", json={"email": "zed@example.com", "password": PASSWORD})
        assert unknown.status_code == 401 and unknown.json() == wrong.json()

        answer = client.post("/api/gateway/auth/login", json={"email": " ALICE@example.com ", "password": PASSWORD})
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        cookie = answer.headers["set-cookie"]
        assert "lcnc_refresh=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Path=/api/gateway/auth" in cookie
        tokens = answer.json()
        assert tokens["token_type"] == "bearer" and tokens["workspace_id"] == alice.workspace_id
        assert tokens["role"] == "owner" and tokens["user"]["email"] == "alice@example.com"
        assert tokens["workspaces"] == [{"id": alice.workspace_id, "name": "Alpha", "role": "owner"}]

        me = client.get("/api/gateway/auth/me", headers=bearer(tokens)).json()
        assert me["user"]["id"] == alice.user_id and me["method"] == "jwt" and me["local_mode"] is False

        # The cookie refreshes too (what the web editor uses); the body wins when both are sent.
        by_cookie = client.post("/api/gateway/auth/refresh")
        assert by_cookie.status_code == 200
        client.cookies.clear()
        first = tokens["refresh_token"]
        reused = client.post("/api/gateway/auth/refresh", json={"refresh_token": first})
        assert reused.status_code == 401 and "already used" in reused.json()["detail"]
        # Reuse revoked the whole session: the rotated token and the access tokens end too.
        rotated = by_cookie.json()
        assert client.post("/api/gateway/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
        assert client.get("/api/gateway/auth/me", headers=bearer(rotated)).status_code == 401
        assert client.get("/api/gateway/auth/me", headers=bearer(tokens)).status_code == 401

        second = login(client, "alice@example.com")
        renewed = client.post("/api/gateway/auth/refresh", json={"refresh_token": second["refresh_token"]}).json()
        assert renewed["refresh_token"] != second["refresh_token"]
        assert client.get("/api/gateway/auth/me", headers=bearer(renewed)).status_code == 200
        assert client.post("/api/gateway/auth/logout", headers=bearer(renewed)).status_code == 204
        assert client.get("/api/gateway/auth/me", headers=bearer(renewed)).status_code == 401
        assert client.post("/api/gateway/auth/refresh",
                           json={"refresh_token": renewed["refresh_token"]}).status_code == 401
        for bad in ("", "lcnr_nope", "x" * 150):
            assert client.post("/api/gateway/auth/refresh", json={"refresh_token": bad}).status_code == 401
        assert client.post("/api/gateway/auth/logout").status_code == 401


def test_brute_force_login_is_throttled_and_logged_without_secrets(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="lcnc.auth")
    with platform(tmp_path, login_max_attempts=3, login_window=600) as client:
        add_user(client, "alice@example.com")
        guesses = [f"guess-number-{i}" for i in range(5)]
        statuses = [client.post("/api/gateway/auth/login",
                                json={"email": "alice@example.com", "password": g}).status_code for g in guesses]
        assert statuses == [401, 401, 401, 429, 429]
        throttled = client.post("/api/gateway/auth/login", json={"email": "alice@example.com", "password": PASSWORD})
        assert throttled.status_code == 429  # even the right password waits: guesses learn nothing
        assert 0 < int(throttled.headers["retry-after"]) <= 600
        # Another account from the same address is not locked by alice's failures (until the address limit).
        add_user(client, "bob@example.com")
        assert client.post("/api/gateway/auth/login",
                           json={"email": "bob@example.com", "password": PASSWORD}).status_code == 200
        # The address limit (4x) stops spraying over many accounts.
        spray = [client.post("/api/gateway/auth/login",
                             json={"email": f"user{i}@example.com", "password": "whatever-1"}).status_code
                 for i in range(12)]
        assert spray[-1] == 429 and spray.count(401) == 9
    text = caplog.text
    assert "failed login for alice@example.com" in text and "login throttled" in text
    for secret in [*guesses, PASSWORD]:
        assert secret not in text


def test_api_keys_authenticate_are_hashed_and_revocable(tmp_path) -> None:
    with platform(tmp_path) as client:
        alice = add_user(client, "alice@example.com")
        tokens = login(client, "alice@example.com")
        created = client.post("/api/gateway/auth/api-keys", json={"name": "ci", "role": "viewer"},
                              headers=bearer(tokens))
        assert created.status_code == 201
        key = created.json()["key"]
        assert key.startswith("lcnc_") and created.json()["role"] == "viewer"
        listed = client.get("/api/gateway/auth/api-keys", headers=bearer(tokens)).json()
        assert [k["name"] for k in listed] == ["ci"] and "key" not in listed[0]

        async def stored() -> list[str]:
            from sqlalchemy import text

            async with client.app.state.sessionmaker() as session:
                return [r[0] for r in await session.execute(text("select key_hash from api_keys"))]

        hashes = client.portal.call(stored)
        assert len(hashes) == 1 and key not in hashes[0] and key.split("_", 2)[2] not in hashes[0]

        for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
            me = client.get("/api/gateway/auth/me", headers=headers).json()
            assert me["method"] == "api_key" and me["role"] == "viewer" and me["workspace_id"] == alice.workspace_id
        # A viewer key cannot write, whatever its user may do.
        graph = fixture_graph("linear_transform")
        assert client.post("/api/workflow/graphs", json=graph, headers={"X-API-Key": key}).status_code == 403
        # A key cannot mint a stronger key.
        assert client.post("/api/gateway/auth/api-keys", json={"name": "up", "role": "owner"},
                           headers={"X-API-Key": key}).status_code == 403
        assert client.get("/api/gateway/auth/me", headers={"X-API-Key": key[:-2] + "xx"}).status_code == 401
        assert client.get("/api/gateway/auth/me", headers={"X-API-Key": "lcnc_nope_nope"}).status_code == 401

        key_id = created.json()["id"]
        assert client.delete(f"/api/gateway/auth/api-keys/{key_id}", headers=bearer(tokens)).status_code == 204
        assert client.get("/api/gateway/auth/me", headers={"X-API-Key": key}).status_code == 401
        assert client.delete(f"/api/gateway/auth/api-keys/{'0' * 32}", headers=bearer(tokens)).status_code == 404


def test_roles_and_workspace_isolation(tmp_path) -> None:
    with platform(tmp_path) as client:
        owner = add_user(client, "owner@example.com", workspace="Alpha")
        add_user(client, "viewer@example.com", workspace=owner.workspace_id, role="viewer")
        add_user(client, "editor@example.com", workspace=owner.workspace_id, role="editor")
        add_user(client, "eve@example.com", workspace="Evil")
        graph = fixture_graph("linear_transform")
        as_owner = bearer(login(client, "owner@example.com"))
        as_viewer = bearer(login(client, "viewer@example.com"))
        as_editor = bearer(login(client, "editor@example.com"))
        as_eve = bearer(login(client, "eve@example.com"))

        created = client.post("/api/workflow/graphs", json=graph, headers=as_editor)
        assert created.status_code == 201, created.text
        gid = created.json()["id"]
        assert client.get(f"/api/workflow/graphs/{gid}", headers=as_viewer).status_code == 200
        assert client.post("/api/workflow/validate" if False else "/api/workflow/graphs/validate", json=graph,
                           headers=as_viewer).status_code == 200
        # Viewers read, never write.
        assert client.post("/api/workflow/graphs", json=graph, headers=as_viewer).status_code == 403
        assert client.post("/api/workflow/graphs/import", json=graph, headers=as_viewer).status_code == 403
        put = {"spec": created.json()["spec"], "base_version": 1, "message": "x"}
        assert client.put(f"/api/workflow/graphs/{gid}", json=put, headers=as_viewer).status_code == 403
        assert client.delete(f"/api/workflow/graphs/{gid}", headers=as_viewer).status_code == 403
        restore = f"/api/workflow/graphs/{gid}/versions/1/restore?base_version=1"
        assert client.post(restore, headers=as_viewer).status_code == 403
        denied = client.post("/api/workflow/graphs", json=graph, headers=as_viewer).json()
        assert "editor" in denied["detail"] and denied["errors"] == []

        # Another workspace's member sees nothing of it: 404 for the resource, an empty list.
        assert client.get(f"/api/workflow/graphs/{gid}", headers=as_eve).status_code == 404
        assert client.delete(f"/api/workflow/graphs/{gid}", headers=as_eve).status_code == 404
        assert client.get("/api/workflow/graphs", headers=as_eve).json()["total"] == 0
        assert client.get(f"/api/workflow/graphs/{gid}", headers={**as_eve, "X-Workspace-ID": owner.workspace_id}
                          ).status_code == 404
        assert client.get(f"/api/workflow/graphs/{gid}", headers=as_owner).status_code == 200
        assert client.delete(f"/api/workflow/graphs/{gid}", headers=as_owner).status_code == 204


def test_a_member_of_two_workspaces_switches_by_header(tmp_path) -> None:
    with platform(tmp_path) as client:
        alpha = add_user(client, "alice@example.com", workspace="Alpha")
        beta = add_user(client, "alice@example.com", workspace="Beta", role="viewer")
        tokens = login(client, "alice@example.com")
        assert {w["id"] for w in tokens["workspaces"]} == {alpha.workspace_id, beta.workspace_id}
        me = client.get("/api/gateway/auth/me", headers={**bearer(tokens), "X-Workspace-ID": beta.workspace_id})
        assert me.json()["workspace_id"] == beta.workspace_id and me.json()["role"] == "viewer"
        graph = fixture_graph("linear_transform")
        assert client.post("/api/workflow/graphs", json=graph,
                           headers={**bearer(tokens), "X-Workspace-ID": beta.workspace_id}).status_code == 403
        opened = login(client, "alice@example.com", workspace_id=beta.workspace_id)
        assert opened["workspace_id"] == beta.workspace_id and opened["role"] == "viewer"
        assert client.post("/api/gateway/auth/login", json={"email": "alice@example.com", "password": PASSWORD,
                                                            "workspace_id": "f" * 32}).status_code == 404


def test_local_mode_needs_no_login_and_hands_out_no_tokens(tmp_path) -> None:
    with platform(tmp_path, local_mode=True) as client:
        me = client.get("/api/gateway/auth/me")
        assert me.status_code == 200 and me.json()["method"] == "local" and me.json()["local_mode"] is True
        login_attempt = client.post("/api/gateway/auth/login", json={"email": "local@lcnc.invalid", "password": "x"})
        assert login_attempt.status_code == 401
        assert client.post("/api/gateway/auth/refresh").status_code == 401
