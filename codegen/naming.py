"""Names derived from a graph: Python identifiers, DNS labels for Kubernetes, the distribution name."""

from __future__ import annotations

import keyword
import re

_NON_IDENT = re.compile(r"[^A-Za-z0-9_]")
_NON_DNS = re.compile(r"[^a-z0-9-]+")
# Names a generated pydantic field must not take: they clash with BaseModel's own attributes.
_RESERVED_FIELDS = frozenset({"model_config", "model_fields", "schema", "json", "dict", "copy", "construct",
                              "validate", "fields", "parse_obj", "parse_raw", "from_orm", "update_forward_refs"})


def dns_label(text: str, fallback: str = "lcnc-app", limit: int = 40) -> str:
    """A lowercase RFC 1123 label (Kubernetes object names, image and distribution names)."""
    label = _NON_DNS.sub("-", text.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label)[:limit].strip("-")
    if not label or not label[0].isalpha():
        label = f"g-{label}".strip("-")[:limit] if label else fallback
    return label or fallback


def py_ident(text: str, prefix: str = "n") -> str:
    """A Python identifier for a graph id (``-`` becomes ``_``; keywords get a suffix)."""
    name = _NON_IDENT.sub("_", text)
    if not name or name[0].isdigit():
        name = f"{prefix}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name = f"{name}_"
    return name


def field_names(names: list[str]) -> dict[str, str]:
    """Pydantic attribute names for the graph's input/output names, unique and never reserved."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        attr = py_ident(name, "f")
        if attr.startswith("model_") or attr in _RESERVED_FIELDS or attr.startswith("_"):
            attr = f"f_{attr.lstrip('_')}"
        base, counter = attr, 2
        while attr in taken:
            attr = f"{base}_{counter}"
            counter += 1
        taken.add(attr)
        result[name] = attr
    return result


def unique_idents(ids: list[str], prefix: str = "n") -> dict[str, str]:
    """Distinct Python identifiers for distinct graph ids (``a-b`` and ``a_b`` both exist)."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for item in ids:
        base = py_ident(item, prefix)
        name, counter = base, 2
        while name in taken:
            name = f"{base}_{counter}"
            counter += 1
        taken.add(name)
        result[item] = name
    return result


def constant_names(ids: list[str], reserved: frozenset[str] = frozenset()) -> list[str]:
    """UPPER_CASE module constants for graph ids, distinct from each other and from ``reserved``."""
    taken = set(reserved)
    result = []
    for item in ids:
        base = py_ident(item.upper(), "N")
        name, counter = base, 2
        while name in taken:
            name = f"{base}_{counter}"
            counter += 1
        taken.add(name)
        result.append(name)
    return result
