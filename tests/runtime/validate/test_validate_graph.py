import copy

import pytest

from runtime.spec import parse_graph
from runtime.validate import compatible, validate_graph
from tests.conftest import fixture_graph, fixture_graph_names


def codes(doc: dict) -> list[tuple[str, str | None]]:
    return [(issue.code, issue.node_id) for issue in validate_graph(parse_graph(doc))]


@pytest.mark.parametrize("name", fixture_graph_names())
def test_fixture_graphs_are_valid(name: str) -> None:
    assert codes(fixture_graph(name)) == []


def test_unknown_kind_names_the_node() -> None:
    doc = fixture_graph("echo")
    doc["nodes"][1]["kind"] = "teleport"
    issues = validate_graph(parse_graph(doc))
    assert issues[0].code == "unknown_kind" and issues[0].node_id == "out" and issues[0].field == "kind"


def test_bad_config_names_node_and_field() -> None:
    doc = fixture_graph("agent_tools")
    doc["nodes"][1]["config"]["max_steps"] = 0
    issue = validate_graph(parse_graph(doc))[0]
    assert (issue.code, issue.node_id, issue.field, issue.level) == ("invalid_config", "agent", "config.max_steps", "error")


def test_missing_required_config_is_incomplete_not_error() -> None:
    doc = fixture_graph("sql_query")
    del doc["nodes"][2]["config"]["query"]
    issue = validate_graph(parse_graph(doc))[0]
    assert (issue.code, issue.node_id, issue.field, issue.level) == ("missing_config", "query", "config.query", "incomplete")


def test_dangling_edge() -> None:
    doc = fixture_graph("echo")
    doc["edges"].append({"source": {"node": "in", "port": "value"}, "target": {"node": "ghost", "port": "value"}})
    assert ("dangling_edge", None) in codes(doc)


def test_port_type_mismatch() -> None:
    doc = fixture_graph("rag")
    # documents -> text port of the llm's prompt is not allowed
    doc["edges"][1] = {"source": {"node": "search", "port": "documents"}, "target": {"node": "answer", "port": "prompt"}}
    assert ("port_type_mismatch", "answer") in codes(doc)


def test_duplicate_ids() -> None:
    doc = fixture_graph("echo")
    doc["nodes"].append(copy.deepcopy(doc["nodes"][0]))
    assert ("duplicate_id", "in") in codes(doc)


def test_unreachable_node() -> None:
    doc = fixture_graph("linear_transform")
    doc["edges"] = [e for e in doc["edges"] if e["target"]["node"] != "greet"]
    found = codes(doc)
    assert ("missing_input", None) not in found
    assert ("unreachable", "greet") not in found  # greet has no required input: a source of its own
    doc2 = fixture_graph("echo")
    doc2["nodes"].append({"id": "orphan", "kind": "output", "config": {"name": "text"}})
    assert ("unreachable", "orphan") in codes(doc2)
    assert ("missing_input", "orphan") in codes(doc2)


def test_cycle_without_a_loop_is_refused_and_with_a_loop_accepted() -> None:
    doc = fixture_graph("linear_transform")
    doc["edges"].append({"source": {"node": "shout", "port": "value"}, "target": {"node": "greet", "port": "data"}})
    assert ("unbounded_cycle", "greet") in codes(doc)
    assert codes(fixture_graph("loop")) == []


def test_branches_must_be_named_on_edges_leaving_branching_nodes() -> None:
    doc = fixture_graph("router")
    doc["edges"][1]["condition"] = "refunds"
    assert ("unknown_branch", "route") in codes(doc)
    del doc["edges"][1]["condition"]
    assert ("missing_condition", "route") in codes(doc)
    echo = fixture_graph("echo")
    echo["edges"][0]["condition"] = "yes"
    assert ("unexpected_condition", "in") in codes(echo)


def test_input_node_must_read_a_declared_input() -> None:
    doc = fixture_graph("echo")
    doc["nodes"][0]["config"]["name"] = "other"
    assert ("undeclared_input", "in") in codes(doc)


def test_port_compatibility_table() -> None:
    assert compatible("number", "text") and compatible("text", "json") and compatible("any", "documents")
    assert not compatible("text", "number") and not compatible("documents", "text")


def test_large_chain_validates_without_recursion() -> None:
    nodes = [{"id": "in", "kind": "input", "config": {"name": "x"}}]
    edges = []
    for i in range(3000):
        nodes.append({"id": f"t{i}", "kind": "transform", "config": {}})
        edges.append({"source": {"node": nodes[-2]["id"], "port": "value"}, "target": {"node": f"t{i}", "port": "data"}})
    edges.append({"source": {"node": "t2999", "port": "value"}, "target": {"node": "t0", "port": "data"}})
    doc = {"nodes": nodes, "edges": edges, "inputs": [{"name": "x"}]}
    assert ("unbounded_cycle", "t0") in codes(doc)
