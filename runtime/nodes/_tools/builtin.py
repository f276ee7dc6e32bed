"""The built-in tools: ``builtin.calculator`` and ``builtin.current_time``.

The calculator parses arithmetic into a syntax tree and walks it; nothing is evaluated as Python.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime.nodes._context import NodeError
from runtime.nodes._tools.base import Tool

MAX_EXPRESSION = 1000
MAX_TREE_NODES = 400
MAX_INT = 10**1000
MAX_POWER_DIGITS = 1000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


class CalculatorError(NodeError):
    """An expression the calculator refuses or cannot compute."""


def calculate(expression: str) -> int | float:
    """The value of an arithmetic expression: numbers, + - * / // % **, unary signs, parentheses."""
    if not isinstance(expression, str) or not expression.strip():
        raise CalculatorError("calculator: give an arithmetic expression, e.g. 6*7")
    if len(expression) > MAX_EXPRESSION:
        raise CalculatorError(f"calculator: the expression is longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CalculatorError(f"calculator: not an arithmetic expression: {expression!r}") from exc
    if sum(1 for _ in ast.walk(tree)) > MAX_TREE_NODES:
        raise CalculatorError("calculator: the expression is too long")
    try:
        result = _walk(tree.body)
    except ZeroDivisionError as exc:
        raise CalculatorError("calculator: division by zero") from exc
    except (OverflowError, RecursionError) as exc:
        raise CalculatorError("calculator: the result is too large") from exc
    if isinstance(result, float):
        if math.isnan(result) or math.isinf(result):
            raise CalculatorError("calculator: the result is not a finite number")
        if result.is_integer() and abs(result) < 1e15:
            return int(result)
    return result


def _walk(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value  # type: ignore[return-value]  # checked just above
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _checked(_UNARY[type(node.op)](_walk(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        return _checked(_BINARY[type(node.op)](left, right))
    raise CalculatorError(
        f"calculator: only numbers, + - * / // % ** and parentheses are allowed; found {type(node).__name__}"
    )


def _check_power(base: int | float, exponent: int | float) -> None:
    if abs(exponent) > 10_000:
        raise CalculatorError("calculator: the exponent is too large")
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log10(abs(base)) > MAX_POWER_DIGITS:
            raise CalculatorError("calculator: the result is too large")
    if isinstance(base, complex) or isinstance(exponent, complex):
        raise CalculatorError("calculator: complex numbers are not supported")


def _checked(value: Any) -> int | float:
    if isinstance(value, complex):
        raise CalculatorError("calculator: the result is not a real number")
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise CalculatorError("calculator: the result is too large")
    return value


async def _calculator(arguments: dict[str, Any]) -> int | float:
    return calculate(arguments["expression"])


async def _current_time(arguments: dict[str, Any]) -> dict[str, Any]:
    name = (arguments.get("timezone") or "UTC").strip()
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise NodeError(f"current_time: unknown timezone '{name[:100]}'; use an IANA name like Europe/Paris") from exc
    now = datetime.now(zone)
    return {"timezone": name, "iso": now.isoformat(timespec="seconds"), "unix": int(now.timestamp())}


BUILTIN_TOOLS: dict[str, Tool] = {
    "builtin.calculator": Tool(
        id="builtin.calculator",
        description="Computes an arithmetic expression: numbers, + - * / // % ** and parentheses.",
        call=_calculator,
        parameters={
            "type": "object",
            "properties": {"expression": {"type": "string", "description": "e.g. (2 + 3) * 4"}},
            "required": ["expression"],
        },
    ),
    "builtin.current_time": Tool(
        id="builtin.current_time",
        description="The current date and time in a timezone (IANA name, default UTC).",
        call=_current_time,
        parameters={
            "type": "object",
            "properties": {"timezone": {"type": "string", "description": "e.g. Europe/Paris"}},
        },
    ),
}
