"""Authentication: passwords (Argon2id), access tokens (HS256 JWT), rotating refresh tokens, API keys, roles."""
