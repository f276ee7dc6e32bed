"""The safe template renderer: ``{{ name }}`` and ``{{ name.a.b }}`` lookups, nothing else.

Nothing in a template is ever executed or evaluated. A placeholder is a dotted path of names looked
up in plain dicts (by key) and lists (by index); attributes of Python objects are never read, so
``{{ data.__class__ }}`` is just a missing key. A ``{{ ... }}`` that is not a dotted path (an
expression, a filter, a call) is left in the text untouched.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

MAX_RENDERED_CHARS = 5_000_000

_SEGMENT = r"[A-Za-z0-9_-]+"
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:\." + _SEGMENT + r")*)\s*\}\}")
_MISSING = object()


class TemplateError(ValueError):
    """A template that cannot be filled (result too large, or not valid JSON in json mode)."""


def lookup(values: Any, path: str) -> Any:
    """The value at a dotted ``path`` inside dicts and lists, or None when any step is missing."""
    found = _lookup(values, path.split(".") if path else [])
    return None if found is _MISSING else found


def _lookup(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            if part not in value:
                return _MISSING
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                return _MISSING
            value = value[index]
        else:
            return _MISSING
    return value


def to_text(value: Any) -> str:
    """How a value reads inside text: strings as they are, None as nothing, the rest as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def placeholders(template: str) -> list[str]:
    """The dotted paths used by a template, in order (duplicates kept)."""
    return PLACEHOLDER_RE.findall(template)


@lru_cache(maxsize=4096)
def _parse(template: str) -> tuple[tuple[str, list[str] | None], ...]:
    """The template as (literal text, None) and (placeholder, path parts) pieces; parsed once per template."""
    pieces: list[tuple[str, list[str] | None]] = []
    position = 0
    for match in PLACEHOLDER_RE.finditer(template):
        if match.start() > position:
            pieces.append((template[position:match.start()], None))
        pieces.append((match.group(1), match.group(1).split(".")))
        position = match.end()
    if position < len(template):
        pieces.append((template[position:], None))
    return tuple(pieces)


def render_text(template: str, values: dict[str, Any]) -> str:
    """Fill every ``{{ path }}`` from ``values``; a missing path renders as the empty string."""
    if "{{" not in template:
        return template
    parts = []
    for text, path in _parse(template):
        if path is None:
            parts.append(text)
        else:
            found = _lookup(values, path)
            parts.append("" if found is _MISSING else to_text(found))
    rendered = "".join(parts)
    if len(rendered) > MAX_RENDERED_CHARS:
        raise TemplateError(f"the filled template is {len(rendered)} characters; the limit is {MAX_RENDERED_CHARS}")
    return rendered


def render_json(template: str, values: dict[str, Any]) -> Any:
    """Fill a template whose result is JSON.

    When the template itself is JSON (``{"name": "{{ data }}"}``), placeholders are filled inside
    its strings, so quotes in the values cannot break the document; a string that is exactly one
    placeholder takes the value itself (objects and numbers keep their type). Otherwise the text is
    filled with values as JSON and the result must parse.
    """
    try:
        document = json.loads(template)
    except ValueError:
        document = _MISSING
    if document is not _MISSING:
        return _fill(document, values)
    pieces = PLACEHOLDER_RE.sub(lambda match: _as_json(lookup(values, match.group(1))), template)
    if len(pieces) > MAX_RENDERED_CHARS:
        raise TemplateError(f"the filled template is {len(pieces)} characters; the limit is {MAX_RENDERED_CHARS}")
    try:
        return json.loads(pieces)
    except ValueError as exc:
        raise TemplateError(f"the filled template is not valid JSON: {exc}") from exc


def _as_json(value: Any) -> str:
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value, ensure_ascii=False)
        return value  # already a JSON document (e.g. an upstream json output given as text)
    return json.dumps(value, ensure_ascii=False, default=str)


def _fill(document: Any, values: dict[str, Any]) -> Any:
    if isinstance(document, str):
        whole = PLACEHOLDER_RE.fullmatch(document.strip())
        if whole is not None:
            return lookup(values, whole.group(1))
        return render_text(document, values)
    if isinstance(document, list):
        return [_fill(item, values) for item in document]
    if isinstance(document, dict):
        return {render_text(key, values): _fill(item, values) for key, item in document.items()}
    return document
