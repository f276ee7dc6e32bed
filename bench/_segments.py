"""Benches that measure the cost of one LangGraph step per node: compile as if no two nodes shared a step.

By default the runtime runs a line of pure nodes up to 16 to a step (``runtime.compile.graph.segments``), so a
chain of template fills measures mostly the nodes themselves; this gives the per-step figure beside it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_node_per_step() -> Iterator[None]:
    from runtime.compile import graph
    from runtime.compile.cache import _compiled

    saved = graph.SEGMENT_LIMIT
    graph.SEGMENT_LIMIT = 1
    _compiled.clear()
    try:
        yield
    finally:
        graph.SEGMENT_LIMIT = saved
        _compiled.clear()
