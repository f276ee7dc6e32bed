"""Text out of documents: plain text, Markdown, HTML and PDF."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import PurePosixPath

KINDS = ("text", "markdown", "html", "pdf")
_EXTENSIONS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
               ".htm": "html", ".pdf": "pdf", ".csv": "text", ".json": "text", ".rst": "text", ".log": "text"}
_CONTENT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
                  "text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf"}
MAX_PDF_PAGES = 2000


class ExtractError(ValueError):
    """The document cannot be read; the message says why."""


def detect_kind(filename: str | None, content_type: str | None, data: bytes = b"") -> str:
    """The document kind from its name, its content type or (for PDF) its first bytes."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if filename:
        kind = _EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
        if kind:
            return kind
    if content_type:
        kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


class _TextOfHtml(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
                       "header", "footer", "pre", "blockquote", "table", "ul", "ol", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self.skipping += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """(text, title) of an HTML page; scripts and styles are dropped."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(line for line in lines if line)
    return text, " ".join(parser.title.split())


def pdf_to_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise ExtractError("the file is not a PDF (it does not start with %PDF-)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractError("the PDF is encrypted")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ExtractError(f"the PDF has {len(reader.pages)} pages; the limit is {MAX_PDF_PAGES}")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise ExtractError(f"the PDF cannot be read: {exc or type(exc).__name__}") from exc
    return "\n\n".join(page.strip() for page in pages if page.strip())


def extract_text(data: bytes, *, filename: str | None = None, content_type: str | None = None,
                 kind: str | None = None) -> tuple[str, str, dict[str, str]]:
    """(text, kind, extra metadata) of a document given as bytes."""
    kind = kind or detect_kind(filename, content_type, data)
    if kind not in KINDS:
        raise ExtractError(f"unknown document kind '{kind}'; kinds: {', '.join(KINDS)}")
    if kind == "pdf":
        return pdf_to_text(data), kind, {}
    if b"\x00" in data[:8192]:
        raise ExtractError("the file looks binary, not text; upload text, Markdown, HTML or PDF")
    text = data.decode("utf-8", errors="replace")
    if kind == "html":
        body, title = html_to_text(text)
        return body, kind, ({"title": title} if title else {})
    return text, kind, {}
