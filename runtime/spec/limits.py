"""Bounds that keep a hostile or huge graph document cheap to reject."""

from __future__ import annotations

import json
from typing import Any

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_CONFIG_DEPTH = 32
MAX_NODES = 5000
MAX_EDGES = 20000
MAX_TEXT = 200_000


class DocumentError(ValueError):
    """A graph document that cannot be read; ``location`` says where, when known."""

    def __init__(self, message: str, location: str = "body") -> None:
        super().__init__(message)
        self.location = location


def json_depth(value: Any, stop_at: int = MAX_JSON_DEPTH + 1) -> int:
    """Nesting depth of a parsed JSON value, counted without recursion and capped at ``stop_at``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest >= stop_at:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load_json_document(raw: bytes | str, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse a JSON document with size and depth limits; raises DocumentError with a clear message."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise DocumentError(f"document is {size} bytes; the limit is {max_bytes}")
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise DocumentError(f"document is nested deeper than {MAX_JSON_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise DocumentError(f"not valid JSON: {exc}") from exc
    if json_depth(data) > MAX_JSON_DEPTH:
        raise DocumentError(f"document is nested deeper than {MAX_JSON_DEPTH} levels")
    return data
