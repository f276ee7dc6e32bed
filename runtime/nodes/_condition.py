"""A declarative test on a value: the condition language of router and loop (no expressions run)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Operator = Literal[
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_empty",
    "is_not_empty",
    "is_true",
    "is_false",
]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(default="", max_length=500, description="Dotted path into the value; empty for the value.")
    op: Operator = "equals"
    value: Any = None
