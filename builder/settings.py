"""The platform's one Settings class, read from the environment (names as in the deployment guide)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_ROLES = ("gateway", "orchestrator", "agents", "tools", "rag", "sqltool", "workflow", "observability")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path(".lcnc"), description="Embedded default's folder: SQLite file, Chroma, queue.")
    local_mode: bool = Field(default=True, description="Single-user mode of the embedded default; no login.")
    auto_migrate: bool = Field(default=True, description="Apply Alembic migrations when the app starts.")

    database_url: str = ""
    database_pool_size: int = 10
    database_max_overflow: int = 20
    database_pool_timeout: float = 30.0
    database_pool_recycle: int = 1800
    database_busy_timeout: float = Field(
        default=30.0, gt=0, description="Embedded SQLite: seconds a write waits for another process's write before "
        "the API answers 503 with Retry-After.")
    worker_synchronous_commit: bool = Field(
        default=False, validation_alias=AliasChoices("worker_synchronous_commit", "checkpoint_synchronous_commit"),
        description="A worker's writes of a run (its claim, checkpoints and outcome) wait for PostgreSQL's WAL flush. "
        "Off: a lost worker still loses nothing; only a PostgreSQL crash can drop its last moments of writes (a run "
        "recorded then is run again from its last stored checkpoint). CHECKPOINT_SYNCHRONOUS_COMMIT is read too.")

    redis_url: str = ""
    redis_max_connections: int = 50
    queue_namespace: str = Field(
        default="lcnc", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$",
        description="Names the run queue and prefixes the Redis keys of runs: the platform and its workers must "
        "agree. Two platforms on one Redis use two namespaces.")

    cors_origins: list[str] = Field(default_factory=list)
    cors_allow_credentials: bool = True

    jwt_secret_key: str = ""
    jwt_algorithm: Literal["HS256"] = "HS256"
    jwt_access_token_expire_minutes: int = 30
    jwt_refresh_token_expire_days: int = 7

    rate_limit_requests: int = 100
    rate_limit_window: int = 60
    secrets_key: str = Field(default="", description="Key that encrypts stored secrets; required in production.")
    login_max_attempts: int = Field(default=5, ge=1, description="Failed logins per email per LOGIN_WINDOW (x4 per IP).")
    login_window: int = Field(default=900, ge=1, description="Seconds of the failed-login throttling window.")

    uvicorn_workers: int = 1
    uvicorn_max_requests: int = 0
    uvicorn_max_requests_jitter: int = 0
    async_timeout: float = 30.0

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 5 * 1024 * 1024
    services: list[str] = Field(default_factory=lambda: list(SERVICE_ROLES))

    metrics_enabled: bool = Field(default=True, description="Serve GET /metrics for Prometheus.")
    span_store_enabled: bool = Field(default=True, description="Keep spans in the platform DB for the trace view.")
    span_retention_hours: float = 72.0
    span_store_max_rows: int = 200_000
    trace_content: bool = Field(default=False, description="Record prompts and completions on LLM spans.")
    log_json: bool = True
    worker_metrics_port: int = Field(default=9464, description="Port of a worker's /metrics; 0 turns it off.")
    worker_metrics_host: str = "0.0.0.0"  # noqa: S104 - scraped by Prometheus from outside the pod
    worker_stale_after_s: float = Field(default=30.0, gt=0, description="Services view: a worker not heard from "
                                        "this long (and two of its heartbeats) is listed as stale.")
    log_level: str = "INFO"
    gateway_upstreams: dict[str, str] = Field(default_factory=dict, description='Gateway: JSON {"role": "base URL"}.')
    gateway_timeout: float = Field(default=30.0, gt=0, description="Gateway: seconds to wait for an upstream's answer.")
    gateway_stream_idle_timeout: float = Field(default=300.0, gt=0, description="Gateway: max silence in a stream.")
    deploy_runner_image: str = Field(default="ghcr.io/lcnc/runner:0.1.0", description="Deploy: the generic runner image.")
    deploy_rollout_timeout: float = Field(default=600.0, gt=0, description="Deploy: seconds a rollout may take.")
    deploy_registry: str = Field(default="", description="Deploy: registry prefix Kaniko pushes to (in-cluster build).")
    forwarded_allow_ips: str = Field(default="127.0.0.1", description="Proxies trusted for X-Forwarded-For/Proto.")
    ssrf_allowlist: list[str] = Field(default_factory=list, description="Hosts, IPs, CIDRs outgoing requests may reach.")
    mcp_servers: dict[str, dict] = Field(default_factory=dict, description='Admin MCP servers: {"name": {"url"} | {"command": [argv]}}.')
    chroma_url: str = Field(default="", description="Chroma server URL; empty = persistent folder in DATA_DIR.")
    embedding_model_dir: str = Field(default="", description="sentence-transformers model folder; empty = bundled MiniLM.")
    rag_max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="Largest RAG document upload.")

    @model_validator(mode="after")
    def _production_is_not_local(self) -> Settings:
        if self.environment == "production" and self.local_mode:
            raise ValueError("LOCAL_MODE (single-user, no login) is refused when ENVIRONMENT=production")
        unknown = [role for role in self.services if role not in SERVICE_ROLES]
        if unknown:
            raise ValueError(f"SERVICES: unknown role(s) {', '.join(unknown)}; roles: {', '.join(SERVICE_ROLES)}")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: DATABASE_URL, or a SQLite file in DATA_DIR."""
        url = self.database_url.strip()
        if not url:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'lcnc.db').resolve()}"
        return async_url(url)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def async_url(url: str) -> str:
    """Normalise a database URL to the async driver lcnc uses for it."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def sync_url(url: str) -> str:
    """The synchronous twin of an async URL, for Alembic and checkpointers."""
    url = async_url(url)
    if url.startswith("postgresql+asyncpg://"):
        return "postgresql+psycopg://" + url[len("postgresql+asyncpg://"):]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://"):]
    return url


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
