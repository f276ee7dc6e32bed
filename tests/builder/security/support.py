"""Helpers of the security and auth tests: a non-local platform app, users, logins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from builder.app import create_app
from builder.auth.users import CreatedUser, create_user
from builder.settings import Settings

PASSWORD = "correct horse battery staple"


def platform_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"_env_file": None, "data_dir": tmp_path / "data", "local_mode": False,
                              "rate_limit_requests": 100_000, "jwt_secret_key": "k" * 16 + "0123456789abcdef" * 3}
    values.update(overrides)
    return Settings(**values)


@contextmanager
def platform(tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    """A TestClient of the whole platform (every role) with login required."""
    with TestClient(create_app(platform_settings(tmp_path, **overrides))) as client:
        yield client


def add_user(client: TestClient, email: str, *, workspace: str = "Acme", role: str = "owner",
             password: str = PASSWORD) -> CreatedUser:
    async def go() -> CreatedUser:
        async with client.app.state.sessionmaker() as session:
            return await create_user(session, email=email, password=password, workspace=workspace, role=role)

    return client.portal.call(go)


def login(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/gateway/auth/login", json={"email": email, "password": password, **extra})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()  # tests pass refresh tokens explicitly
    return answer.json()


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}
