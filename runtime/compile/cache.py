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
_parsed: OrderedDict[str, GraphSpec] = OrderedDict()  # JSON text -> the spec it holds
_digests: OrderedDict[int, tuple[GraphSpec, str]] = OrderedDict()  # id(spec) -> (spec, digest) of parsed ones


def spec_digest(spec: GraphSpec) -> str:
    known = _digests.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


def spec_from_json(text: str) -> GraphSpec:
    """The GraphSpec stored as JSON ``text`` (a run's row), validated once per distinct text.

    A worker runs the same few graphs over and over: each run then costs a dict lookup instead of a JSON decode,
    a model validation and, for the caches below, a dump and a hash. The spec is shared, like the compiled
    graph made from it; nothing changes either.
    """
    spec = _parsed.get(text)
    if spec is not None:
        _parsed.move_to_end(text)
        return spec
    spec = GraphSpec.model_validate_json(text)
    _remember(_parsed, text, spec)
    _remember(_digests, id(spec), (spec, hashlib.sha256(text.encode()).hexdigest()))
    return spec


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
