"""The platform modules a generated project carries as plain source, renamed into its own package.

The source is read once per process (``importlib`` finds the files; nothing is imported from the
generated side) and kept as data, so ``render_project`` itself does no I/O. Import paths are
rewritten by plain text substitution: ``runtime.<pkg>`` becomes ``app.lcnc_<pkg>``.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from types import ModuleType

from runtime.nodes import registry

PACKAGE = "app"
_IMPORT_LINE = re.compile(r"^(\s*)(from|import)(\s+)runtime\.(\w+)", re.MULTILINE)
# Modules never carried: the generated project writes its own versions of these.
_REPLACED = frozenset({"runtime.nodes", "runtime.nodes.registry"})


def target_module(module: str) -> str:
    """``runtime.nodes.base`` -> ``app.lcnc_nodes.base``."""
    parts = module.split(".")
    if parts[0] != "runtime" or len(parts) < 2:
        raise ValueError(f"not a runtime module: {module}")
    return ".".join([PACKAGE, f"lcnc_{parts[1]}", *parts[2:]])


def target_path(module: str, is_package: bool) -> str:
    path = target_module(module).replace(".", "/")
    return f"{path}/__init__.py" if is_package else f"{path}.py"


def rewrite_imports(source: str) -> str:
    """Point every ``runtime.<pkg>`` import at the project's copy."""
    return _IMPORT_LINE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{PACKAGE}.lcnc_{m[4]}", source)


@functools.cache
def _module_source(module: str) -> tuple[str, bool]:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    with open(spec.origin, encoding="utf-8") as handle:
        return handle.read(), spec.submodule_search_locations is not None


def _runtime_imports(module: str, source: str, is_package: bool) -> set[str]:
    """Every ``runtime.*`` module this source imports (top level or inside functions)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("runtime."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            if not base.startswith("runtime."):
                continue
            found.add(base)
            for alias in node.names:  # "from runtime.nodes import loop" imports a module
                candidate = f"{base}.{alias.name}"
                if importlib.util.find_spec(base) and _is_module(candidate):
                    found.add(candidate)
    return found


@functools.cache
def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


@functools.cache
def kind_modules() -> dict[str, str]:
    """Kind name -> the module that defines it."""
    result: dict[str, str] = {}
    for value in vars(registry).values():
        kind = getattr(value, "KIND", None)
        if isinstance(value, ModuleType) and kind is not None:
            result[kind.name] = value.__name__
    return result


@functools.cache
def carried_sources(kinds: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Generated path -> source for the modules the given kinds need (import closure, packages included)."""
    modules = kind_modules()
    pending = [modules[name] for name in kinds] + list(extra)
    seen: set[str] = set()
    files: dict[str, str] = {}
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        pending.extend(parent for parent in _parents(module) if parent not in seen)
        if module in _REPLACED:
            continue
        source, is_package = _module_source(module)
        pending.extend(_runtime_imports(module, source, is_package) - seen)
        header = f"# Carried from lcnc ({module}); regenerated on export, do not edit.\n"
        files[target_path(module, is_package)] = header + rewrite_imports(source)
    return dict(sorted(files.items()))


_STDLIB = frozenset(__import__("sys").stdlib_module_names)


def third_party_imports(files: dict[str, str]) -> set[str]:
    """Top-level modules imported at module level by carried files that are neither stdlib nor ``app``."""
    found: set[str] = set()
    for path, source in files.items():
        if not path.endswith(".py"):
            continue
        for node in ast.parse(source).body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            found.update(name.split(".")[0] for name in names)
    return {name for name in found if name not in _STDLIB and name not in ("app", "__future__")}
