"""The checkpoint serializer of every lcnc run: never unpickles, builds only LangGraph's safe types.

Run state is plain JSON by design (see ``runtime.compile.state``); checkpoints also hold LangGraph's
own small types (Interrupt, Command, Send), which the strict msgpack allow-list covers. Nothing
else is ever constructed on load, so a tampered checkpoint cannot run code.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


def safe_serde() -> JsonPlusSerializer:
    """JsonPlusSerializer without pickle fallback and with the strict msgpack allow-list."""
    return JsonPlusSerializer(pickle_fallback=False, allowed_json_modules=None, allowed_msgpack_modules=None)


def safe_checkpointer() -> Any:
    """An in-memory checkpointer with the safe serializer (tests, the CLI, single-process runs)."""
    from langgraph.checkpoint.memory import InMemorySaver

    return InMemorySaver(serde=safe_serde())
