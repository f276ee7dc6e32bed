"""The second image strategy: build the generated project's own image in the cluster with Kaniko.

The project (its Dockerfile, pyproject and app/) goes into ConfigMaps mounted as Kaniko's build context; the
Job pushes ``<registry>/<name>:<code digest>`` with the credentials of a ``kubernetes.io/dockerconfigjson``
Secret; the Deployment then runs that image like any other. Slower than the runner image (a build per version)
and it needs a registry the cluster can pull from, which is why the runner image is the default.
"""

from __future__ import annotations

import re
from typing import Any

from builder.deploy.bundle import CodeBundle, build_bundle

KANIKO_IMAGE = "gcr.io/kaniko-project/executor:v1.23.2"
CONTEXT_FILES = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "graph.json", "lcnc-manifest.json")
CONTEXT_PATH = "/workspace"
_REGISTRY = re.compile(r"^[a-z0-9][a-z0-9._:/-]{0,200}[a-z0-9]$")


def build_context(files: dict[str, str]) -> dict[str, str]:
    """The files of the project that its Dockerfile copies."""
    return {p: t for p, t in sorted(files.items()) if p.startswith("app/") or p in CONTEXT_FILES}


def image_for(registry: str, app_name: str, digest: str) -> str:
    if not _REGISTRY.match(registry):
        raise ValueError(f"registry '{registry}' is not an image repository prefix (e.g. registry.example.org/lcnc)")
    return f"{registry.rstrip('/')}/{app_name}:{digest[:12]}"


def render_build(app_name: str, project_files: dict[str, str], *, registry: str,
                 registry_secret: str | None = None, kaniko_image: str = KANIKO_IMAGE
                 ) -> tuple[str, CodeBundle, dict[str, Any]]:
    """(image, context ConfigMaps, build Job) for the project; namespace, labels and owner come from the plan."""
    context = build_bundle(app_name, project_files, select=build_context, component="build")
    image = image_for(registry, app_name, context.digest)
    volumes: list[dict[str, Any]] = [{**context.volume, "name": "context"}]
    mounts: list[dict[str, Any]] = [{"name": "context", "mountPath": CONTEXT_PATH, "readOnly": True}]
    if registry_secret:
        volumes.append({"name": "registry", "secret": {
            "secretName": registry_secret, "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}})
        mounts.append({"name": "registry", "mountPath": "/kaniko/.docker", "readOnly": True})
    job = {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": f"{app_name}-build-{context.digest[:10]}", "labels": {"lcnc.dev/component": "build"}},
        "spec": {
            "backoffLimit": 1,
            "activeDeadlineSeconds": 1800,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": {"lcnc.dev/component": "build"}},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "containers": [{
                        "name": "kaniko",
                        "image": kaniko_image,
                        "args": [f"--context=dir://{CONTEXT_PATH}", f"--dockerfile={CONTEXT_PATH}/Dockerfile",
                                 f"--destination={image}", "--reproducible", "--snapshot-mode=redo",
                                 "--cache=false"],
                        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                      "limits": {"cpu": "2", "memory": "4Gi"}},
                        "volumeMounts": mounts,
                    }],
                    "volumes": volumes,
                },
            },
        },
    }
    return image, context, job


def job_state(job: dict[str, Any]) -> tuple[str, str]:
    """('running' | 'succeeded' | 'failed', message) of a Job."""
    status = job.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "SuccessCriteriaMet"):
            return "succeeded", cond.get("message") or "the image was built and pushed"
        if cond.get("status") == "True" and cond.get("type") in ("Failed", "FailureTarget"):
            return "failed", f"{cond.get('reason', 'Failed')}: {cond.get('message', '')}".rstrip(": ")
    if int(status.get("succeeded") or 0) >= 1:
        return "succeeded", "the image was built and pushed"
    return "running", f"{int(status.get('active') or 0)} build pod(s) active"
