"""Access tokens: what is accepted and the right 4xx for everything else."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from builder.auth.passwords import hash_password, needs_rehash, verify_password
from builder.auth.tokens import create_access_token
from tests.builder.security.support import add_user, bearer, login, platform, platform_settings


def test_passwords_are_argon2id_and_verify_only_the_right_one() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$") and "a long enough password" not in hashed
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a long enough passwort")
    assert not verify_password(None, "a long enough password")
    assert not verify_password("not a hash", "x")
    assert not needs_rehash(hashed)
    with pytest.raises(ValueError):
        hash_password("short")


def _forge(claims: dict, header: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_expired_forged_unsigned_and_wrong_workspace_tokens_are_refused(tmp_path) -> None:
    with platform(tmp_path) as client:
        alice = add_user(client, "alice@example.com", workspace="Alpha")
        bob = add_user(client, "bob@example.com", workspace="Beta")
        tokens = login(client, "alice@example.com")
        settings = client.app.state.settings
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert claims["ws"] == alice.workspace_id and claims["sub"] == alice.user_id

        ok = client.get("/api/workflow/graphs", headers=bearer(tokens))
        assert ok.status_code == 200

        expired = jwt.encode({**claims, "iat": int(time.time()) - 4000, "exp": int(time.time()) - 60},
                             settings.jwt_secret_key, algorithm="HS256")
        answer = client.get("/api/workflow/graphs", headers=bearer(expired))
        assert answer.status_code == 401 and answer.json()["detail"] == "access token expired"
        assert answer.headers["www-authenticate"] == "Bearer"

        forged = jwt.encode(claims, "another key of at least thirty-two characters!", algorithm="HS256")
        assert client.get("/api/workflow/graphs", headers=bearer(forged)).status_code == 401

        unsigned = _forge(claims, {"alg": "none", "typ": "JWT"})
        assert client.get("/api/workflow/graphs", headers=bearer(unsigned)).status_code == 401
        hs512 = jwt.encode(claims, settings.jwt_secret_key, algorithm="HS512")
        assert client.get("/api/workflow/graphs", headers=bearer(hs512)).status_code == 401

        # Bob's workspace in a token signed with the right key (e.g. a member removed since): 404, not data.
        other_ws = jwt.encode({**claims, "ws": bob.workspace_id}, settings.jwt_secret_key, algorithm="HS256")
        assert client.get("/api/workflow/graphs", headers=bearer(other_ws)).status_code == 404
        # ... and asking for it by header.
        answer = client.get("/api/workflow/graphs", headers={**bearer(tokens), "X-Workspace-ID": bob.workspace_id})
        assert answer.status_code == 404
        assert client.get("/api/workflow/graphs",
                          headers={**bearer(tokens), "X-Workspace-ID": "../../etc"}).status_code == 404

        no_sid = {k: v for k, v in claims.items() if k != "sid"}
        missing = jwt.encode(no_sid, settings.jwt_secret_key, algorithm="HS256")
        assert client.get("/api/workflow/graphs", headers=bearer(missing)).status_code == 401
        refresh_as_access = jwt.encode({**claims, "type": "refresh"}, settings.jwt_secret_key, algorithm="HS256")
        assert client.get("/api/workflow/graphs", headers=bearer(refresh_as_access)).status_code == 401
        for junk in ("", "Bearer", "Basic YWxpY2U6cGFzcw==", "Bearer not.a.jwt", "Bearer " + "a" * 5000):
            assert client.get("/api/workflow/graphs", headers={"Authorization": junk}).status_code == 401


def test_a_token_signed_for_an_unknown_session_is_refused(tmp_path) -> None:
    settings = platform_settings(tmp_path)
    with platform(tmp_path) as client:
        alice = add_user(client, "alice@example.com")
        token, lifetime = create_access_token(settings, user_id=alice.user_id, workspace_id=alice.workspace_id,
                                              session_id="0" * 32)
        assert lifetime == 30 * 60
        answer = client.get("/api/workflow/graphs", headers=bearer(token))
        assert answer.status_code == 401 and "session" in answer.json()["detail"]


def test_access_token_lifetime_follows_the_settings(tmp_path) -> None:
    with platform(tmp_path, jwt_access_token_expire_minutes=5) as client:
        add_user(client, "alice@example.com")
        tokens = login(client, "alice@example.com")
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert tokens["expires_in"] == 300 and claims["exp"] - claims["iat"] == 300
        assert tokens["refresh_expires_in"] == 7 * 86400
        assert datetime.fromtimestamp(claims["exp"], UTC) - datetime.now(UTC) <= timedelta(seconds=300)
