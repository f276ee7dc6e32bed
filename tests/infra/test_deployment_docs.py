"""docs/deployment.md stays true: the settings, files, commands and Terraform variables it names exist."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2

from builder.cli import app as cli_app
from builder.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deployment.md").read_text()


def _env_names() -> set[str]:
    """Every environment name Settings reads: each field's own, and the other names a field accepts."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(name.upper())
        choices = getattr(field.validation_alias, "choices", None) or []
        names |= {choice.upper() for choice in choices if isinstance(choice, str)}
    return names


SETTINGS_ENV = _env_names()


def section(title: str) -> str:
    return GUIDE.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_settings_table_names_only_real_settings() -> None:
    table = section("Settings")
    names = set(re.findall(r"^\| `([A-Z_]+)`", table, flags=re.MULTILINE))
    names |= set(re.findall(r"`([A-Z][A-Z_]{3,})`", table))
    names -= {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SERVICE_NAME"}
    assert names
    unknown = sorted(n for n in names if n not in SETTINGS_ENV)
    assert not unknown, f"documented but not Settings fields: {unknown}"
    for needed in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "SECRETS_KEY", "UVICORN_WORKERS",
                   "UVICORN_MAX_REQUESTS", "UVICORN_MAX_REQUESTS_JITTER", "DATABASE_POOL_SIZE",
                   "REDIS_MAX_CONNECTIONS", "ASYNC_TIMEOUT", "GATEWAY_UPSTREAMS", "GATEWAY_TIMEOUT"):
        assert needed in names, needed


def test_paths_it_names_exist() -> None:
    paths = set(re.findall(r"`((?:infra|docs|builder|web)/[\w./-]+|docker-compose\.yml|Dockerfile)`", GUIDE))
    assert "infra/k8s/overlays/dev" in GUIDE
    for path in paths:
        assert (ROOT / path.rstrip("/")).exists(), path
    for overlay in re.findall(r"kubectl apply -k (\S+)", GUIDE):
        assert (ROOT / overlay / "kustomization.yaml").is_file(), overlay


def test_lcnc_commands_it_uses_exist() -> None:
    commands = {c.name or c.callback.__name__ for c in cli_app.registered_commands}
    # `lcnc <command>`, not `kubectl -n lcnc <verb>` nor the namespace or image names.
    used = set(re.findall(r"(?<!-n )(?<![\w/.-])lcnc ([a-z]+)\b", GUIDE)) - {"is", "platform", "the"}
    assert {"serve", "migrate", "worker"} <= used
    for command in used:
        assert command in commands, f"lcnc {command}"


def test_terraform_tables_match_the_module() -> None:
    tf = ROOT / "infra" / "terraform"
    variables = {name.strip('"') for block in hcl2.loads((tf / "variables.tf").read_text())["variable"]
                 for name in block}
    outputs = {name.strip('"') for block in hcl2.loads((tf / "outputs.tf").read_text())["output"] for name in block}
    text = section("Terraform")
    documented_vars = set(re.findall(r"`([a-z_]+)`", "\n".join(
        line.split("|")[1] for line in text.splitlines() if line.startswith("| `") and line.count("|") >= 4)))
    documented_outputs = set(re.findall(r"^\| `([a-z_]+)` \| [^|]+\|$", text, flags=re.MULTILINE))
    assert documented_vars == variables
    assert documented_outputs == outputs
