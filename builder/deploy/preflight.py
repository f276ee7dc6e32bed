"""Test a cluster connection before anything is applied: server version, namespace, permissions.

Permissions are asked with SelfSubjectAccessReview, one per verb and resource a deployment uses. An API server
that does not evaluate them (an emulator, or one without the authorization API) makes those checks "skipped",
said so in the report; a refused permission is an error before any object is applied.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from builder.deploy.errors import DeployError, NamespaceMissing, PermissionDenied
from builder.deploy.kube import Kube, Ref

# (API group, resource, verbs) a deployment needs in its namespace.
NEEDED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "configmaps", ("get", "create", "patch", "delete", "list")),
    ("", "secrets", ("get", "create", "patch", "delete")),
    ("", "services", ("get", "create", "patch", "delete")),
    ("apps", "deployments", ("get", "create", "patch", "delete", "list")),
    ("autoscaling", "horizontalpodautoscalers", ("get", "create", "patch", "delete")),
    ("policy", "poddisruptionbudgets", ("get", "create", "patch", "delete")),
    ("networking.k8s.io", "ingresses", ("get", "create", "patch", "delete")),
    ("", "pods", ("list",)),
    ("", "events", ("list",)),
)


@dataclass
class Check:
    name: str
    status: Literal["ok", "failed", "skipped"]
    message: str


@dataclass
class ConnectionReport:
    ok: bool
    server: str
    namespace: str
    server_version: str | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def skipped(self) -> list[Check]:
        return [c for c in self.checks if c.status == "skipped"]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "server": self.server, "namespace": self.namespace,
                "server_version": self.server_version, "checks": [asdict(c) for c in self.checks]}


def check_connection(kube: Kube, namespace: str, *, raise_on_failure: bool = False) -> ConnectionReport:
    """Version, namespace and permission checks. Connection and credential errors are reported (or raised)."""
    report = ConnectionReport(ok=False, server=kube.server, namespace=namespace)
    try:
        version = kube.server_version()
    except DeployError as exc:
        report.checks.append(Check("server", "failed", exc.message))
        if raise_on_failure:
            raise
        return report
    report.server_version = str(version.get("gitVersion") or f"{version.get('major')}.{version.get('minor')}")
    report.checks.append(Check("server", "ok", f"Kubernetes {report.server_version} at {kube.server}"))
    try:
        report.checks.append(_namespace_check(kube, namespace))
        if report.checks[-1].status != "failed":
            report.checks.extend(_permission_checks(kube, namespace))
    except DeployError as exc:
        report.checks.append(Check("permissions", "failed", exc.message))
        if raise_on_failure:
            raise
        return report
    report.ok = not report.failed
    if raise_on_failure and not report.ok:
        first = report.failed[0]
        error = NamespaceMissing if first.name == "namespace" else PermissionDenied
        raise error("; ".join(c.message for c in report.failed) + "; nothing was applied",
                    details={"checks": [asdict(c) for c in report.failed]})
    return report


def _namespace_check(kube: Kube, namespace: str) -> Check:
    try:
        found = kube.get(Ref("v1", "Namespace", namespace))
    except PermissionDenied:
        return Check("namespace", "skipped",
                     f"cannot read namespace '{namespace}' (usual for namespace-scoped credentials); "
                     "the permission checks decide")
    if found is None:
        return Check("namespace", "failed", f"namespace '{namespace}' does not exist on {kube.server}")
    return Check("namespace", "ok", f"namespace '{namespace}' exists")


def _permission_checks(kube: Kube, namespace: str) -> list[Check]:
    checks: list[Check] = []
    for group, resource, verbs in NEEDED:
        for verb in verbs:
            allowed, reason = _access_review(kube, namespace, group, resource, verb)
            what = f"{verb} {resource}{'.' + group if group else ''}"
            if allowed is None:
                return [*checks, Check("permissions", "skipped",
                                       f"the API server did not evaluate SelfSubjectAccessReview ({reason}); "
                                       "permissions were not checked in advance, a refused action will be "
                                       "reported and reverted")]
            if allowed:
                checks.append(Check(f"can {what}", "ok", f"may {what} in '{namespace}'"))
            else:
                checks.append(Check(f"can {what}", "failed",
                                    f"the credentials may not {what} in namespace '{namespace}'"
                                    + (f" ({reason})" if reason else "")))
    return checks


def _access_review(kube: Kube, namespace: str, group: str, resource: str, verb: str) -> tuple[bool | None, str]:
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": namespace, "group": group, "resource": resource,
                                            "verb": verb}}}
    try:
        answer = kube.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=body,
                              what="SelfSubjectAccessReview")
    except DeployError as exc:
        if exc.details.get("status") in (404, 405, 409, 501):
            return None, f"HTTP {exc.details.get('status')}"
        raise
    status = answer.get("status")
    if not isinstance(status, dict) or "allowed" not in status:
        return None, "no status in the answer"
    reason = str(status.get("reason") or status.get("evaluationError") or "")
    return bool(status.get("allowed")) and not status.get("denied"), reason
