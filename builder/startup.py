"""What `lcnc serve` checks and runs: a role missing a setting it needs stops at once, naming the variable.

The server is uvicorn, started from the import string of `builder.main:create` so that UVICORN_WORKERS > 1 works
(each worker builds its app from the same environment; `--services` reaches them through SERVICES).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from builder.security.keys import key_problems, secret_problems
from builder.settings import SERVICE_ROLES, Settings

WORKER_START_TIMEOUT = 120


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and `overrides`); on a bad value exit 2 naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors(include_input=False):
            name = "_".join(str(part) for part in error["loc"]).upper()
            print(f"error: {name}: {error['msg']}" if name else f"error: {error['msg']}", file=sys.stderr)
    except SettingsError as exc:
        print(f"error: {exc}" + (f": {exc.__cause__}" if exc.__cause__ else ""), file=sys.stderr)
    raise SystemExit(2)


def startup_problems(settings: Settings, *, worker: bool = False) -> list[str]:
    """Every reason this process must not start, each naming the environment variable to set."""
    problems: list[str] = []
    production = settings.environment == "production"
    roles = [] if worker else list(settings.services)
    what = "a worker" if worker else f"role(s) {', '.join(roles)}"
    if production:
        # Every role keeps data (the gateway serves logins) and shares rate limits and run events through Redis.
        if not settings.database_url.strip():
            problems.append(f"DATABASE_URL is required when ENVIRONMENT=production ({what})")
        if not settings.redis_url.strip():
            problems.append(f"REDIS_URL is required when ENVIRONMENT=production ({what})")
        # The keys' rules are the security module's: a worker decrypts secrets, a role also signs tokens.
        if worker:
            problems.extend(key_problems("SECRETS_KEY", settings.secrets_key))
        else:
            problems.extend(secret_problems(settings))
    if "gateway" in roles:
        problems.extend(_gateway_problems(settings, production))
    if settings.uvicorn_workers < 1:
        problems.append("UVICORN_WORKERS must be at least 1")
    if settings.uvicorn_max_requests < 0 or settings.uvicorn_max_requests_jitter < 0:
        problems.append("UVICORN_MAX_REQUESTS and UVICORN_MAX_REQUESTS_JITTER must be 0 (off) or positive")
    if settings.async_timeout <= 0:
        problems.append("ASYNC_TIMEOUT must be a positive number of seconds")
    if settings.database_pool_size < 1 or settings.database_max_overflow < 0:
        problems.append("DATABASE_POOL_SIZE must be at least 1 and DATABASE_MAX_OVERFLOW at least 0")
    if settings.redis_max_connections < 1:
        problems.append("REDIS_MAX_CONNECTIONS must be at least 1")
    return problems


def _gateway_problems(settings: Settings, production: bool) -> list[str]:
    problems = []
    upstreams = settings.gateway_upstreams
    unknown = sorted(role for role in upstreams if role not in SERVICE_ROLES or role == "gateway")
    if unknown:
        problems.append(f"GATEWAY_UPSTREAMS: unknown role(s) {', '.join(unknown)}; "
                        f"roles: {', '.join(r for r in SERVICE_ROLES if r != 'gateway')}")
    for role, url in upstreams.items():
        if not url.startswith(("http://", "https://")):
            problems.append(f"GATEWAY_UPSTREAMS[{role}]: {url!r} is not an http:// or https:// URL")
    missing = [r for r in SERVICE_ROLES if r not in settings.services and r not in upstreams]
    if production and missing:
        problems.append(f"GATEWAY_UPSTREAMS has no URL for role(s) {', '.join(missing)} that this process "
                        "does not serve (ENVIRONMENT=production)")
    return problems


def uvicorn_options(settings: Settings, *, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    """uvicorn.run keyword arguments from the production settings."""
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": settings.uvicorn_workers,
        "log_level": "info",
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": int(settings.async_timeout),
        # With UVICORN_WORKERS > 1 the supervisor kills a worker not serving within this many seconds; the
        # platform's imports alone can take longer than uvicorn's 5 s on a busy machine.
        "timeout_worker_healthcheck": WORKER_START_TIMEOUT,
    }
    if settings.uvicorn_max_requests > 0:
        options["limit_max_requests"] = settings.uvicorn_max_requests
        options["limit_max_requests_jitter"] = settings.uvicorn_max_requests_jitter
    return options


async def _create_local_identity(settings: Settings) -> None:
    from builder.context import ensure_local_identity
    from builder.db.engine import make_engine, make_sessionmaker

    engine = make_engine(settings)
    try:
        await ensure_local_identity(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def run_server(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Check the settings, then serve `settings.services` (exit status 2 and a message when a check fails)."""
    problems = startup_problems(settings)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    if settings.uvicorn_max_requests > 0 and settings.uvicorn_workers == 1:
        print("warning: UVICORN_MAX_REQUESTS with UVICORN_WORKERS=1 ends the process after that many requests; "
              "run 2 or more workers so one is always serving", file=sys.stderr)
    import uvicorn

    if settings.auto_migrate:
        # Once, here: UVICORN_WORKERS processes would otherwise race to migrate the same database.
        from builder.db.migrate import upgrade_database

        upgrade_database(settings)
        os.environ["AUTO_MIGRATE"] = "false"
    if settings.local_mode and settings.uvicorn_workers > 1:
        asyncio.run(_create_local_identity(settings))  # once, before the workers race to create it
    if settings.uvicorn_workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # One /metrics for all server processes, whichever of them answers the scrape.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lcnc-metrics-")
    # Worker processes read the environment, not this process's arguments.
    os.environ["SERVICES"] = json.dumps(list(settings.services))
    uvicorn.run("builder.main:create", factory=True, **uvicorn_options(settings, host=host, port=port))
