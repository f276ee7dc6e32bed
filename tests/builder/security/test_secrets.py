"""Secrets: encrypted at rest, never returned, bound to workspace and name, resolvable by code that needs them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from builder.secrets import SecretNotFound, resolve_secret
from builder.secrets.store import SecretUndecryptable
from tests.builder.security.support import add_user, bearer, login, platform

VALUE = "sk-live-THIS-IS-THE-SECRET-VALUE-42"


def _raw_rows(client) -> list[tuple]:
    async def go() -> list[tuple]:
        async with client.app.state.sessionmaker() as session:
            return [tuple(r) for r in await session.execute(text("select workspace_id, name, ciphertext from secrets"))]

    return client.portal.call(go)


def _resolve(client, workspace_id: str, name: str) -> str:
    async def go() -> str:
        async with client.app.state.sessionmaker() as session:
            return await resolve_secret(session, workspace_id, name, settings=client.app.state.settings)

    return client.portal.call(go)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_secret_crud_never_returns_the_value(tmp_path, backend, request) -> None:
    database_url = request.getfixturevalue("migrated_postgres_url") if backend == "postgres" else ""
    with platform(tmp_path, database_url=database_url) as client:
        alice = add_user(client, "alice@example.com", workspace="Alpha")
        add_user(client, "viewer@example.com", workspace=alice.workspace_id, role="viewer")
        add_user(client, "eve@example.com", workspace="Evil")
        owner, viewer, eve = (bearer(login(client, e)) for e in
                              ("alice@example.com", "viewer@example.com", "eve@example.com"))
        responses = []
        created = client.post("/api/gateway/secrets", json={"name": "OPENAI_API_KEY", "value": VALUE,
                                                            "description": "LLM key"}, headers=owner)
        assert created.status_code == 201, created.text
        responses.append(created)
        assert client.post("/api/gateway/secrets", json={"name": "OPENAI_API_KEY", "value": "x"},
                           headers=owner).status_code == 409
        responses.append(client.get("/api/gateway/secrets", headers=owner))
        responses.append(client.get("/api/gateway/secrets/OPENAI_API_KEY", headers=owner))
        responses.append(client.get("/api/gateway/secrets", headers=viewer))
        assert [s["name"] for s in responses[-1].json()] == ["OPENAI_API_KEY"]
        for answer in responses:
            assert answer.status_code in (200, 201)
            assert VALUE not in answer.text
            items = answer.json() if isinstance(answer.json(), list) else [answer.json()]
            assert all("value" not in item and "ciphertext" not in item for item in items)
        # Encrypted at rest, bound to its workspace and name.
        rows = _raw_rows(client)
        assert len(rows) == 1 and VALUE not in rows[0][2] and VALUE.encode().hex() not in rows[0][2]
        assert _resolve(client, alice.workspace_id, "OPENAI_API_KEY") == VALUE
        # Viewers read names but do not write; other workspaces see nothing.
        assert client.put("/api/gateway/secrets/OPENAI_API_KEY", json={"value": "y"}, headers=viewer).status_code == 403
        assert client.delete("/api/gateway/secrets/OPENAI_API_KEY", headers=viewer).status_code == 403
        assert client.get("/api/gateway/secrets", headers=eve).json() == []
        assert client.get("/api/gateway/secrets/OPENAI_API_KEY", headers=eve).status_code == 404
        assert client.delete("/api/gateway/secrets/OPENAI_API_KEY", headers=eve).status_code == 404
        with pytest.raises(SecretNotFound):
            _resolve(client, "f" * 32, "OPENAI_API_KEY")
        # Replace, then delete.
        replaced = client.put("/api/gateway/secrets/OPENAI_API_KEY", json={"value": "v2"}, headers=owner)
        assert replaced.status_code == 200 and replaced.json()["description"] == "LLM key"
        assert _resolve(client, alice.workspace_id, "OPENAI_API_KEY") == "v2"
        assert client.put("/api/gateway/secrets/NEW_ONE", json={"value": "n"}, headers=owner).status_code == 201
        assert client.delete("/api/gateway/secrets/OPENAI_API_KEY", headers=owner).status_code == 204
        assert client.get("/api/gateway/secrets/OPENAI_API_KEY", headers=owner).status_code == 404
        # Names are identifiers, values are bounded.
        for bad in ("../etc", "a b", "", "x" * 200, "${X}", "{{ x }}"):
            assert client.post("/api/gateway/secrets", json={"name": bad, "value": "v"}, headers=owner).status_code == 422
        assert client.post("/api/gateway/secrets", json={"name": "BIG", "value": "v" * 70_000},
                           headers=owner).status_code == 422


def test_a_ciphertext_moved_to_another_name_or_key_does_not_decrypt(tmp_path) -> None:
    with platform(tmp_path) as client:
        alice = add_user(client, "alice@example.com")
        owner = bearer(login(client, "alice@example.com"))
        client.post("/api/gateway/secrets", json={"name": "A", "value": VALUE}, headers=owner)
        client.post("/api/gateway/secrets", json={"name": "B", "value": "other"}, headers=owner)

        async def swap() -> None:
            async with client.app.state.sessionmaker() as session:
                ciphertext = (await session.execute(text("select ciphertext from secrets where name = 'A'"))).scalar()
                await session.execute(text("update secrets set ciphertext = :c where name = 'B'"), {"c": ciphertext})
                await session.commit()

        client.portal.call(swap)
        with pytest.raises(SecretUndecryptable):
            _resolve(client, alice.workspace_id, "B")
        assert _resolve(client, alice.workspace_id, "A") == VALUE
    with platform(tmp_path, secrets_key="another-key-" + "0123456789abcdef" * 2) as client:
        with pytest.raises(SecretUndecryptable) as caught:
            _resolve(client, alice.workspace_id, "A")
        assert VALUE not in str(caught.value)
