"""Why a graph cannot be exported."""

from __future__ import annotations

from runtime.validate import ValidationIssue


class ExportError(ValueError):
    """The graph (or an option) keeps the project from being generated; ``issues`` say where."""

    def __init__(self, message: str, issues: list[ValidationIssue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []
