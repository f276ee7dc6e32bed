"""What can go wrong while deploying, each with a message meant for the person who pressed Deploy."""

from __future__ import annotations

from typing import Any


class DeployError(Exception):
    """A deploy step failed; ``code`` is stable (for the editor), ``message`` is for people."""

    code = "deploy_failed"
    http_status = 422

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class KubeconfigInvalid(DeployError):
    """The kubeconfig cannot be read, names no usable context, or uses an auth method we refuse."""

    code = "kubeconfig_invalid"


class CredentialsRejected(DeployError):
    """The API server answered 401: an expired or wrong token or certificate."""

    code = "credentials_rejected"
    http_status = 422


class ClusterUnreachable(DeployError):
    """No answer from the API server (DNS, TCP, TLS or timeout)."""

    code = "cluster_unreachable"
    http_status = 502


class PermissionDenied(DeployError):
    """RBAC (or an admission webhook) refuses an action we need."""

    code = "forbidden"
    http_status = 403


class QuotaExceeded(DeployError):
    code = "quota_exceeded"
    http_status = 403


class ObjectConflict(DeployError):
    """An object of the same name exists and is not ours, or changed under us."""

    code = "conflict"
    http_status = 409


class NamespaceMissing(DeployError):
    code = "namespace_missing"


class ApplyRejected(DeployError):
    """The API server refused a manifest as invalid (422) or for another reason."""

    code = "apply_rejected"


class RolloutFailed(DeployError):
    code = "rollout_failed"


class RolloutTimeout(RolloutFailed):
    code = "rollout_timeout"


class BuildFailed(DeployError):
    """The in-cluster image build (Kaniko Job) failed or timed out."""

    code = "build_failed"
