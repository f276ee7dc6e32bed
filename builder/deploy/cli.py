"""`lcnc deploy GRAPH.json --kubeconfig PATH`: the deploy path of the platform, from a file (CI, GitOps)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from builder.cli import app
from builder.cli_progress import CliProgress, StepHandle
from builder.deploy.engine import Engine
from builder.deploy.errors import DeployError
from builder.deploy.kube import Kube
from builder.deploy.plan import build_plan, cli_deployment_id, secret_references
from builder.deploy.service_values import from_environment, service_refs
from builder.errors import ApiError
from builder.settings import Settings
from codegen import ExportError, ProjectOptions
from codegen.naming import dns_label
from codegen.options import parse_http_tools
from runtime.spec import DocumentError, load_graph, load_graph_folder
from runtime.validate import validate_graph


def secret_env(name: str) -> str:
    """The environment variable that gives a secret's value to `lcnc deploy` (as the generated service reads it)."""
    return "SECRET_" + name.upper().replace("-", "_")


class _Printer:
    """Status events as lines on stdout (or JSON lines); the latest one also shows beside the progress spinner."""

    def __init__(self, as_json: bool, progress: CliProgress, step: StepHandle | None = None) -> None:
        self.as_json = as_json
        self.progress = progress
        self.step = step

    def __call__(self, event: dict[str, Any]) -> None:
        if self.as_json:
            import json

            typer.echo(json.dumps(event, default=str))
            return
        line = _describe(event)
        if line is None:
            return
        if self.step is not None:
            self.step.update(line)
        self.progress.echo(line, err=event.get("type") == "deploy_failed")


def _describe(event: dict[str, Any]) -> str | None:
    kind = event.get("type")
    if kind == "object_applied":
        return f"{event['kind'].lower()}/{event['name']} {event['action']}"
    if kind == "preflight":
        problems = [f"preflight {c['status']}: {c['message']}" for c in event.get("checks", []) if c["status"] != "ok"]
        return "\n".join(problems) or None
    if kind in ("rollout_progress", "build_progress"):
        return f"{'build' if kind == 'build_progress' else 'rollout'}: {event['message']}"
    if kind in ("pod_status", "k8s_event"):
        subject = event.get("pod") or event.get("object")
        return f"{subject}: {event.get('reason') or ''} {event.get('message') or ''}".rstrip()
    if kind in ("object_reverted", "object_deleted"):
        return f"{event['kind'].lower()}/{event['name']} {event.get('action') or 'deleted'}"
    if kind == "deploy_failed":
        return f"deploy failed: {event['error']}"
    return None


