"""The manifest a generated project carries: generator version, spec hash and the files it owns."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from runtime.spec.models import GraphSpec

GENERATOR = "lcnc-codegen"
GENERATOR_VERSION = "0.1.0"
MANIFEST_PATH = "lcnc-manifest.json"
# Files written only when missing: the user's own code, never overwritten nor deleted.
USER_PREFIXES = ("app/custom/",)


def spec_hash(spec: GraphSpec) -> str:
    """SHA-256 of the canonical JSON of the spec (sorted keys, no whitespace)."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def file_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_user_path(path: str) -> bool:
    return path.startswith(USER_PREFIXES)


def build_manifest(spec: GraphSpec, files: dict[str, str], subgraphs: list[GraphSpec] | None = None) -> dict[str, Any]:
    """The manifest for a rendered file set (the manifest itself is not listed)."""
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "graph_id": spec.id,
        "spec_sha256": spec_hash(spec),
        "subgraphs": {sub.id: spec_hash(sub) for sub in subgraphs or []},
        "files": {path: file_hash(text) for path, text in sorted(files.items()) if not is_user_path(path)},
        "user_files": sorted(path for path in files if is_user_path(path)),
    }
