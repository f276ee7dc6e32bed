"""docker-compose.yml: every role from the one image, backing services, telemetry, health checks and ordering."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from builder.settings import SERVICE_ROLES, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict = COMPOSE["services"]
SETTINGS_ENV = {name.upper() for name in Settings.model_fields}
PLATFORM_IMAGE_SERVICES = [name for name, svc in SERVICES.items() if svc.get("build", {}).get("target") == "platform"]
# Distroless image: no shell or client inside to probe with; dependents wait for it to start only.
NO_HEALTHCHECK = {"otel-collector": "distroless image, nothing to run a probe with"}


def test_every_role_runs_from_the_platform_image_by_command() -> None:
    for role in SERVICE_ROLES:
        assert role in SERVICES, role
        assert SERVICES[role]["command"] == ["lcnc", "serve", "--services", role]
        assert role in PLATFORM_IMAGE_SERVICES
    assert SERVICES["worker"]["command"] == ["lcnc", "worker"]
    assert SERVICES["migrate"]["command"] == ["lcnc", "migrate"]
    assert {"worker", "migrate"} <= set(PLATFORM_IMAGE_SERVICES)


def test_backing_services_web_and_telemetry_are_present() -> None:
    for name in ("postgres", "redis", "chroma", "web", "otel-collector", "jaeger", "prometheus"):
        assert name in SERVICES, name
    assert SERVICES["web"]["build"]["target"] == "web"
    assert SERVICES["gateway"]["ports"] == ["8000:8000"]


def test_build_targets_exist_in_the_dockerfile() -> None:
    stages = {line.split()[-1] for line in (ROOT / "Dockerfile").read_text().splitlines()
              if line.startswith("FROM ") and " AS " in line}
    for name, svc in SERVICES.items():
        if "build" in svc:
            assert svc["build"]["context"] == "."
            assert svc["build"]["target"] in stages, name


def test_long_running_services_have_health_checks() -> None:
    for name, svc in SERVICES.items():
        check = svc.get("healthcheck")
        if name == "migrate":
            assert check == {"disable": True}  # a one-shot job
            assert svc["restart"] == "no"
        elif name in NO_HEALTHCHECK:
            assert check is None
        else:
            assert check and check["test"] and not check.get("disable"), name
            assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert SERVICES["worker"]["healthcheck"]["test"][-1] == "--worker"


def test_depends_on_conditions_are_sound() -> None:
    for name, svc in SERVICES.items():
        for dep, rule in svc.get("depends_on", {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            condition = rule["condition"]
            assert condition in ("service_healthy", "service_started", "service_completed_successfully")
            if condition == "service_healthy":
                check = SERVICES[dep].get("healthcheck")
                assert check and not check.get("disable"), f"{name} waits for {dep} healthy, which has no check"
            if condition == "service_completed_successfully":
                assert SERVICES[dep].get("restart") == "no", dep
    for role in SERVICE_ROLES:
        deps = SERVICES[role]["depends_on"]
        if role != "gateway":
            assert deps["postgres"]["condition"] == "service_healthy"
            assert deps["redis"]["condition"] == "service_healthy"
            assert deps["migrate"]["condition"] == "service_completed_successfully"
    # The gateway comes up once every role it routes to is healthy.
    gateway_deps = SERVICES["gateway"]["depends_on"]
    assert all(gateway_deps[r]["condition"] == "service_healthy" for r in SERVICE_ROLES if r != "gateway")


def test_no_dependency_cycle() -> None:
    graph = {name: set(svc.get("depends_on", {})) for name, svc in SERVICES.items()}
    done: set[str] = set()
    while graph:
        ready = [n for n, deps in graph.items() if deps <= done]
        assert ready, f"dependency cycle among {sorted(graph)}"
        for n in ready:
            done.add(n)
            del graph[n]


def test_platform_environment_names_are_settings_fields() -> None:
    for name in PLATFORM_IMAGE_SERVICES:
        env = SERVICES[name]["environment"]
        assert isinstance(env, dict)
        unknown = [k for k in env if k not in SETTINGS_ENV and not k.startswith("OTEL_")]
        assert not unknown, f"{name}: {unknown} are not Settings fields"
        for needed in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "AUTO_MIGRATE", "UVICORN_WORKERS",
                       "UVICORN_MAX_REQUESTS", "UVICORN_MAX_REQUESTS_JITTER", "ASYNC_TIMEOUT",
                       "OTEL_EXPORTER_OTLP_ENDPOINT"):
            assert needed in env, (name, needed)
        assert env["AUTO_MIGRATE"] == "false"  # the migrate service does it, once
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"


def test_environment_values_are_accepted_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dict(SERVICES["gateway"]["environment"])
    for key, value in env.items():
        # Host-side interpolation: take the default after ':-'.
        if value.startswith("${") and ":-" in value:
            value = value.split(":-", 1)[1].rstrip("}")
        monkeypatch.setenv(key, value.replace("${POSTGRES_PASSWORD:-lcnc}", "lcnc"))
    settings = Settings(_env_file=None, services=["gateway"])
    assert settings.uvicorn_workers == 2
    assert set(settings.gateway_upstreams) == set(SERVICE_ROLES) - {"gateway"}
    for role, url in settings.gateway_upstreams.items():
        assert url == f"http://{role}:8000"


def test_upstreams_json_is_valid_and_complete() -> None:
    upstreams = json.loads(SERVICES["gateway"]["environment"]["GATEWAY_UPSTREAMS"])
    assert upstreams == {r: f"http://{r}:8000" for r in SERVICE_ROLES if r != "gateway"}


def test_volumes_and_mounted_files_exist() -> None:
    declared = set(COMPOSE["volumes"])
    for name, svc in SERVICES.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
    assert any(v.startswith("postgres-data:") for v in SERVICES["postgres"]["volumes"])
    assert any(v.startswith("lcnc-data:/data") for v in SERVICES["workflow"]["volumes"])


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker client not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)  # noqa: S603
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed on this machine (`docker compose version` fails)")
    done = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],  # noqa: S603
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
