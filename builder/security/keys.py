"""The platform's two keys: JWT_SECRET_KEY signs access tokens, SECRETS_KEY encrypts stored secrets.

Production requires both, long, distinct and not a known default (`secret_problems`). Outside production an empty
key is replaced by a random one kept in DATA_DIR (file mode 0600), so a development install works out of the box
and its tokens and secrets survive a restart.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from builder.settings import Settings

MIN_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8
# Fragments of placeholder values found in examples, compose files and docs.
DEFAULT_MARKERS = ("change-me", "changeme", "change_me", "dev-only", "devonly", "example", "placeholder",
                   "insecure", "not-secret", "notsecret", "replace-me", "your-secret", "secret-key")

_lock = threading.Lock()
_generated: dict[Path, str] = {}


def key_problems(name: str, value: str) -> list[str]:
    """Why ``value`` is not acceptable as the production key named ``name`` (empty when it is)."""
    if not value.strip():
        return [f"{name} is required when ENVIRONMENT=production (e.g. `openssl rand -hex 32`)"]
    problems = []
    if len(value) < MIN_KEY_LENGTH:
        problems.append(f"{name} must be at least {MIN_KEY_LENGTH} characters in production")
    lowered = value.lower()
    if any(marker in lowered for marker in DEFAULT_MARKERS) or len(set(value)) < MIN_DISTINCT_CHARACTERS:
        problems.append(f"{name} looks like a default or placeholder value; generate one with `openssl rand -hex 32`")
    return problems


def secret_problems(settings: Settings) -> list[str]:
    """Every reason the keys of ``settings`` are refused (production only)."""
    if settings.environment != "production":
        return []
    problems = key_problems("JWT_SECRET_KEY", settings.jwt_secret_key)
    problems += key_problems("SECRETS_KEY", settings.secrets_key)
    if settings.jwt_secret_key and settings.jwt_secret_key == settings.secrets_key:
        problems.append("SECRETS_KEY must differ from JWT_SECRET_KEY")
    return problems


def _generated_key(settings: Settings, name: str) -> str:
    """A random development key kept in DATA_DIR/keys/<name> (in memory when the folder is not writable)."""
    path = (settings.data_dir / "keys" / name).resolve()
    with _lock:
        if path in _generated:
            return _generated[path]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                key = path.read_text(encoding="utf-8").strip()
            else:
                key = secrets.token_hex(32)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(key)
        except OSError:
            key = secrets.token_hex(32)
        if not key:
            key = secrets.token_hex(32)
        _generated[path] = key
        return key


def _key(settings: Settings, value: str, name: str) -> str:
    if value:
        return value
    if settings.environment == "production":
        raise RuntimeError(f"{name} is required when ENVIRONMENT=production")
    return _generated_key(settings, name.lower())


def signing_key(settings: Settings) -> str:
    """The HS256 key of access tokens."""
    return _key(settings, settings.jwt_secret_key, "JWT_SECRET_KEY")


def secrets_fernet(settings: Settings) -> Fernet:
    """The Fernet cipher of stored secrets, its 32-byte key derived from SECRETS_KEY with HKDF-SHA256."""
    material = _key(settings, settings.secrets_key, "SECRETS_KEY").encode("utf-8")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lcnc-secrets", info=b"fernet-v1").derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))
