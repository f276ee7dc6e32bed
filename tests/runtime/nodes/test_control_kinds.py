"""The execute functions of the control kinds, called directly as a generated project would."""

from __future__ import annotations

import pytest

from runtime.nodes import io_output, loop, router, supervisor, transform
from runtime.nodes._condition import Condition, evaluate
from runtime.nodes._context import BRANCH, GRAPH_OUTPUTS, MEMORY, NodeContext, NodeError


@pytest.mark.parametrize(
    ("op", "field", "expected", "value", "holds"),
    [
        ("equals", "", 3, "3", True),
        ("not_equals", "", "a", "b", True),
        ("contains", "tags", "x", {"tags": ["x", "y"]}, True),
        ("contains", "", "voice", "invoice", True),
        ("not_contains", "", "z", "abc", True),
        ("starts_with", "user.name", "Ad", {"user": {"name": "Ada"}}, True),
        ("ends_with", "", "!", "hi!", True),
        ("matches", "", r"^\d{3}$", "123", True),
        ("matches", "", "(", "x", False),
        ("gt", "score", 0.5, {"score": 0.7}, True),
        ("gte", "", 2, "2", True),
        ("lt", "", 1, "abc", False),
        ("lte", "", 1, True, False),
        ("is_empty", "missing", None, {"a": 1}, True),
        ("is_not_empty", "", None, [0], True),
        ("is_true", "", None, "yes", True),
        ("is_false", "", None, 0, True),
    ],
)
def test_condition_ops(op: str, field: str, expected: object, value: object, holds: bool) -> None:
    assert evaluate(Condition(field=field, op=op, value=expected), value) is holds


async def test_router_takes_the_first_matching_route() -> None:
    config = router.Config.model_validate({"routes": [{"name": "a", "op": "contains", "value": "x"},
                                                      {"name": "b", "op": "contains", "value": "xy"}]})
    ctx = NodeContext(node_id="r", kind="router")
    assert (await router.execute(config, {"value": "xyz"}, ctx))[BRANCH] == "a"
    assert (await router.execute(config, {"value": "q"}, ctx))[BRANCH] == "default"


async def test_loop_counts_in_its_memory() -> None:
    config = loop.Config(max_iterations=2)
    first = await loop.execute(config, {"value": 1}, NodeContext(node_id="l", kind="loop"))
    assert first[BRANCH] == "continue" and first[MEMORY] == {"iterations": 1}
    third = await loop.execute(config, {"value": 1}, NodeContext(node_id="l", kind="loop", memory={"iterations": 2}))
    assert third[BRANCH] == "done" and third[MEMORY]["iterations"] == 0


async def test_output_and_transform() -> None:
    ctx = NodeContext(node_id="n", kind="k")
    assert await io_output.execute(io_output.Config(name="r"), {"value": 5}, ctx) == {GRAPH_OUTPUTS: {"r": 5}}
    config = transform.Config(template='{"a": {{ data }', output="json")
    with pytest.raises(NodeError, match="transform: the filled template is not valid JSON"):
        await transform.execute(config, {"data": 1}, ctx)


@pytest.mark.parametrize(
    ("answer", "member"),
    [("writer", "writer"), (" Researcher. ", "researcher"), ("I pick the writer now", "writer"),
     ("done", "done"), ("DONE!", "done"), ("no idea", "done"), ("'researcher'", "researcher")],
)
def test_supervisor_reads_the_member_from_the_answer(answer: str, member: str) -> None:
    assert supervisor.pick_member(answer, ["researcher", "writer"]) == member
