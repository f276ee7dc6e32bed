"""Golden projects: ``python -m codegen.golden --write`` regenerates ``tests/codegen/golden/<fixture>/``.

``--check`` (the default) exits 1 and lists the differences when a golden directory is stale. The
carried platform modules (``app/lcnc_*``) are left out of the goldens (and out of the golden copy of
the manifest): they are the platform's own source, checked by their own test, and would churn with
every change to a node kind.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from codegen.errors import ExportError
from codegen.manifest import MANIFEST_PATH
from codegen.options import ProjectOptions
from codegen.render import render_project
from runtime.spec import load_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "graphs"
GOLDEN = ROOT / "tests" / "codegen" / "golden"
CARRIED_PREFIX = "app/lcnc_"


def is_carried(path: str) -> bool:
    return path.startswith(CARRIED_PREFIX) and not path.endswith("lcnc_nodes/__init__.py")


def golden_view(files: dict[str, str]) -> dict[str, str]:
    """The files as golden directories keep them: without the carried platform sources."""
    view = {path: text for path, text in files.items() if not is_carried(path)}
    manifest = json.loads(files[MANIFEST_PATH])
    manifest["files"] = {path: digest for path, digest in manifest["files"].items() if not is_carried(path)}
    view[MANIFEST_PATH] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return view


def fixture_options() -> ProjectOptions:
    """Export options for fixture graphs: every fixture graph is available to subgraph nodes."""
    specs = [load_graph(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))]
    return ProjectOptions(subgraphs={spec.id: spec for spec in specs})


def fixtures() -> dict[str, Path]:
    """Exportable fixture graphs by name (a fixture that cannot be exported has no golden)."""
    found = {}
    options = fixture_options()
    for path in sorted(FIXTURES.glob("*.json")):
        try:
            render_project(load_graph(path.read_bytes()), options)
        except ExportError:
            continue
        found[path.stem] = path
    return found


def expected(name: str) -> dict[str, str]:
    return golden_view(render_project(load_graph((FIXTURES / f"{name}.json").read_bytes()), fixture_options()))


def read_dir(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def diff(name: str) -> list[str]:
    """Differences between the golden directory of ``name`` and a fresh render (empty when equal)."""
    want = expected(name)
    have = read_dir(GOLDEN / name) if (GOLDEN / name).is_dir() else {}
    problems = [f"{name}: missing {path}" for path in sorted(set(want) - set(have))]
    problems += [f"{name}: extra {path}" for path in sorted(set(have) - set(want))]
    problems += [f"{name}: differs {path}" for path in sorted(set(want) & set(have)) if want[path] != have[path]]
    return problems


def write(name: str) -> None:
    folder = GOLDEN / name
    if folder.exists():
        shutil.rmtree(folder)
    for path, text in expected(name).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.golden", description=__doc__)
    parser.add_argument("--write", action="store_true", help="regenerate the golden directories")
    parser.add_argument("names", nargs="*", help="fixture names (default: all exportable fixtures)")
    args = parser.parse_args(argv)
    names = args.names or list(fixtures())
    if args.write:
        known = set(fixtures())
        for stale in sorted(p.name for p in GOLDEN.glob("*") if p.is_dir() and p.name not in known):
            shutil.rmtree(GOLDEN / stale)
        for name in names:
            write(name)
        print(f"wrote {len(names)} golden projects under {GOLDEN.relative_to(ROOT)}")
        return 0
    problems = [problem for name in names for problem in diff(name)]
    for problem in problems:
        print(problem)
    if problems:
        print("golden projects are stale: run `python -m codegen.golden --write` and review the diff")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
