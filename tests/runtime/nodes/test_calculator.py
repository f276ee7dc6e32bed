"""builtin.calculator: arithmetic on a parsed syntax tree, nothing else."""

import asyncio

import pytest

from runtime.nodes._context import NodeError
from runtime.nodes._tools import BUILTIN_TOOLS, calculate
from runtime.nodes._tools.builtin import CalculatorError


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("6*7", 42),
        ("(2 + 3) * 4", 20),
        ("2 ** 10", 1024),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("7 // 2", 3),
        ("-3 + +1", -2),
        ("1.5 * 2", 3),
        ("((1))", 1),
    ],
)
def test_arithmetic(expression: str, expected: float) -> None:
    assert calculate(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "a + 1",
        "abs(-1)",
        "[1, 2]",
        "1 if 1 else 2",
        "'a' * 3",
        "True + 1",
        "(lambda: 1)()",
        "1 < 2",
        "1; 2",
        "",
        "import os",
        "x := 1",
    ],
)
def test_refuses_anything_but_arithmetic(expression: str) -> None:
    with pytest.raises(CalculatorError):
        calculate(expression)


@pytest.mark.parametrize("expression", ["9 ** 9 ** 9", "2 ** 100000", "10.0 ** 400", "1" * 1001])
def test_bounds(expression: str) -> None:
    with pytest.raises(CalculatorError):
        calculate(expression)


def test_division_by_zero_is_a_readable_error() -> None:
    with pytest.raises(CalculatorError, match="division by zero"):
        calculate("1 / (2 - 2)")


def test_tool_checks_arguments() -> None:
    tool = BUILTIN_TOOLS["builtin.calculator"]
    assert asyncio.run(tool.invoke({"expression": "1+1"})) == 2
    with pytest.raises(NodeError, match="missing argument 'expression'"):
        asyncio.run(tool.invoke({}))
    with pytest.raises(NodeError, match="must be string"):
        asyncio.run(tool.invoke({"expression": 5}))
    with pytest.raises(NodeError, match="unknown argument"):
        asyncio.run(tool.invoke({"expression": "1", "code": "x"}))


def test_current_time_refuses_unknown_zones() -> None:
    tool = BUILTIN_TOOLS["builtin.current_time"]
    assert asyncio.run(tool.invoke({"timezone": "Asia/Tokyo"}))["iso"].endswith("+09:00")
    for bad in ("Mars/Olympus", "../../etc/passwd", "/etc/localtime"):
        with pytest.raises(NodeError, match="unknown timezone"):
            asyncio.run(tool.invoke({"timezone": bad}))
