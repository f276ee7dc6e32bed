"""Splitting text into overlapping chunks that end at natural boundaries where possible."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Where to prefer cutting, best first: paragraph, line, sentence end, word.
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def chunk_text(text: str, size: int = 800, overlap: int = 100) -> list[str]:
    """Chunks of at most ``size`` characters; each starts ``overlap`` characters before the previous end."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    if not 0 <= overlap < size:
        raise ValueError("chunk overlap must be at least 0 and smaller than the chunk size")
    text = normalize(text)
    if not text:
        return []
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start:end]
            floor = max(1, size // 2)  # never cut in the first half: keeps chunks near their size
            for mark in _BREAKS:
                cut = window.rfind(mark)
                if cut >= floor:
                    end = start + cut + len(mark)
                    break
        piece = text[start:end].strip()
        if piece:
            chunks.append(piece)
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
    return chunks
