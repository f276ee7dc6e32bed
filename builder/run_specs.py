"""A saved graph as a run needs it: parsed, checked runnable and dumped once per process.

Starting many runs of one saved graph validates it once: a run then costs an encode of the stored JSON
(the cache key, so a graph deleted and saved again with other content is checked again) instead of a model
validation, the graph checks and a dump of every node. A graph that cannot run is not kept: each start
answers the same 422.

``known`` / ``remember`` go one step further for the run API: what the last start found for a graph (its
version, when that version was saved, its spec). The next start checks its inputs against that spec and
inserts the run row copying the stored spec in SQL, guarded by the version and the time it was saved
(``builder.crud.runs.create_run_of_saved``): one statement instead of a read and an insert. If the graph was
saved, deleted or made again since, the guard inserts nothing and the start reads the graph as before.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from builder.graph_checks import check_runnable
from runtime.spec import GraphSpec

MAX_ENTRIES = 256

_cache: OrderedDict[bytes, tuple[GraphSpec, dict[str, Any], bool]] = OrderedDict()


@dataclass(frozen=True)
class SavedSpec:
    """A saved graph (one version of it) as a run start found it."""

    version: int
    saved_at: datetime
    spec: GraphSpec
    spec_json: dict[str, Any]


_known: OrderedDict[tuple[str, str, int | None], SavedSpec] = OrderedDict()


def runnable_spec(raw: Any) -> tuple[GraphSpec, dict[str, Any]]:
    """The spec stored as ``raw`` and its JSON form; 422 unless it can run."""
    spec, spec_json, _ = _runnable(raw)
    return spec, spec_json


def _runnable(raw: Any) -> tuple[GraphSpec, dict[str, Any], bool]:
    """runnable_spec, and whether ``raw`` already is that JSON form (a graph saved by this release)."""
    key = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    spec = GraphSpec.model_validate(raw)
    check_runnable(spec)
    spec_json = spec.model_dump(mode="json")
    found = _cache[key] = (spec, spec_json, orjson.dumps(spec_json, option=orjson.OPT_SORT_KEYS) == key)
    while len(_cache) > MAX_ENTRIES:
        _cache.popitem(last=False)
    return found


def known(workspace_id: str, graph_id: str, version: int | None) -> SavedSpec | None:
    """What the last start of ``graph_id`` (its latest version when ``version`` is None) found, if anything."""
    saved = _known.get((workspace_id, graph_id, version))
    if saved is not None:
        _known.move_to_end((workspace_id, graph_id, version))
    return saved


def remember(workspace_id: str, graph_id: str, version: int | None, *, saved_version: int, saved_at: datetime,
             raw: Any) -> tuple[GraphSpec, dict[str, Any]]:
    """runnable_spec(raw) of the graph a start just read; kept for the next start when the stored JSON is the
    spec's own form (a run row may then copy it as stored)."""
    spec, spec_json, as_stored = _runnable(raw)
    key = (workspace_id, graph_id, version)
    if as_stored:
        _known[key] = SavedSpec(saved_version, saved_at, spec, spec_json)
        _known.move_to_end(key)
        while len(_known) > MAX_ENTRIES:
            _known.popitem(last=False)
    else:
        _known.pop(key, None)
    return spec, spec_json


def forget(workspace_id: str, graph_id: str, version: int | None) -> None:
    _known.pop((workspace_id, graph_id, version), None)
