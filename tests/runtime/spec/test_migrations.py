import pytest

from runtime.spec import SCHEMA_VERSION, DocumentError, parse_graph, upgrade
from tests.conftest import GRAPHS, fixture_graph


def test_every_old_fixture_keeps_loading() -> None:
    old = sorted(path for path in GRAPHS.glob("v*/*.json"))
    assert old, "keep at least one fixture of every old schema version"
    for path in old:
        spec = parse_graph(__import__("json").loads(path.read_text()))
        assert spec.schema_version == SCHEMA_VERSION


def test_version_1_is_upgraded_to_the_same_graph_as_version_2() -> None:
    v1 = parse_graph(fixture_graph("v1/greeting_v1"))
    assert [n.kind for n in v1.nodes] == ["input", "transform", "output"]
    assert [(e.source.node, e.source.port, e.target.node, e.target.port) for e in v1.edges] == [
        ("in", "value", "greet", "data"),
        ("greet", "value", "out", "value"),
    ]


def test_upgrade_does_not_change_its_input() -> None:
    doc = fixture_graph("v1/greeting_v1")
    before = repr(doc)
    upgrade(doc)
    assert repr(doc) == before


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"schema_version": 99}, "newer than"),
        ({"schema_version": 0}, "not a known version"),
        ({"schema_version": "2"}, "must be an integer"),
        ([], "must be a JSON object"),
        ({"schema_version": 1, "edges": [{"source": "nodot", "target": "b.x"}]}, "expected 'node.port'"),
    ],
)
def test_unreadable_versions_say_why(doc: object, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        upgrade(doc)
