from builder.reference import REFERENCE_PATH, render_node_reference
from runtime.nodes import KINDS


def test_node_kind_reference_is_fresh() -> None:
    assert REFERENCE_PATH.read_text(encoding="utf-8") == render_node_reference(), (
        "docs/reference/node-kinds.md is stale: run `lcnc docs --write`"
    )


def test_reference_covers_every_kind() -> None:
    text = render_node_reference()
    assert all(f"### `{name}`" in text for name in KINDS)
