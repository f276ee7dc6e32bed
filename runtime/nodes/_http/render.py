"""Filling URL templates: values are percent-encoded so they cannot change the URL's structure."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from runtime.nodes._template import PLACEHOLDER_RE, lookup, to_text


def render_url(template: str, values: dict[str, Any]) -> str:
    """Fill ``{{ path }}`` placeholders; a placeholder that starts the URL may give its whole base.

    Everywhere else values are percent-encoded, so ``?q={{ q }}`` with ``q = "a&admin=1"`` stays one
    parameter and a value cannot move the request to another host.
    """

    def fill(match: Any) -> str:
        text = to_text(lookup(values, match.group(1)))
        return text if match.start() == 0 else quote(text, safe="")

    return PLACEHOLDER_RE.sub(fill, template.strip())
