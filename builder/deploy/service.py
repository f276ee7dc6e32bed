"""Deploy operations of the API: checks that answer at once, the apply and rollout in a background thread.

Everything that can be known before touching the cluster is checked while the request waits (graph valid,
secrets set, kubeconfig usable, API server reachable, namespace and permissions); the answer is then 202 and
the work goes on in a thread whose status events are stored (``deployment_events``) and streamed over SSE.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.concurrency import run_in_threadpool

from builder.context import RequestContext
from builder.crud import graphs as graph_store
from builder.db.models import Cluster, Deployment
from builder.deploy import service_values, store
from builder.deploy.engine import Engine
from builder.deploy.errors import DeployError
from builder.deploy.kube import Kube
from builder.deploy.plan import Plan, build_plan, secret_references
from builder.deploy.preflight import ConnectionReport, check_connection
from builder.errors import ApiError, Conflict, InvalidGraph
from builder.graph_checks import check_runnable
from builder.project_options import project_options
from builder.secrets import SecretNotFound, resolve_secret
from builder.settings import Settings
from codegen import ExportError
from codegen.naming import dns_label
from runtime.spec import GraphSpec

log = logging.getLogger("lcnc.deploy")
Work = Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]]


def api_error(exc: DeployError) -> ApiError:
    return ApiError(exc.http_status, exc.message, [exc.as_dict()])


def connect(settings: Settings, cluster: Cluster) -> Kube:
    """A client for a registered cluster (the kubeconfig policy of the platform: no exec, no files)."""
    kube, _summary = Kube.from_kubeconfig(store.open_kubeconfig(settings, cluster), context=cluster.context)
    return kube


@dataclass
class Target:
    cluster: Cluster
    namespace: str
    name: str
    host: str | None
    strategy: str = "runner"
    registry_secret: str | None = None


class DeployService:
    """One per app (``app.state.deploy_service``): launches and tracks the background operations."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                 poll: float = 1.0) -> None:
        self.sessionmaker, self.settings, self.poll = sessionmaker, settings, poll
        self.stop = threading.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        # An operation whose process died never finishes: after this long its deployment may be operated again.
        self.stale_after_s = 2 * settings.deploy_rollout_timeout + 600

    # --- checks while the request waits ----------------------------------------------------------------------

    async def test_connection(self, cluster: Cluster, namespace: str | None = None) -> ConnectionReport:
        def run() -> ConnectionReport:
            with connect(self.settings, cluster) as kube:
                return check_connection(kube, namespace or cluster.default_namespace)

        try:
            return await run_in_threadpool(run)
        except DeployError as exc:
            raise api_error(exc) from exc

    async def _preflight(self, cluster: Cluster, namespace: str) -> ConnectionReport:
        def run() -> ConnectionReport:
            with connect(self.settings, cluster) as kube:
                return check_connection(kube, namespace, raise_on_failure=True)

        try:
            return await run_in_threadpool(run)
        except DeployError as exc:
            raise api_error(exc) from exc

    async def _plan(self, session: AsyncSession, ctx: RequestContext, deployment_id: str, target: Target,
                    graph_id: str, version: int | None) -> Plan:
        if version is None:
            version = (await graph_store.get_graph(session, workspace_id=ctx.workspace_id, graph_id=graph_id)).version
        saved = await graph_store.get_version(session, workspace_id=ctx.workspace_id, graph_id=graph_id,
                                              version=version)
        spec = GraphSpec.model_validate(saved.spec)
        check_runnable(spec)
        # Subgraphs and workspace tools as the export has them (422 naming the node of an unknown tool).
        options = await project_options(session, self.settings, ctx.workspace_id, spec, name=target.name,
                                        host=target.host)
        try:
            _secret_name, refs = await run_in_threadpool(secret_references, spec, options)
            values = {}
            for ref in refs:
                values[ref["name"]] = await resolve_secret(session, ctx.workspace_id, ref["name"],
                                                           settings=self.settings)
            service_refs = await run_in_threadpool(service_values.service_refs, spec, options)
            services = await service_values.from_workspace(session, self.settings, ctx.workspace_id, service_refs)
            return await run_in_threadpool(
                lambda: build_plan(spec, graph_version=version, deployment_id=deployment_id,
                                   namespace=target.namespace, runner_image=self.settings.deploy_runner_image,
                                   options=options, secret_values=values, service_values=services,
                                   strategy=target.strategy, registry=self.settings.deploy_registry,
                                   registry_secret=target.registry_secret))
        except DeployError as exc:  # a SQL connection or MCP server the nodes use is missing
            raise api_error(exc) from exc
        except SecretNotFound as exc:
            raise ApiError(422, f"the graph refers to secret '{exc.name}', which is not set in this workspace; "
                                "add it under Secrets before deploying",
                           [{"loc": ["secrets", exc.name], "msg": "not set"}]) from exc
        except ExportError as exc:
            if exc.issues:
                raise InvalidGraph(exc.issues, detail=str(exc)) from exc
            raise ApiError(422, str(exc), [{"loc": ["graph"], "msg": str(exc)}]) from exc
        except ValueError as exc:  # an unusable strategy / registry, a file too large for a ConfigMap
            raise ApiError(422, str(exc), [{"loc": ["body", "strategy"], "msg": str(exc)}]) from exc

    async def target(self, session: AsyncSession, ctx: RequestContext, *, cluster_ref: str, graph_id: str,
                     namespace: str | None, name: str | None, host: str | None, strategy: str = "runner",
                     registry_secret: str | None = None) -> Target:
        cluster = await store.find_cluster(session, ctx.workspace_id, cluster_ref)
        app_name = dns_label(name or graph_id)
        if host is None and cluster.ingress_domain:
            host = f"{app_name}.{cluster.ingress_domain}"
        return Target(cluster=cluster, namespace=namespace or cluster.default_namespace, name=app_name, host=host,
                      strategy=strategy, registry_secret=registry_secret)

    async def target_of(self, session: AsyncSession, ctx: RequestContext, deployment: Deployment) -> Target:
        """The target of an existing deployment (for a redeploy or a rollback)."""
        cluster = await store.get_cluster(session, ctx.workspace_id, deployment.cluster_id)
        host = None
        if deployment.url and deployment.url != deployment.internal_url:
            host = deployment.url.split("://", 1)[-1].rstrip("/")
        return Target(cluster=cluster, namespace=deployment.namespace, name=deployment.name, host=host,
                      strategy=deployment.strategy, registry_secret=deployment.registry_secret)

    # --- operations -------------------------------------------------------------------------------------------

    async def deploy(self, session: AsyncSession, ctx: RequestContext, *, target: Target, graph_id: str,
                     version: int | None, action: str = "deploy") -> Deployment:
        """Check everything, then start applying graph ``version`` (latest when None) to the target."""
        deployment = await store.find_target(session, target.cluster.id, target.namespace, target.name)
        if deployment is not None and deployment.graph_id != graph_id:
            raise Conflict(f"'{target.name}' in namespace '{target.namespace}' is deployment {deployment.id} of "
                           f"graph '{deployment.graph_id}'; choose another name")
        if deployment is not None and store.is_busy(deployment, self.stale_after_s):
            raise Conflict(f"deployment '{deployment.id}' is busy ({deployment.status}); wait for it to finish")
        if deployment is None:
            deployment = Deployment(workspace_id=ctx.workspace_id, cluster_id=target.cluster.id, graph_id=graph_id,
                                    name=target.name, namespace=target.namespace, status="pending", revision=0,
                                    created_by=ctx.user_id)
            session.add(deployment)
            await session.flush()
        deployment.strategy, deployment.registry_secret = target.strategy, target.registry_secret
        plan = await self._plan(session, ctx, deployment.id, target, graph_id, version)
        report = await self._preflight(target.cluster, target.namespace)
        revision = await store.begin_operation(session, deployment, action=action, graph_version=plan.graph_version,
                                               user_id=ctx.user_id, stale_after_s=self.stale_after_s)
        cluster = target.cluster

        def work(emit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
            with connect(self.settings, cluster) as kube:
                engine = Engine(kube, emit=emit, rollout_timeout=self.settings.deploy_rollout_timeout,
                                poll=self.poll, stop=self.stop)
                result = engine.deploy(plan, preflight=report)
            return {"objects": [f"{o['kind']}/{o['metadata']['name']}" for o in result.sent],
                    "fields": {"status": "ready", "graph_version": plan.graph_version, "url": plan.url,
                               "internal_url": plan.internal_url}}

        self._launch(deployment.id, revision.revision, work, failed_fields={"status": "failed"})
        return deployment

    async def rollback(self, session: AsyncSession, ctx: RequestContext, deployment: Deployment,
                       to_version: int | None) -> Deployment:
        version = to_version or await store.previous_good_version(session, deployment)
        if version is None:
            raise Conflict(f"deployment '{deployment.id}' has no earlier successfully deployed version to roll back to")
        return await self.deploy(session, ctx, target=await self.target_of(session, ctx, deployment),
                                 graph_id=deployment.graph_id, version=version, action="rollback")

    async def undeploy(self, session: AsyncSession, ctx: RequestContext, deployment: Deployment) -> Deployment:
        cluster = await store.get_cluster(session, ctx.workspace_id, deployment.cluster_id)
        try:
            def reachable() -> None:
                with connect(self.settings, cluster) as kube:
                    kube.server_version()

            await run_in_threadpool(reachable)
        except DeployError as exc:
            raise api_error(exc) from exc
        revision = await store.begin_operation(session, deployment, action="undeploy", graph_version=None,
                                               user_id=ctx.user_id, stale_after_s=self.stale_after_s)
        namespace, deployment_id = deployment.namespace, deployment.id

        def work(emit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
            with connect(self.settings, cluster) as kube:
                deleted = Engine(kube, emit=emit).undeploy(namespace, deployment_id)
            return {"objects": deleted, "fields": {"status": "removed", "graph_version": None, "url": None,
                                                   "internal_url": None}}

        self._launch(deployment.id, revision.revision, work, failed_fields={"status": "failed"})
        return deployment

    # --- background -------------------------------------------------------------------------------------------

    def _launch(self, deployment_id: str, revision: int, work: Work, *, failed_fields: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(deployment_id, revision, work, failed_fields))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, deployment_id: str, revision: int, work: Work, failed_fields: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        done: asyncio.Future[dict[str, Any]] = loop.create_future()

        def settle(setter: Callable[[Any], None], value: Any) -> None:
            if not done.done():
                setter(value)

        def target() -> None:
            try:
                result = work(lambda event: loop.call_soon_threadsafe(queue.put_nowait, event))
                loop.call_soon_threadsafe(settle, done.set_result, result)
            except BaseException as exc:  # noqa: BLE001 - every failure is reported on the deployment
                loop.call_soon_threadsafe(settle, done.set_exception, exc)

        threading.Thread(target=target, name=f"deploy-{deployment_id[:8]}", daemon=True).start()
        async with self.sessionmaker() as session:
            while not (done.done() and queue.empty()):
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, done}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    await store.add_event(session, deployment_id, revision, getter.result())
                else:
                    getter.cancel()
            try:
                result = done.result()
            except DeployError as exc:
                await store.finish_operation(session, deployment_id, revision, ok=False, error=exc.message,
                                             objects=exc.details.get("applied"), fields=failed_fields)
                return
            except Exception as exc:
                log.exception("deploy %s revision %s failed", deployment_id, revision)
                message = f"internal error: {type(exc).__name__}: {exc}"
                await store.add_event(session, deployment_id, revision, {"type": "deploy_failed", "error": message,
                                                                         "code": "internal"})
                await store.finish_operation(session, deployment_id, revision, ok=False, error=message,
                                             fields=failed_fields)
                return
            await store.finish_operation(session, deployment_id, revision, ok=True, objects=result["objects"],
                                         fields=result["fields"])

    async def wait(self, deployment_id: str, seconds: float) -> None:
        """Wait (at most ``seconds``) until the deployment is no longer busy."""
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            async with self.sessionmaker() as session:
                row = await session.get(Deployment, deployment_id)
                if row is None or row.status not in store.BUSY:
                    return
            await asyncio.sleep(0.1)
