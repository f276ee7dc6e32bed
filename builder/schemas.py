"""Request and response models of the graphs API (GraphX naming as in the conventions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from runtime.spec import GraphSpec
from runtime.validate import ValidationIssue

MAX_VERSION = 2_147_483_647


class GraphUpdate(BaseModel):
    spec: GraphSpec
    base_version: int = Field(ge=1, le=MAX_VERSION, description="The version this edit started from; a newer saved version gives 409.")
    message: str = Field(default="", max_length=500, description="What changed, shown in the history.")


class GraphSummary(BaseModel):
    id: str
    name: str
    description: str
    version: int
    created_at: datetime
    updated_at: datetime


class GraphPublic(GraphSummary):
    spec: GraphSpec
    warnings: list[ValidationIssue] = Field(
        default_factory=list, description="What must be fixed before the graph can run or be exported."
    )


class GraphPage(BaseModel):
    items: list[GraphSummary]
    total: int
    limit: int
    offset: int


class GraphVersionSummary(BaseModel):
    version: int
    message: str
    created_at: datetime
    created_by: str | None


class GraphVersionPublic(GraphVersionSummary):
    spec: GraphSpec


class ValidationReport(BaseModel):
    valid: bool
    errors: list[ValidationIssue]


class ErrorBody(BaseModel):
    detail: str
    errors: list[dict[str, Any]] = Field(default_factory=list)


class NodeKindPublic(BaseModel):
    name: str
    title: str
    category: str
    description: str
    config_schema: dict[str, Any]
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    branches: list[str] | None
    dynamic_branches: bool
    bounds_cycles: bool
