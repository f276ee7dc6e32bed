"""A saved graph as a run needs it: parsed, checked runnable and dumped once per process.

Starting many runs of one saved graph validates it once: a run then costs an encode of the stored JSON
(the cache key, so a graph deleted and saved again with other content is checked again) instead of a model
validation, the graph checks and a dump of every node. A graph that cannot run is not kept: each start
answers the same 422.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

from builder.graph_checks import check_runnable
from runtime.spec import GraphSpec

MAX_ENTRIES = 256

_cache: OrderedDict[bytes, tuple[GraphSpec, dict[str, Any]]] = OrderedDict()


def runnable_spec(raw: Any) -> tuple[GraphSpec, dict[str, Any]]:
    """The spec stored as ``raw`` and its JSON form; 422 unless it can run."""
    key = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    spec = GraphSpec.model_validate(raw)
    check_runnable(spec)
    found = _cache[key] = (spec, spec.model_dump(mode="json"))
    while len(_cache) > MAX_ENTRIES:
        _cache.popitem(last=False)
    return found
