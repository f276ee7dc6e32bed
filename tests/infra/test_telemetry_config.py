"""infra/prometheus and infra/otel-collector: scrape every role and worker; OTLP in, batched, OTLP out to Jaeger."""

from __future__ import annotations

from pathlib import Path

import yaml

from builder.settings import SERVICE_ROLES

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = yaml.safe_load((ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())
PROMETHEUS_K8S = yaml.safe_load((ROOT / "infra" / "prometheus" / "prometheus-kubernetes.yml").read_text())
COLLECTOR = yaml.safe_load((ROOT / "infra" / "otel-collector" / "config.yaml").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def jobs(config: dict) -> dict[str, dict]:
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_prometheus_scrapes_every_role_metrics_endpoint() -> None:
    roles = jobs(PROMETHEUS)["lcnc-roles"]
    assert roles["metrics_path"] == "/metrics"
    targets = {t: group["labels"]["role"] for group in roles["static_configs"] for t in group["targets"]}
    assert targets == {f"{role}:8000": role for role in SERVICE_ROLES}
    for target in targets:
        assert target.split(":")[0] in COMPOSE  # a compose service by that name


def test_prometheus_follows_every_worker_replica() -> None:
    workers = jobs(PROMETHEUS)["lcnc-workers"]
    [sd] = workers["dns_sd_configs"]
    assert sd["names"] == ["worker"] and sd["port"] == 9464
    assert "worker" in COMPOSE
    collector = jobs(PROMETHEUS)["otel-collector"]
    assert collector["static_configs"][0]["targets"] == ["otel-collector:8888"]
    assert COMPOSE["prometheus"]["volumes"][0].startswith("./infra/prometheus/prometheus.yml:")


def test_kubernetes_scrape_uses_pod_annotations() -> None:
    [pods] = [j for j in PROMETHEUS_K8S["scrape_configs"] if j["job_name"] == "lcnc-pods"]
    assert pods["kubernetes_sd_configs"][0]["role"] == "pod"
    relabels = pods["relabel_configs"]
    keep = relabels[0]
    assert keep["source_labels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]
    assert keep["action"] == "keep" and keep["regex"] == "true"
    assert any(r.get("target_label") == "__metrics_path__" for r in relabels)
    assert any(r.get("target_label") == "__address__" for r in relabels)


def test_collector_receives_otlp_on_grpc_and_http() -> None:
    protocols = COLLECTOR["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    assert protocols["http"]["endpoint"].endswith(":4318")


def test_collector_batches_and_exports_to_jaeger_over_otlp() -> None:
    pipeline = COLLECTOR["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert "batch" in pipeline["processors"]
    assert pipeline["processors"][-1] == "batch"  # batch last, after the memory limiter
    [exporter] = pipeline["exporters"]
    assert exporter.split("/")[0] == "otlp"
    assert COLLECTOR["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert COMPOSE["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"


def test_every_component_a_pipeline_names_is_defined() -> None:
    for pipeline in COLLECTOR["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in COLLECTOR[kind], f"{kind}: {name}"
    for name in COLLECTOR["service"].get("extensions", []):
        assert name in COLLECTOR["extensions"]


def test_platform_processes_send_to_the_collector() -> None:
    mounts = COMPOSE["otel-collector"]["volumes"]
    assert mounts == ["./infra/otel-collector/config.yaml:/etc/otelcol/config.yaml:ro"]
    assert "--config=/etc/otelcol/config.yaml" in COMPOSE["otel-collector"]["command"]
    assert COMPOSE["gateway"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"