@app.command("deploy")
def deploy(
    graph: Annotated[Path, typer.Argument(help="Graph JSON file.", exists=True, dir_okay=False)],
    kubeconfig: Annotated[Path | None, typer.Option(help="kubeconfig file ($KUBECONFIG or ~/.kube/config by default).",
                                                    dir_okay=False)] = None,
    context: Annotated[str | None, typer.Option(help="kubeconfig context; current-context by default.")] = None,
    cluster: Annotated[str | None, typer.Option(help="A cluster registered in the platform (read from DATABASE_URL "
                                                     "with SECRETS_KEY), instead of --kubeconfig.")] = None,
    namespace: Annotated[str | None, typer.Option(help="Namespace; the context's, else 'default'.")] = None,
    name: Annotated[str | None, typer.Option(help="Kubernetes name; from the graph id by default.")] = None,
    host: Annotated[str | None, typer.Option(help="Ingress host (the URL printed at the end).")] = None,
    graph_version: Annotated[int, typer.Option("--graph-version", min=1, help="Version label of this graph.")] = 1,
    image: Annotated[str | None, typer.Option(help="Runner image; DEPLOY_RUNNER_IMAGE by default.")] = None,
    strategy: Annotated[str, typer.Option(help="runner (code from ConfigMaps, no build) or kaniko (in-cluster "
                                               "build pushed to --registry).")] = "runner",
    registry: Annotated[str | None, typer.Option(help="kaniko: image repository prefix; DEPLOY_REGISTRY.")] = None,
    registry_secret: Annotated[str | None, typer.Option(help="kaniko: dockerconfigjson Secret to push with.")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the rollout until it completes.")] = True,
    timeout: Annotated[float | None, typer.Option(help="Rollout timeout in seconds.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the manifests (YAML) and apply nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print status events as JSON lines (no progress).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    tools: Annotated[Path | None, typer.Option(help="JSON file of the HTTP tools the graph calls: {\"http.<name>\": "
                                                    "{method, url, ...}} (as `lcnc export --tools`).",
                                               exists=True, dir_okay=False)] = None,
    graphs: Annotated[Path | None, typer.Option(help="Folder of graph JSON files that subgraph nodes and graph "
                                                     "tools (graph.<id>) refer to (as `lcnc export --graphs`).",
                                                exists=True, file_okay=False)] = None,
) -> None:
    """Deploy a graph file to a cluster: render the project, apply its manifests, follow the rollout.

    Secrets the graph refers to are read from `SECRET_<NAME>` environment variables, and the settings of its
    outside services from the variables the service reads: `SQL_URL_<NAME>` (required for each SQL connection)
    and `MCP_TOKEN_<NAME>` go into the Secret, `SQL_WRITABLE` and `MCP_SERVERS` (when set) into the ConfigMap.
    Exit code 0 when deployed, 1 when the deploy failed (the attempt is reverted), 2 for bad input (graph,
    kubeconfig, missing secret or SQL URL).

    Examples:

    * `lcnc deploy graph.json --kubeconfig ~/.kube/config --namespace apps`
    * `lcnc deploy graph.json --dry-run > manifests.yaml` (apply nothing)
    * `lcnc deploy triage.json --graphs graphs/ --kubeconfig ~/.kube/config` (the saved graphs its subgraph nodes
      and graph tools run, one file each)
    * `lcnc deploy graph.json --json | jq -c 'select(.type == "rollout_progress")'`
    """
    settings = Settings()
    progress = CliProgress.for_command(as_json=as_json, quiet=quiet)
    try:
        spec = load_graph(graph.read_bytes())
    except (DocumentError, ValidationError) as exc:
        _bad_input(f"{graph}: {exc}")
    try:
        saved = {} if graphs is None else load_graph_folder(graphs)
    except (DocumentError, ValidationError) as exc:
        _bad_input(f"{graphs}: a graph file there is not a graph: {exc}")
    issues = validate_graph(spec)
    if issues:
        _bad_input(f"{graph}: the graph cannot be deployed: {issues[0]}")
    kube: Kube | None = None
    app_name = dns_label(name or spec.id)
    if cluster and not dry_run:
        try:
            registered = registered_cluster(settings, cluster)
            kube, _summary = Kube.from_kubeconfig(registered.kubeconfig, context=registered.context)
        except DeployError as exc:
            _bad_input(exc.message)
        except ApiError as exc:  # the kubeconfig does not decrypt with this SECRETS_KEY
            _bad_input(exc.detail)
        namespace = namespace or registered.default_namespace
        host = host or (f"{app_name}.{registered.ingress_domain}" if registered.ingress_domain else None)
    elif not dry_run:
        path = kubeconfig or Path(os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
            kube, summary = Kube.from_kubeconfig(text, context=context, allow_local_auth=True)
        except OSError as exc:
            _bad_input(f"cannot read the kubeconfig {path}: {exc}")
        except DeployError as exc:
            _bad_input(exc.message)
        namespace = namespace or summary.namespace
    namespace = namespace or "default"
    try:
        options = ProjectOptions(name=app_name, host=host, subgraphs=saved,
                                 http_tools=parse_http_tools(tools.read_text(encoding="utf-8")) if tools else {})
        _secret_name, refs = secret_references(spec, options)
        values = {ref["name"]: os.environ[secret_env(ref["name"])] for ref in refs if secret_env(ref["name"]) in os.environ}
        missing = [secret_env(ref["name"]) for ref in refs if ref["name"] not in values]
        if missing:
            _bad_input(f"the graph refers to secrets; set {', '.join(missing)} in the environment")
        services = from_environment(service_refs(spec, options), os.environ)
        with progress.step(f"rendering '{spec.name}' for namespace {namespace}"):
            plan = build_plan(spec, graph_version=graph_version, namespace=namespace, options=options,
                              deployment_id=cli_deployment_id(namespace, options.name or spec.id),
                              runner_image=image or settings.deploy_runner_image, secret_values=values,
                              service_values=services, strategy=strategy,
                              registry=registry or settings.deploy_registry, registry_secret=registry_secret)
    except DeployError as exc:
        _bad_input(exc.message)
    except (ExportError, ValueError) as exc:
        _bad_input(str(exc))
    if dry_run or kube is None:
        sys.stdout.write(yaml.safe_dump_all(plan.manifests(), sort_keys=False))
        return
    printer = _Printer(as_json, progress)
    engine = Engine(kube, emit=printer, rollout_timeout=timeout or settings.deploy_rollout_timeout)
    try:
        with kube, progress.step(f"deploying {plan.app_name} to namespace {plan.namespace}") as step:
            printer.step = step
            engine.deploy(plan, wait=wait)
    except DeployError as exc:
        if not as_json:
            typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    if not as_json:
        state = "rolled out" if wait else "applied (rollout not followed)"
        typer.echo(f"deployed {plan.app_name} (graph {plan.graph_id} v{plan.graph_version}) to namespace "
                   f"{plan.namespace}: {state}\nurl: {plan.url}")


@dataclass
class RegisteredCluster:
    kubeconfig: str
    context: str
    default_namespace: str
    ingress_domain: str | None


def registered_cluster(settings: Settings, name: str) -> RegisteredCluster:
    """A cluster registered in the platform DB, by name (or id); its kubeconfig decrypted with SECRETS_KEY."""
    import asyncio

    from sqlalchemy import or_, select

    from builder.db.engine import make_engine, make_sessionmaker
    from builder.db.models import Cluster
    from builder.deploy.store import open_kubeconfig

    async def read() -> RegisteredCluster:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session:
                rows = list((await session.execute(
                    select(Cluster).where(or_(Cluster.name == name, Cluster.id == name)))).scalars())
        finally:
            await engine.dispose()
        if not rows:
            raise DeployError(f"no cluster named '{name}' is registered in the platform database")
        if len(rows) > 1:
            raise DeployError(f"{len(rows)} workspaces have a cluster named '{name}'; give its id instead")
        row = rows[0]
        return RegisteredCluster(open_kubeconfig(settings, row), row.context, row.default_namespace,
                                 row.ingress_domain)

    return asyncio.run(read())


def _bad_input(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
