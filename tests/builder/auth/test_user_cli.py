"""`lcnc user create` gives a fresh production-style install its first user, who can then log in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.builder.security.support import PASSWORD, login, platform

LCNC = str(Path(sys.executable).with_name("lcnc"))


def _lcnc(tmp_path: Path, *args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "JWT_", "LCNC_"))}
    env["DATA_DIR"] = str(tmp_path / "data")
    if password is not None:
        env["LCNC_USER_PASSWORD"] = password
    return subprocess.run([LCNC, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)  # noqa: S603


def test_user_create_then_login(tmp_path: Path) -> None:
    done = _lcnc(tmp_path, "user", "create", "--email", "Admin@Example.com", "--workspace", "Acme")
    assert done.returncode == 0, done.stderr
    assert "user admin@example.com created: owner of new workspace" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    again = _lcnc(tmp_path, "user", "create", "--email", "viewer@example.com", "--workspace", "Acme",
                  "--role", "viewer")
    assert again.returncode == 0 and "viewer of workspace" in again.stdout
    with platform(tmp_path) as client:
        tokens = login(client, "admin@example.com")
        assert tokens["role"] == "owner" and tokens["workspaces"][0]["name"] == "Acme"
        assert login(client, "viewer@example.com")["workspace_id"] == tokens["workspace_id"]


def test_user_create_refuses_bad_input(tmp_path: Path) -> None:
    short = _lcnc(tmp_path, "user", "create", "--email", "a@example.com", "--workspace", "W", password="short")
    assert short.returncode == 2 and "password" in short.stderr
    bad_role = _lcnc(tmp_path, "user", "create", "--email", "a@example.com", "--workspace", "W", "--role", "god")
    assert bad_role.returncode == 2 and "unknown role" in bad_role.stderr
