"""A declarative test on a value: the condition language of router and loop (no expressions run)."""

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runtime.nodes._template import lookup

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


MAX_MATCH_TEXT = 10_000
MAX_PATTERN = 500


def evaluate(condition: Condition, value: Any) -> bool:
    """Whether ``condition`` holds for ``value``; a test that does not apply (wrong types) is False."""
    subject = lookup(value, condition.field) if condition.field else value
    test = _OPS[condition.op]
    try:
        return bool(test(subject, condition.value))
    except (TypeError, ValueError, re.error):
        return False


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    return float(value)


def _equals(left: Any, right: Any) -> bool:
    if left == right:
        return True
    if isinstance(left, str) != isinstance(right, str):
        try:
            return _number(left) == _number(right)
        except (TypeError, ValueError):
            return False
    return False


def _contains(left: Any, right: Any) -> bool:
    if isinstance(left, str):
        return str(right) in left
    if isinstance(left, list | dict):
        return right in left
    return False


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "y", "1", "on"}
    return bool(value)


def _falsy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"false", "no", "n", "0", "off", ""}
    return not bool(value)


def _matches(left: Any, right: Any) -> bool:
    pattern = str(right)
    if len(pattern) > MAX_PATTERN:
        raise ValueError("pattern too long")
    return re.search(pattern, str(left)[:MAX_MATCH_TEXT]) is not None


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "not_equals": lambda left, right: not _equals(left, right),
    "contains": _contains,
    "not_contains": lambda left, right: not _contains(left, right),
    "starts_with": lambda left, right: isinstance(left, str) and left.startswith(str(right)),
    "ends_with": lambda left, right: isinstance(left, str) and left.endswith(str(right)),
    "matches": _matches,
    "gt": lambda left, right: _number(left) > _number(right),
    "gte": lambda left, right: _number(left) >= _number(right),
    "lt": lambda left, right: _number(left) < _number(right),
    "lte": lambda left, right: _number(left) <= _number(right),
    "is_empty": lambda left, _right: _empty(left),
    "is_not_empty": lambda left, _right: not _empty(left),
    "is_true": lambda left, _right: _truthy(left),
    "is_false": lambda left, _right: _falsy(left),
}
