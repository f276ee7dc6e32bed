"""Run the benchmarks: `python bench/run.py [NAME ...]` (no NAME runs all).

Each `bench/p*.py` module exposes `NAME` (e.g. "P1") and `run() -> list[str]`; every line it returns reads
`NAME: VALUE UNIT (target TARGET) — what was compared`, with the baseline measured in the same run.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> dict[str, ModuleType]:
    sys.path.insert(0, str(BENCH_DIR.parent))
    modules: dict[str, ModuleType] = {}
    for path in sorted(BENCH_DIR.glob("p*.py")):
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        name = getattr(module, "NAME", None)
        if isinstance(name, str) and callable(getattr(module, "run", None)):
            modules[name.upper()] = module
    return modules


def main(argv: list[str]) -> int:
    modules = discover()
    wanted = [name.upper() for name in argv] or sorted(modules, key=lambda n: int(n[1:]) if n[1:].isdigit() else 99)
    unknown = [name for name in wanted if name not in modules]
    if unknown:
        print(f"unknown bench: {', '.join(unknown)}; known: {', '.join(sorted(modules))}", file=sys.stderr)
        return 2
    failed = False
    for name in wanted:
        started = time.perf_counter()
        try:
            for line in modules[name].run():
                print(line, flush=True)
        except Exception as exc:  # a broken bench must not hide the others
            failed = True
            print(f"{name}: error — {type(exc).__name__}: {exc}", flush=True)
        print(f"  ({name} took {time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
