"""Settings of the service, read from environment variables (and a ``.env`` file when present)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The secrets the graph refers to, by name, and the environment variable that holds each value.
SECRET_ENV: dict[str, str] = {
}
# The SQL connections the graph queries, by name, and the environment variable that holds each one's URL.
SQL_URL_ENV: dict[str, str] = {
    'shop': 'SQL_URL_SHOP',
}


def _from_env(names: dict[str, str]) -> dict[str, str]:
    """Values of the variables that are set, by the name the graph uses."""
    return {name: os.environ[env] for name, env in names.items() if os.environ.get(env)}


class Settings(BaseSettings):
    # An empty variable counts as unset (docker-compose passes unset ones as "").
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    service_name: str = 'sql-query'
    log_level: str = "INFO"
    run_timeout_s: float = Field(default=60.0, gt=0, description="Bound on POST /run.")
    max_runs: int = Field(default=1000, ge=1, description="Finished runs kept in memory for GET /runs.")
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector; spans are exported only when set."
    )
    sql_writable: list[str] = Field(
        default_factory=list, description="SQL connections that may write (JSON list); the others are read-only."
    )
    sql_urls: dict[str, str] = Field(default_factory=lambda: _from_env(SQL_URL_ENV), exclude=True, repr=False)
    # Read from the variables named above (SECRET_ENV, ...), each filled from a Kubernetes Secret.
    secrets: dict[str, str] = Field(default_factory=lambda: _from_env(SECRET_ENV), exclude=True, repr=False)

    def secret(self, name: str) -> str | None:
        """The value of a secret the graph refers to, or None when it is not set."""
        return self.secrets.get(name)


@lru_cache
def get_settings() -> Settings:
    """The settings of this process."""
    return Settings()
