import pytest
from pydantic import ValidationError

from runtime.spec import GraphSpec, NodeSpec, parse_graph
from tests.conftest import fixture_graph, fixture_graph_names


@pytest.mark.parametrize("name", fixture_graph_names())
def test_every_fixture_round_trips_unchanged(name: str) -> None:
    doc = fixture_graph(name)
    spec = parse_graph(doc)
    assert parse_graph(spec.model_dump(mode="json")) == spec
    assert [(n["id"], n["kind"], n["config"]) for n in doc["nodes"]] == [(n.id, n.kind, n.config) for n in spec.nodes]
    assert len(spec.edges) == len(doc["edges"])


def test_a_node_holds_only_kind_config_and_position() -> None:
    with pytest.raises(ValidationError) as info:
        NodeSpec.model_validate({"id": "a", "kind": "transform", "code": "import os"})
    assert "code" in str(info.value)


@pytest.mark.parametrize("bad_id", ['a"b', "a\nb", "1abc", "", "x" * 65, "a b", "a.b", "'; DROP TABLE"])
def test_ids_with_quotes_newlines_or_spaces_are_refused(bad_id: str) -> None:
    with pytest.raises(ValidationError) as info:
        GraphSpec.model_validate({"nodes": [{"id": bad_id, "kind": "input"}]})
    assert info.value.errors()[0]["loc"] == ("nodes", 0, "id")


def test_declared_input_names_are_unique() -> None:
    with pytest.raises(ValidationError, match="declared twice"):
        GraphSpec.model_validate({"inputs": [{"name": "q"}, {"name": "q"}]})


def test_config_nesting_is_bounded() -> None:
    config: dict = {}
    inner = config
    for _ in range(40):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ValidationError, match="nested deeper"):
        NodeSpec.model_validate({"id": "a", "kind": "transform", "config": config})


def test_new_graph_gets_an_id_and_the_current_version() -> None:
    spec = GraphSpec()
    assert spec.schema_version == 2
    assert spec.id.startswith("g_")
