import pytest
from pydantic import ValidationError

from builder.settings import SERVICE_ROLES, Settings, async_url, sync_url


def test_embedded_default_is_a_sqlite_file_in_the_data_dir(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'lcnc.db'}"
    assert settings.is_sqlite and settings.local_mode and settings.services == list(SERVICE_ROLES)


def test_postgres_urls_use_asyncpg_and_psycopg() -> None:
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert sync_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_production_refuses_single_user_local_mode() -> None:
    with pytest.raises(ValidationError, match="LOCAL_MODE"):
        Settings(environment="production", local_mode=True)


def test_unknown_service_role_is_named() -> None:
    with pytest.raises(ValidationError, match="billing"):
        Settings(services=["workflow", "billing"])


def test_reads_the_seed_variables(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "15")
    monkeypatch.setenv("RATE_LIMIT_REQUESTS", "5")
    settings = Settings()
    assert (settings.database_pool_size, settings.jwt_access_token_expire_minutes, settings.rate_limit_requests) == (7, 15, 5)


def test_the_queue_namespace_is_shared_by_the_platform_and_its_workers(monkeypatch, tmp_path) -> None:
    from builder.crud.runs import worker_config

    monkeypatch.setenv("QUEUE_NAMESPACE", "team-a")
    config = worker_config(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/0"))
    assert config.queue == "team-a.runs" and config.namespace == "team-a"
    assert worker_config(Settings(data_dir=tmp_path), namespace="other").queue == "other.runs"  # lcnc worker --namespace
    with pytest.raises(ValidationError, match="queue_namespace"):
        Settings(queue_namespace="a b:*")


@pytest.mark.parametrize("name", ["WORKER_SYNCHRONOUS_COMMIT", "CHECKPOINT_SYNCHRONOUS_COMMIT"])
def test_workers_commit_without_waiting_for_the_flush_unless_told(monkeypatch, tmp_path, name) -> None:
    from builder.crud.runs import worker_config

    assert worker_config(Settings(data_dir=tmp_path)).synchronous_commit is False
    monkeypatch.setenv(name, "true")  # the current name, or the former one
    settings = Settings(data_dir=tmp_path)
    assert settings.worker_synchronous_commit is True
    assert worker_config(settings).synchronous_commit is True
