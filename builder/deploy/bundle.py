"""The generated app code as ConfigMaps, mounted into the generic runner image (no image build per deploy).

ConfigMap keys cannot hold ``/``, so each file gets a flat key and the volume's ``items`` put it back at its
path. The ConfigMap names carry a digest of the code: a new version is a new ConfigMap, the Deployment's pod
template changes with it, and Kubernetes rolls the pods; the old ConfigMap stays until the rollout is done.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# What the runner needs of the generated project: the package, the graph and the manifest of file hashes.
RUNTIME_PREFIXES = ("app/",)
RUNTIME_FILES = ("graph.json", "lcnc-manifest.json", "pyproject.toml")
MOUNT_PATH = "/srv/app"
VOLUME_NAME = "app-code"
# A ConfigMap holds at most 1 MiB (etcd); stay well below with the object's own overhead.
CHUNK_BYTES = 900 * 1024
_KEY_SAFE = re.compile(r"[^-._a-zA-Z0-9]")


@dataclass
class CodeBundle:
    digest: str
    configmaps: list[dict[str, Any]] = field(default_factory=list)
    volume: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def runtime_files(files: dict[str, str]) -> dict[str, str]:
    """The files of a rendered project that the runner loads."""
    return {path: text for path, text in sorted(files.items())
            if path.startswith(RUNTIME_PREFIXES) or path in RUNTIME_FILES}


def code_digest(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path, text in sorted(files.items()):
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def file_key(index: int, path: str) -> str:
    """A ConfigMap key for a file: unique by index, readable by its path."""
    return f"f{index:03d}-{_KEY_SAFE.sub('_', path.replace('/', '.'))}"[:253]


def build_bundle(app_name: str, project_files: dict[str, str], *,
                 select: Callable[[dict[str, str]], dict[str, str]] = runtime_files,
                 component: str = "code") -> CodeBundle:
    """ConfigMaps holding the selected files (without namespace, labels, owner) and the projected volume that
    mounts them at their paths; ``component`` names them ``<app>-<component>-<digest>``."""
    files = select(project_files)
    if not files or not any(path.startswith("app/") for path in files):
        raise ValueError("the rendered project has no app/ package to deploy")
    digest = code_digest(files)
    chunks: list[list[tuple[str, str, str]]] = [[]]
    size = 0
    for index, (path, text) in enumerate(files.items()):
        key = file_key(index, path)
        entry_size = len(key) + len(text.encode("utf-8"))
        if entry_size > CHUNK_BYTES:
            raise ValueError(f"generated file {path} has {entry_size} bytes; a ConfigMap holds at most {CHUNK_BYTES}")
        if size + entry_size > CHUNK_BYTES and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append((key, path, text))
        size += entry_size
    configmaps, sources = [], []
    for number, chunk in enumerate(chunks):
        name = f"{app_name}-{component}-{digest[:10]}" + (f"-{number}" if len(chunks) > 1 else "")
        configmaps.append({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"lcnc.dev/component": f"app-{component}"},
                         "annotations": {"lcnc.dev/code-digest": digest}},
            "immutable": True,
            "data": {key: text for key, _path, text in chunk},
        })
        sources.append({"configMap": {"name": name, "items": [{"key": key, "path": path}
                                                               for key, path, _text in chunk]}})
    volume = {"name": VOLUME_NAME, "projected": {"sources": sources, "defaultMode": 0o444}}
    return CodeBundle(digest=digest, configmaps=configmaps, volume=volume, files=files)


def wire_runner(deployment: dict[str, Any], bundle: CodeBundle, runner_image: str) -> None:
    """Point the Deployment's app container at the runner image and mount the code into it (in place)."""
    pod = deployment["spec"]["template"]
    pod.setdefault("metadata", {}).setdefault("annotations", {})["lcnc.dev/code-digest"] = bundle.digest
    spec = pod["spec"]
    container = spec["containers"][0]
    container["image"] = runner_image
    env = [e for e in container.get("env") or [] if e.get("name") != "LCNC_APP_DIR"]
    container["env"] = [{"name": "LCNC_APP_DIR", "value": MOUNT_PATH}, *env]
    mounts = [m for m in container.get("volumeMounts") or [] if m.get("name") != VOLUME_NAME]
    container["volumeMounts"] = [*mounts, {"name": VOLUME_NAME, "mountPath": MOUNT_PATH, "readOnly": True}]
    volumes = [v for v in spec.get("volumes") or [] if v.get("name") != VOLUME_NAME]
    spec["volumes"] = [*volumes, bundle.volume]
