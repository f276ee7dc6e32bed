"""Read a kubeconfig, pick its context, refuse what a shared server must not do, and spot expired credentials.

A kubeconfig uploaded to the platform is run by the platform's own process, so ``exec`` and ``auth-provider``
users (they run commands) and file references (``token-file``, ``client-certificate: /path``) are refused
there; ``lcnc deploy --kubeconfig`` on one's own machine allows them (``allow_local_auth=True``).
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml
from kubernetes import client as k8s_client
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import KubeConfigLoader

from builder.deploy.errors import KubeconfigInvalid

MAX_KUBECONFIG_BYTES = 256 * 1024
_FILE_KEYS = {
    "user": ("client-certificate", "client-key", "tokenFile", "token-file"),
    "cluster": ("certificate-authority",),
}
_COMMAND_KEYS = ("exec", "auth-provider")


@dataclass(frozen=True)
class KubeconfigSummary:
    """What the platform may show about a kubeconfig: never a credential."""

    context: str
    cluster: str
    server: str
    user: str
    namespace: str | None
    auth: str  # token | client-certificate | basic | exec | auth-provider | none


def parse_kubeconfig(text: str) -> dict[str, Any]:
    """The kubeconfig document as a dict (KubeconfigInvalid with the reason otherwise)."""
    if len(text.encode("utf-8")) > MAX_KUBECONFIG_BYTES:
        raise KubeconfigInvalid(f"the kubeconfig has more than {MAX_KUBECONFIG_BYTES} bytes")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KubeconfigInvalid(f"the kubeconfig is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("contexts"), list) or not doc.get("contexts"):
        raise KubeconfigInvalid("the kubeconfig has no contexts (expected a document with clusters, users, contexts)")
    for section in ("clusters", "users"):
        if not isinstance(doc.get(section), list):
            raise KubeconfigInvalid(f"the kubeconfig has no '{section}' list")
    return doc


def _named(doc: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    raise KubeconfigInvalid(f"the kubeconfig's context refers to {section[:-1]} '{name}', which it does not define")


def summarize(doc: dict[str, Any], context: str | None = None) -> KubeconfigSummary:
    """The chosen context (``context`` or current-context) and what it points to."""
    name = context or doc.get("current-context")
    if not name:
        contexts = doc.get("contexts") or []
        if len(contexts) != 1:
            raise KubeconfigInvalid("the kubeconfig has no current-context; name the context to use")
        name = contexts[0].get("name")
    ctx = _named(doc, "contexts", str(name)).get("context") or {}
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    if not cluster_name or not user_name:
        raise KubeconfigInvalid(f"context '{name}' must name a cluster and a user")
    cluster = _named(doc, "clusters", cluster_name).get("cluster") or {}
    server = cluster.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")):
        raise KubeconfigInvalid(f"cluster '{cluster_name}' has no http(s):// server address")
    user = _named(doc, "users", user_name).get("user") or {}
    return KubeconfigSummary(context=str(name), cluster=str(cluster_name), server=server.rstrip("/"),
                             user=str(user_name), namespace=ctx.get("namespace"), auth=_auth_kind(user))


def _auth_kind(user: dict[str, Any]) -> str:
    for key, kind in (("exec", "exec"), ("auth-provider", "auth-provider"), ("token", "token"),
                      ("tokenFile", "token"), ("client-certificate-data", "client-certificate"),
                      ("client-certificate", "client-certificate"), ("username", "basic")):
        if user.get(key):
            return kind
    return "none"


def check_policy(doc: dict[str, Any], summary: KubeconfigSummary, *, allow_local_auth: bool) -> None:
    """Refuse credentials that run commands or read files of the platform host (unless local)."""
    if allow_local_auth:
        return
    user = _named(doc, "users", summary.user).get("user") or {}
    cluster = _named(doc, "clusters", summary.cluster).get("cluster") or {}
    for key in _COMMAND_KEYS:
        if user.get(key):
            raise KubeconfigInvalid(
                f"user '{summary.user}' authenticates with '{key}', which runs a command on the platform server; "
                "register a kubeconfig with a token or a client certificate (e.g. a ServiceAccount token)")
    for where, entry, keys in (("user", user, _FILE_KEYS["user"]), ("cluster", cluster, _FILE_KEYS["cluster"])):
        for key in keys:
            if entry.get(key):
                raise KubeconfigInvalid(
                    f"{where} '{summary.user if where == 'user' else summary.cluster}' refers to a file ('{key}'); "
                    f"inline it as '{key.replace('-file', '')}-data' (kubectl config view --flatten --minify)")


def check_expiry(doc: dict[str, Any], summary: KubeconfigSummary, *, now: datetime | None = None) -> None:
    """KubeconfigInvalid when the client certificate or a JWT token has visibly expired."""
    now = now or datetime.now(UTC)
    user = _named(doc, "users", summary.user).get("user") or {}
    cert_data = user.get("client-certificate-data")
    if cert_data:
        from cryptography import x509

        try:
            cert = x509.load_pem_x509_certificate(base64.b64decode(cert_data))
        except (ValueError, binascii.Error) as exc:
            raise KubeconfigInvalid(f"user '{summary.user}': client-certificate-data is not a PEM certificate") from exc
        if cert.not_valid_after_utc < now:
            raise KubeconfigInvalid(
                f"user '{summary.user}': the client certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    token = user.get("token")
    if isinstance(token, str) and token.count(".") == 2:
        expires = _jwt_expiry(token)
        if expires is not None and expires < now:
            raise KubeconfigInvalid(f"user '{summary.user}': the token expired on {expires:%Y-%m-%d %H:%M} UTC")


def _jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` of a JWT, read without verifying it (only to explain a coming 401 early)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp") if isinstance(claims, dict) else None
        return datetime.fromtimestamp(float(exp), UTC) if isinstance(exp, int | float) else None
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


def client_configuration(doc: dict[str, Any], summary: KubeconfigSummary) -> k8s_client.Configuration:
    """A kubernetes client Configuration for the chosen context (certificates go to private temp files)."""
    configuration = k8s_client.Configuration()
    try:
        loader = KubeConfigLoader(config_dict=doc, active_context=summary.context,
                                  temp_file_path=tempfile.gettempdir())
        loader.load_and_set(configuration)
    except (ConfigException, ValueError, TypeError, KeyError) as exc:
        raise KubeconfigInvalid(f"the kubeconfig cannot be used: {exc}") from exc
    configuration.retries = 1  # fail fast: an unreachable server is reported, not retried for minutes
    return configuration


def load(text: str, *, context: str | None = None, allow_local_auth: bool = False
         ) -> tuple[dict[str, Any], KubeconfigSummary]:
    """Parse, choose the context, apply the policy and the expiry checks."""
    doc = parse_kubeconfig(text)
    summary = summarize(doc, context)
    check_policy(doc, summary, allow_local_auth=allow_local_auth)
    check_expiry(doc, summary)
    return doc, summary
