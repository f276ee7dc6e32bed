"""Kubeconfig reading: contexts, the platform's policy (no commands, no files), expired credentials."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from builder.deploy import kubeconfig
from builder.deploy.errors import KubeconfigInvalid


def config(user: dict | None = None, cluster: dict | None = None, **top) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "main",
        "clusters": [{"name": "c", "cluster": cluster or {"server": "https://k8s.example.org:6443"}}],
        "users": [{"name": "u", "user": user or {"token": "abc"}}],
        "contexts": [{"name": "main", "context": {"cluster": "c", "user": "u", "namespace": "apps"}},
                     {"name": "other", "context": {"cluster": "c", "user": "u"}}],
        **top,
    })


def certificate(not_after: datetime) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ci")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(not_after - timedelta(days=30)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode()


def jwt(exp: datetime) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'sub': 'system:serviceaccount:apps:ci', 'exp': int(exp.timestamp())})}.sig"


def test_summary_names_the_context_and_never_a_credential() -> None:
    _doc, summary = kubeconfig.load(config())
    assert summary == kubeconfig.KubeconfigSummary(context="main", cluster="c", server="https://k8s.example.org:6443",
                                                   user="u", namespace="apps", auth="token")
    _doc, other = kubeconfig.load(config(), context="other")
    assert other.context == "other" and other.namespace is None


@pytest.mark.parametrize(("text", "message"), [
    ("{not yaml", "not valid YAML"),
    ("just a string", "no contexts"),
    (config().replace("current-context: main", "current-context: gone"), "does not define"),
    (config(cluster={"server": "k8s.example.org"}), "no http(s):// server address"),
])
def test_unusable_kubeconfigs_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(KubeconfigInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        kubeconfig.load(text)


@pytest.mark.parametrize(("user", "cluster", "message"), [
    ({"exec": {"command": "aws", "args": ["eks", "get-token"], "apiVersion": "client.authentication.k8s.io/v1"}},
     None, "'exec', which runs a command"),
    ({"auth-provider": {"name": "gcp"}}, None, "'auth-provider', which runs a command"),
    ({"tokenFile": "/var/run/secrets/token"}, None, "refers to a file"),
    ({"client-certificate": "/etc/passwd", "client-key": "/etc/shadow"}, None, "refers to a file"),
    (None, {"server": "https://k8s.example.org", "certificate-authority": "/etc/ssl/ca.pem"}, "refers to a file"),
])
def test_the_platform_refuses_commands_and_files(user, cluster, message: str) -> None:
    with pytest.raises(KubeconfigInvalid, match=message):
        kubeconfig.load(config(user=user, cluster=cluster))
    _doc, summary = kubeconfig.load(config(user=user, cluster=cluster), allow_local_auth=True)  # the CLI may
    assert summary.user == "u"


def test_an_expired_client_certificate_is_refused_before_connecting() -> None:
    expired = certificate(datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(KubeconfigInvalid, match="client certificate expired on"):
        kubeconfig.load(config(user={"client-certificate-data": expired, "client-key-data": "eA=="}))
    valid = certificate(datetime.now(UTC) + timedelta(days=1))
    _doc, summary = kubeconfig.load(config(user={"client-certificate-data": valid, "client-key-data": "eA=="}))
    assert summary.auth == "client-certificate"


def test_an_expired_token_is_refused_before_connecting() -> None:
    with pytest.raises(KubeconfigInvalid, match="the token expired on"):
        kubeconfig.load(config(user={"token": jwt(datetime.now(UTC) - timedelta(hours=1))}))
    kubeconfig.load(config(user={"token": jwt(datetime.now(UTC) + timedelta(hours=1))}))


def test_a_huge_kubeconfig_is_refused() -> None:
    with pytest.raises(KubeconfigInvalid, match="more than"):
        kubeconfig.load("x" * (kubeconfig.MAX_KUBECONFIG_BYTES + 1))
