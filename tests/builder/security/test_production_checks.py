"""Production refuses empty, short, placeholder or shared keys, and local mode; development gets generated keys."""

from __future__ import annotations

import secrets
import stat

import pytest

from builder.app import create_app
from builder.security import InsecureSettings
from builder.security.keys import secret_problems, secrets_fernet, signing_key
from builder.settings import Settings

GOOD = {"jwt_secret_key": secrets.token_hex(32), "secrets_key": secrets.token_urlsafe(40)}


def _prod(tmp_path, **keys) -> Settings:
    return Settings(_env_file=None, environment="production", local_mode=False, data_dir=tmp_path, **keys)


@pytest.mark.parametrize(("keys", "named"), [
    ({}, "JWT_SECRET_KEY is required"),
    ({"jwt_secret_key": GOOD["jwt_secret_key"]}, "SECRETS_KEY is required"),
    ({**GOOD, "jwt_secret_key": "short-but-random-Xy7"}, "JWT_SECRET_KEY must be at least 32"),
    ({**GOOD, "jwt_secret_key": "dev-only-secret-change-me-0123456789abcdef"}, "JWT_SECRET_KEY looks like a default"),
    ({**GOOD, "secrets_key": "changeme-changeme-changeme-changeme"}, "SECRETS_KEY looks like a default"),
    ({**GOOD, "secrets_key": "s" * 40}, "SECRETS_KEY looks like a default"),
    ({**GOOD, "secrets_key": GOOD["jwt_secret_key"]}, "SECRETS_KEY must differ"),
])
def test_production_refuses_weak_keys(tmp_path, keys, named) -> None:
    settings = _prod(tmp_path, **keys)
    assert any(named in problem for problem in secret_problems(settings))
    with pytest.raises(InsecureSettings, match=named.split(" ")[0]):
        create_app(settings)
    problems_text = " ".join(secret_problems(settings))
    for value in keys.values():
        assert value not in problems_text  # the message names the setting, never its value


def test_production_with_good_keys_starts_and_refuses_local_mode(tmp_path) -> None:
    assert secret_problems(_prod(tmp_path, **GOOD)) == []
    create_app(_prod(tmp_path, **GOOD))
    with pytest.raises(ValueError, match="LOCAL_MODE"):
        Settings(_env_file=None, environment="production", local_mode=True, **GOOD)


def test_development_generates_private_keys_once(tmp_path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "d")
    assert secret_problems(settings) == []
    key = signing_key(settings)
    assert len(key) == 64 and signing_key(Settings(_env_file=None, data_dir=tmp_path / "d")) == key
    path = tmp_path / "d" / "keys" / "jwt_secret_key"
    assert path.read_text() == key and stat.S_IMODE(path.stat().st_mode) == 0o600
    token = secrets_fernet(settings).encrypt(b"x")
    assert secrets_fernet(Settings(_env_file=None, data_dir=tmp_path / "d")).decrypt(token) == b"x"
    assert signing_key(Settings(_env_file=None, data_dir=tmp_path / "d", jwt_secret_key="explicit")) == "explicit"
