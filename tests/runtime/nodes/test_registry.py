import json

import pytest

from runtime.nodes import KINDS
from runtime.nodes.base import NodeKind
from tests.conftest import fixture_graph, fixture_graph_names

MISSION_KINDS = {
    "input", "output", "llm", "supervisor", "tool", "http", "mcp_tool", "rag_ingest", "rag_retrieve",
    "sql_query", "router", "loop", "transform", "human_approval", "subgraph",
}


def test_every_kind_the_mission_needs_is_registered() -> None:
    assert set(KINDS) == MISSION_KINDS
    assert all(kind.name == name for name, kind in KINDS.items())


@pytest.mark.parametrize("name", sorted(MISSION_KINDS))
def test_each_kind_describes_itself_for_the_editor(name: str) -> None:
    kind: NodeKind = KINDS[name]
    described = json.loads(json.dumps(kind.describe()))
    assert described["description"] and "\n" not in described["description"]
    assert described["config_schema"]["type"] == "object"
    assert described["category"] in {"io", "agents", "tools", "data", "control"}
    assert kind.inputs or kind.outputs


def test_every_kind_has_a_fixture_graph_that_uses_it() -> None:
    used = {node["kind"] for name in fixture_graph_names() for node in fixture_graph(name)["nodes"]}
    assert MISSION_KINDS <= used, f"kinds without a fixture graph: {sorted(MISSION_KINDS - used)}"


def test_branching_kinds_declare_their_branches() -> None:
    assert KINDS["loop"].branch_labels(None) == ["continue", "done"]
    assert KINDS["human_approval"].branch_labels(None) == ["approved", "rejected"]
    router_config = KINDS["router"].config.model_validate(
        {"routes": [{"name": "billing", "op": "contains", "value": "invoice"}], "default": "general"}
    )
    assert KINDS["router"].branch_labels(router_config) == ["billing", "general"]
    assert KINDS["transform"].branch_labels(None) is None


def test_secret_fields_are_marked_for_the_editor() -> None:
    schema = KINDS["llm"].config.model_json_schema()
    secret = schema["properties"]["api_key_secret"]
    assert any(option.get("x-lcnc-widget") == "secret" for option in secret.get("anyOf", [secret]))
