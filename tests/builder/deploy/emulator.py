"""A kmock Kubernetes emulator on loopback (real HTTP) in its own thread, for the synchronous kubernetes client.

kmock's KubernetesEmulator keeps objects in memory and serves create/get/list/merge-patch/delete. This subclass
adds the few API-server behaviours the deploy code relies on and kmock leaves out: uid, resourceVersion,
generation and creationTimestamp on write; a rejected request (forbidden, quota, invalid) is not persisted, as
with a real API server's admission; optional bearer-token authentication; optional SelfSubjectAccessReview
answers from a tiny deny list (None keeps kmock's own behaviour: the review is not evaluated).
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp.web
import attrs
import kmock
from kmock import KubernetesEmulator, KubernetesError

RESOURCES = {
    "ConfigMap": "v1/configmaps", "Secret": "v1/secrets", "Service": "v1/services", "Pod": "v1/pods",
    "Event": "v1/events", "Namespace": "v1/namespaces", "Deployment": "apps/v1/deployments",
    "HorizontalPodAutoscaler": "autoscaling/v2/horizontalpodautoscalers",
    "PodDisruptionBudget": "policy/v1/poddisruptionbudgets", "Ingress": "networking.k8s.io/v1/ingresses",
    "Job": "batch/v1/jobs",
}
SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp")


@attrs.define(kw_only=True)
class ApiServer(KubernetesEmulator):
    token: str | None = None
    denied: set[tuple[str, str]] | None = None  # (verb, resource) refused by "RBAC"; None: reviews not evaluated
    rejections: list[tuple[Callable[[Any], bool], KubernetesError]] = attrs.field(factory=list)
    namespaces: set[str] = attrs.field(factory=lambda: {"default"})
    _version: int = 0

    async def _handle(self, request: Any) -> aiohttp.web.StreamResponse:
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            return await self._render_error(KubernetesError(status=401, reason="Unauthorized", message="Unauthorized"))
        resource = request.resource
        namespace_path = f"/api/v1/namespaces/{request.namespace}"
        if request.method == "GET" and request.namespace and request.url.path.rstrip("/") == namespace_path:
            # kmock reads /api/v1/namespaces/NAME as "namespace NAME" rather than "the Namespace object NAME".
            if request.namespace not in self.namespaces:
                return await self._render_error(KubernetesError(
                    status=404, reason="NotFound", message=f'namespaces "{request.namespace}" not found',
                    details={"name": request.namespace, "kind": "namespaces"}))
            return aiohttp.web.json_response({"apiVersion": "v1", "kind": "Namespace",
                                              "metadata": {"name": request.namespace}, "status": {"phase": "Active"}})
        if resource is not None and resource.plural == "selfsubjectaccessreviews" and self.denied is not None:
            attrs_ = ((request.data or {}).get("spec") or {}).get("resourceAttributes") or {}
            allowed = (attrs_.get("verb"), attrs_.get("resource")) not in self.denied
            body = {**request.data, "status": {"allowed": allowed, "reason": "" if allowed else "RBAC: denied"}}
            return aiohttp.web.json_response(body, status=201)
        for matches, error in list(self.rejections):
            if matches(request):
                return await self._render_error(error)
        if resource is not None and isinstance(request.data, dict) and request.method in ("POST", "PATCH"):
            self._stamp(request)
        return await super()._handle(request)

    def _stamp(self, request: Any) -> None:
        self._version += 1
        meta = request.data.setdefault("metadata", {})
        meta["resourceVersion"] = str(self._version)
        if request.action == kmock.action.CREATE:
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            meta["generation"] = 1
        elif request.action == kmock.action.UPDATE and "spec" in request.data:
            key = (request.resource, request.namespace, request.name)
            current = self.objects[key].raw if key in self.objects and not self.objects[key].deleted else {}
            meta["generation"] = int((current.get("metadata") or {}).get("generation") or 1) + 1


class EmulatorGone(RuntimeError):
    pass


class Emulator:
    """Runs an ApiServer on 127.0.0.1 in a background event loop; ``call`` runs code in that loop."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="kmock", daemon=True)
        self.server: ApiServer
        self.url = ""

    def start(self) -> Emulator:
        self._thread.start()
        self.server, self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> tuple[ApiServer, str]:
        server = ApiServer(**self.options)
        await server.__aenter__()
        self._http = kmock.Server(server)
        await self._http.__aenter__()
        return server, str(self._http.url).rstrip("/")

    def stop(self) -> None:
        async def _stop() -> None:
            await self._http.__aexit__(None, None, None)
            await self.server.__aexit__(None, None, None)

        asyncio.run_coroutine_threadsafe(_stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the server's loop; EmulatorGone once the emulator was stopped."""
        if not self.loop.is_running():
            raise EmulatorGone("the emulator is stopped")

        async def _run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(_run(), self.loop).result(10)

    # --- state -----------------------------------------------------------------------------------------------

    def objects(self, namespace: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
        """{(kind, name): object} of every live object (in ``namespace`` when given)."""
        kinds = {v: k for k, v in RESOURCES.items()}

        def read() -> dict[tuple[str, str], dict[str, Any]]:
            found = {}
            for (resource, ns, name), obj in self.server.objects.items():
                if obj.deleted or (namespace is not None and ns != namespace) or resource.plural.endswith("reviews"):
                    continue
                key = f"{resource.group + '/' if resource.group else ''}{resource.version}/{resource.plural}"
                found[(kinds.get(key, key), name)] = obj.raw
            return found

        return self.call(read)

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every object write the server received (access reviews excluded)."""
        def read() -> list[tuple[str, str]]:
            return [(str(r.method.value), r.url.path) for r in self.server._requests
                    if r.method.value in ("POST", "PATCH", "PUT", "DELETE")
                    and "selfsubjectaccessreviews" not in r.url.path]

        return self.call(read)

    def put(self, kind: str, namespace: str | None, obj: dict[str, Any]) -> None:
        """Store an object as a controller or another user would have created it."""
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        self.call(lambda: self.server.objects.__setitem__((RESOURCES[kind], namespace, meta["name"]), obj))

    def patch(self, kind: str, namespace: str, name: str, changes: dict[str, Any]) -> None:
        """Change an object as a controller would (e.g. a Deployment's status)."""
        self.call(lambda: self.server.objects[RESOURCES[kind], namespace, name].patch(changes))

    def reject(self, matches: Callable[[Any], bool], error: KubernetesError) -> None:
        self.call(lambda: self.server.rejections.append((matches, error)))

    def kubeconfig(self, *, token: str = "test-token", namespace: str | None = None) -> str:
        context = {"cluster": "emulator", "user": "tester", **({"namespace": namespace} if namespace else {})}
        import yaml

        return yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "emulator",
            "clusters": [{"name": "emulator", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": token}}],
            "contexts": [{"name": "emulator", "context": context}],
        })


def rejects(method: str, kind: str, *, name: str | None = None) -> Callable[[Any], bool]:
    """A request matcher: this HTTP method on this kind (and name, for patches and deletes)."""
    plural = RESOURCES[kind].rsplit("/", 1)[-1]

    def matches(request: Any) -> bool:
        if request.method != method or request.resource is None or request.resource.plural != plural:
            return False
        target = request.name or ((request.data or {}).get("metadata") or {}).get("name")
        return name is None or target == name

    return matches
