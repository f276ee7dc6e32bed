"""Validated and compiled graphs, kept per process so a worker does not redo them for every run.

A graph is keyed by the digest of its JSON, so a new version is a new entry; the checkpointer is part of
the key because LangGraph binds it at compile time. Both caches are small LRUs.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from runtime.compile.graph import compile_graph
from runtime.spec.models import GraphSpec
from runtime.validate import ValidationIssue, validate_graph

MAX_ENTRIES = 128

_issues: OrderedDict[str, list[ValidationIssue]] = OrderedDict()
_compiled: OrderedDict[tuple[str, int], Any] = OrderedDict()


def spec_digest(spec: GraphSpec) -> str:
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


def _remember(cache: OrderedDict, key: Any, value: Any) -> Any:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > MAX_ENTRIES:
        cache.popitem(last=False)
    return value


def cached_issues(spec: GraphSpec, digest: str) -> list[ValidationIssue]:
    """validate_graph(spec), once per distinct graph."""
    if digest in _issues:
        _issues.move_to_end(digest)
        return _issues[digest]
    return _remember(_issues, digest, validate_graph(spec))


def cached_compile(spec: GraphSpec, digest: str, checkpointer: Any) -> Any:
    """compile_graph(spec, checkpointer=...), once per distinct graph and checkpointer."""
    key = (digest, id(checkpointer))
    if key in _compiled:
        _compiled.move_to_end(key)
        return _compiled[key]
    return _remember(_compiled, key, compile_graph(spec, checkpointer=checkpointer))
