"""A small, generic REST layer over the official ``kubernetes`` client (its ApiClient: auth, TLS, transport).

Every object is handled as a plain dict by (apiVersion, kind, namespace, name), so the engine treats a
Deployment and a ConfigMap alike; failures become the typed errors of ``builder.deploy.errors``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client as k8s_client
from kubernetes.client.exceptions import ApiException

from builder.deploy import kubeconfig
from builder.deploy.errors import (
    ApplyRejected,
    ClusterUnreachable,
    CredentialsRejected,
    DeployError,
    NamespaceMissing,
    ObjectConflict,
    PermissionDenied,
    QuotaExceeded,
)

# kind -> (plural, namespaced); the kinds a deployment creates or reads.
KINDS: dict[str, tuple[str, bool]] = {
    "ConfigMap": ("configmaps", True),
    "Secret": ("secrets", True),
    "Service": ("services", True),
    "Deployment": ("deployments", True),
    "HorizontalPodAutoscaler": ("horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("poddisruptionbudgets", True),
    "Ingress": ("ingresses", True),
    "Job": ("jobs", True),
    "Pod": ("pods", True),
    "Event": ("events", True),
    "ReplicaSet": ("replicasets", True),
    "Namespace": ("namespaces", False),
    "SelfSubjectAccessReview": ("selfsubjectaccessreviews", False),
}
MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class Ref:
    """Where an object lives."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def of(cls, obj: dict[str, Any], namespace: str | None = None) -> Ref:
        meta = obj.get("metadata") or {}
        return cls(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace") or namespace)

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


def collection_path(api_version: str, kind: str, namespace: str | None) -> str:
    if kind not in KINDS:
        raise DeployError(f"lcnc does not manage objects of kind {kind}")
    plural, namespaced = KINDS[kind]
    root = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    if namespaced and namespace:
        return f"{root}/namespaces/{namespace}/{plural}"
    return f"{root}/{plural}"


class Kube:
    """One cluster connection; every call returns parsed JSON or raises a DeployError subclass."""

    def __init__(self, configuration: k8s_client.Configuration, *, timeout: float = 20.0) -> None:
        self.api = k8s_client.ApiClient(configuration)
        self.server = configuration.host
        self.timeout = timeout

    @classmethod
    def from_kubeconfig(cls, text: str, *, context: str | None = None, allow_local_auth: bool = False,
                        timeout: float = 20.0) -> tuple[Kube, kubeconfig.KubeconfigSummary]:
        doc, summary = kubeconfig.load(text, context=context, allow_local_auth=allow_local_auth)
        return cls(kubeconfig.client_configuration(doc, summary), timeout=timeout), summary

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> Kube:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None,
                content_type: str = "application/json", what: str = "") -> dict[str, Any]:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        serialized = self.api.param_serialize(method, path, query_params=list((query or {}).items()) or None,
                                              header_params=headers, body=body, auth_settings=["BearerToken"])
        try:
            response = self.api.call_api(*serialized, _request_timeout=(min(5.0, self.timeout), self.timeout))
            response.read()
        except ApiException as exc:  # raised by the REST layer for non-2xx answers
            raise self.error(exc.status or 0, exc.body, what=what or path) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterUnreachable(f"cannot reach the Kubernetes API server at {self.server}: {_short(exc)}",
                                     details={"server": self.server}) from exc
        if not 200 <= response.status < 300:
            raise self.error(response.status, response.data.decode("utf-8", "replace"), what=what or path)
        if not response.data:
            return {}
        try:
            parsed = json.loads(response.data)
        except ValueError as exc:
            raise ClusterUnreachable(f"{self.server} did not answer like a Kubernetes API server") from exc
        return parsed if isinstance(parsed, dict) else {"value": parsed}

    def error(self, status: int, body: str | None, *, what: str) -> DeployError:
        """The typed error of a non-2xx answer, with the API server's own message."""
        payload: dict[str, Any] = {}
        try:
            payload = json.loads(body or "{}")
        except ValueError:
            payload = {}
        message = str(payload.get("message") or (body or "")[:300] or f"HTTP {status}")
        reason = str(payload.get("reason") or "")
        details = {"status": status, "reason": reason, "object": what}
        if status == 401:
            return CredentialsRejected(
                f"the API server {self.server} rejected the credentials (expired or wrong token or certificate): "
                f"{message}", details=details)
        if status == 403 and "exceeded quota" in message.lower():
            return QuotaExceeded(f"{what}: the namespace's ResourceQuota refuses it: {message}", details=details)
        if status == 403:
            return PermissionDenied(f"{what}: forbidden: {message}", details=details)
        if status == 409:
            return ObjectConflict(f"{what}: conflict: {message}", details=details)
        if status == 404 and "namespaces" in str((payload.get("details") or {}).get("kind", "")):
            return NamespaceMissing(f"{what}: namespace not found: {message}", details=details)
        if status in (400, 422):
            return ApplyRejected(f"{what}: the API server refused it as invalid: {message}", details=details)
        if status >= 500:
            return ClusterUnreachable(f"{what}: the API server failed ({status}): {message}", details=details)
        return ApplyRejected(f"{what}: HTTP {status} {reason}: {message}", details=details)

    # --- objects ---------------------------------------------------------------------------------------------

    def get(self, ref: Ref) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        path = f"{collection_path(ref.api_version, ref.kind, ref.namespace)}/{ref.name}"
        try:
            return self.request("GET", path, what=str(ref))
        except DeployError as exc:
            if exc.details.get("status") == 404:
                return None
            raise

    def create(self, obj: dict[str, Any], namespace: str | None) -> dict[str, Any]:
        ref = Ref.of(obj, namespace)
        return self.request("POST", collection_path(ref.api_version, ref.kind, ref.namespace), body=obj,
                            query={"fieldManager": "lcnc"}, what=str(ref))

    def patch(self, ref: Ref, patch: dict[str, Any]) -> dict[str, Any]:
        path = f"{collection_path(ref.api_version, ref.kind, ref.namespace)}/{ref.name}"
        return self.request("PATCH", path, body=patch, content_type=MERGE_PATCH, query={"fieldManager": "lcnc"},
                            what=str(ref))

    def delete(self, ref: Ref) -> bool:
        """Delete (dependents in the background); False when it was already gone."""
        path = f"{collection_path(ref.api_version, ref.kind, ref.namespace)}/{ref.name}"
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        try:
            self.request("DELETE", path, body=body, what=str(ref))
        except DeployError as exc:
            if exc.details.get("status") == 404:
                return False
            raise
        return True

    def list(self, api_version: str, kind: str, namespace: str | None, *,
             labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Objects of a kind, filtered by labels (here as well as on the server); [] for an unknown resource."""
        query = {"labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())} if labels else None
        try:
            answer = self.request("GET", collection_path(api_version, kind, namespace), query=query, what=kind)
        except DeployError as exc:
            if exc.details.get("status") == 404:
                return []
            raise
        items = [item for item in answer.get("items") or [] if isinstance(item, dict)]
        if labels:
            items = [i for i in items if all(((i.get("metadata") or {}).get("labels") or {}).get(k) == v
                                             for k, v in labels.items())]
        return items

    def server_version(self) -> dict[str, Any]:
        return self.request("GET", "/version", what="server version")


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    return text[:300]
