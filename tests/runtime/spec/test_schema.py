from runtime.spec.schema import SCHEMA_PATH, render_schema


def test_committed_json_schema_is_fresh() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "runtime/spec/graph.schema.json is stale: run `lcnc schema --write`"
    )


def test_schema_describes_the_graph_model() -> None:
    import json

    schema = json.loads(render_schema())
    assert set(schema["properties"]) >= {"schema_version", "id", "name", "nodes", "edges", "inputs", "outputs"}
    assert schema["$defs"]["NodeSpec"]["additionalProperties"] is False
