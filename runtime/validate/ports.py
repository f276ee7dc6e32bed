"""Which port types may feed which."""

from __future__ import annotations

# A target of type T accepts these source types (besides T itself and "any").
_ACCEPTS: dict[str, frozenset[str]] = {
    "text": frozenset({"number", "boolean"}),
    "json": frozenset({"text", "number", "boolean", "documents", "messages"}),
    "number": frozenset(),
    "boolean": frozenset(),
    "messages": frozenset(),
    "documents": frozenset(),
}


def compatible(source: str, target: str) -> bool:
    """Whether a value of port type ``source`` may flow into a port of type ``target``."""
    if source == target or "any" in (source, target):
        return True
    return source in _ACCEPTS.get(target, frozenset())
