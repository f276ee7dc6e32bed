"""Filters that turn graph strings into literals of the target language.

Every string that comes from a graph passes through one of these before it lands in a generated
file, so a node named ``"; import os`` stays data. Python literals come from ``repr`` of plain
JSON values; YAML and TOML get the same ASCII-only double-quoted form, which both read back to the
exact original string.
"""

from __future__ import annotations

import json
from typing import Any

_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def py_literal(value: Any) -> str:
    """A Python expression that evaluates to ``value`` (a JSON-like value: dict, list, str, number, bool, None)."""
    _check_plain(value)
    return repr(value)


def _check_plain(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"only string keys can be rendered, got {type(key).__name__}")
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif item is not None and not isinstance(item, str | int | float | bool):
            raise TypeError(f"cannot render a {type(item).__name__} as a literal")
        elif isinstance(item, float) and item != item:  # NaN has no literal
            raise TypeError("cannot render NaN as a literal")


def quoted(text: str) -> str:
    """A double-quoted, ASCII-only string valid in YAML and TOML that reads back as ``text`` exactly."""
    out = ['"']
    for char in str(text):
        code = ord(char)
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


def json_text(value: Any) -> str:
    """Stable pretty JSON (sorted keys, two-space indent, trailing newline); ASCII-escaped when a string
    holds a lone surrogate, which UTF-8 cannot carry."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    return text


def one_line(text: str, limit: int = 200) -> str:
    """Plain text for prose (README, comments, docstrings): one line, no control characters, bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text))
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3] + "..."
    return cleaned


def comment_text(text: str, limit: int = 200) -> str:
    """Text safe inside a ``#`` comment or a docstring: one line, no quotes or backslashes."""
    return one_line(text, limit).replace("\\", "/").replace('"', "'").replace("'''", "'")


def py_block(value: Any, indent: int = 0, width: int = 100) -> str:
    """Like ``py_literal`` but laid out over several lines when long, for readable, diff-friendly code.

    ``indent`` is the column of the line the literal starts on; continuation lines are indented from it.
    """
    _check_plain(value)
    return _layout(value, indent, width)


def _layout(value: Any, indent: int, width: int) -> str:
    flat = repr(value)
    if len(flat) + indent <= width or not isinstance(value, dict | list | str) or not value:
        if not isinstance(value, str) or len(flat) + indent <= width:
            return flat
    pad = " " * (indent + 4)
    if isinstance(value, str):
        return "(\n" + "\n".join(pad + repr(chunk) for chunk in _chunks(value, max(20, width - indent - 6))) + "\n" + " " * indent + ")"
    if isinstance(value, dict):
        items = [f"{pad}{_layout(key, indent + 4, width)}: {_layout(item, indent + 4, width)}," for key, item in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_layout(item, indent + 4, width)}," for item in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _chunks(text: str, size: int) -> list[str]:
    """Pieces of ``text`` whose reprs stay near ``size`` characters, split after newlines when possible."""
    pieces: list[str] = []
    current = ""
    for char in text:
        current += char
        if len(repr(current)) >= size or (char == "\n" and len(current) > size // 3):
            pieces.append(current)
            current = ""
    if current or not pieces:
        pieces.append(current)
    return pieces
