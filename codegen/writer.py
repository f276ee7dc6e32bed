"""Putting rendered files on disk or into a zip; the renderer itself never touches the disk.

Regenerating into an existing folder rewrites and removes only the files that the folder's
manifest says the generator owns; files under ``app/custom/`` are created once and then left to
the user, and any other file the user added is never touched.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from codegen.manifest import MANIFEST_PATH, is_user_path

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # user files and unowned files left alone


def _safe_target(root: Path, rel: str) -> Path:
    if rel.startswith("/") or ".." in Path(rel).parts:
        raise ValueError(f"refusing to write outside the project: {rel}")
    return root / rel


def _owned(root: Path) -> set[str]:
    path = root / MANIFEST_PATH
    if not path.is_file():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return set(data.get("files", {})) | {MANIFEST_PATH}
    except (ValueError, AttributeError):
        return set()


def write_folder(files: dict[str, str], target: Path) -> WriteReport:
    """Write ``files`` under ``target``, updating only what the existing manifest owns."""
    target = Path(target)
    report = WriteReport()
    owned = _owned(target)
    for rel, text in sorted(files.items()):
        path = _safe_target(target, rel)
        exists = path.exists()
        if exists and is_user_path(rel):
            report.kept.append(rel)
            continue
        if exists and rel not in owned:
            # A file we never wrote (or a folder without a manifest): only replace identical content.
            if path.is_file() and path.read_bytes() == text.encode("utf-8"):
                report.unchanged.append(rel)
            else:
                report.kept.append(rel)
            continue
        data = text.encode("utf-8")
        if exists and path.is_file() and path.read_bytes() == data:
            report.unchanged.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".lcnc-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        report.written.append(rel)
    for rel in sorted(owned - set(files)):
        path = _safe_target(target, rel)
        if path.is_file() and not is_user_path(rel):
            path.unlink()
            report.removed.append(rel)
    return report


def zip_bytes(files: dict[str, str], root: str = "") -> bytes:
    """A deterministic zip of ``files`` (fixed dates, sorted entries), optionally under a root folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel, text in sorted(files.items()):
            info = zipfile.ZipInfo(f"{root}/{rel}" if root else rel, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def write_zip(files: dict[str, str], target: Path, root: str = "") -> Path:
    target = Path(target)
    target.write_bytes(zip_bytes(files, root))
    return target
