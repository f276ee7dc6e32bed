"""lcnc runner: check and serve a generated lcnc app mounted at $LCNC_APP_DIR (ConfigMap volume).

Before importing anything from the mount it checks that
- every file the app's lcnc-manifest.json lists under app/ (and graph.json) is there with the same SHA-256:
  a ConfigMap that was edited by hand or only half-updated is refused instead of half-running;
- every dependency the app's pyproject.toml pins is installed in this image (a different version is a
  warning, a missing one is an error: that app needs the in-cluster build option instead).
Then it serves ``app.main:app`` with uvicorn, as the generated Dockerfile would. Standard library + uvicorn only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

CHECKED_PREFIXES = ("app/",)
CHECKED_FILES = ("graph.json",)
USER_PREFIXES = ("app/custom/",)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(==\s*([^\s;]+))?")


def verify_files(app_dir: Path) -> list[str]:
    """Problems with the mounted code (empty when it matches its manifest)."""
    manifest_path = app_dir / "lcnc-manifest.json"
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing: is the app code mounted at {app_dir}?"]
    try:
        files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{manifest_path} cannot be read: {exc}"]
    problems = []
    for path, digest in sorted(files.items()):
        if not (path.startswith(CHECKED_PREFIXES) or path in CHECKED_FILES) or path.startswith(USER_PREFIXES):
            continue
        file = app_dir / path
        if not file.is_file():
            problems.append(f"{path} is missing")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            problems.append(f"{path} differs from the manifest")
    if not (app_dir / "app" / "main.py").is_file():
        problems.append("app/main.py is missing")
    return problems


def check_dependencies(app_dir: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) comparing the app's pinned dependencies with the installed distributions."""
    pyproject = app_dir / "pyproject.toml"
    if not pyproject.is_file():
        return [], [f"{pyproject} is missing; dependencies not checked"]
    try:
        requirements = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        return [f"{pyproject} cannot be read: {exc}"], []
    errors, warnings = [], []
    for requirement in requirements:
        match = _REQUIREMENT.match(str(requirement))
        if not match:
            continue
        name, pinned = match.group(1), match.group(4)
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            errors.append(f"{name} is not installed in the runner image")
            continue
        if pinned and installed != pinned:
            warnings.append(f"{name}: the app pins {pinned}, the runner image has {installed}")
    return errors, warnings


def main() -> int:
    app_dir = Path(os.environ.get("LCNC_APP_DIR", "/srv/app"))
    problems = verify_files(app_dir)
    errors, warnings = check_dependencies(app_dir) if not problems else ([], [])
    for warning in warnings:
        print(f"lcnc-runner: warning: {warning}", file=sys.stderr)
    if problems or errors:
        for problem in problems + errors:
            print(f"lcnc-runner: error: {problem}", file=sys.stderr)
        return 2
    if os.environ.get("LCNC_RUNNER_CHECK_ONLY"):
        print(f"lcnc-runner: {app_dir} is ready to serve")
        return 0
    import uvicorn

    uvicorn.run("app.main:app", app_dir=str(app_dir), host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104
                port=int(os.environ.get("PORT", "8000")), workers=int(os.environ.get("WORKERS", "1")),
                access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
