"""The shape of a validation finding, addressed to a node and field so the editor can mark it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

# "error": the document is incoherent and is not saved. "incomplete": it may be saved as a draft
# but cannot be run or exported until fixed.
Level = Literal["error", "incomplete"]


class ValidationIssue(BaseModel):
    code: str
    message: str
    level: Level = "error"
    node_id: str | None = None
    field: str | None = None
    edge_index: int | None = None

    def __str__(self) -> str:
        where = []
        if self.node_id is not None:
            where.append(f"node '{self.node_id}'")
        if self.edge_index is not None:
            where.append(f"edges[{self.edge_index}]")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def blocking(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    """The issues that stop a save."""
    return [issue for issue in issues if issue.level == "error"]
