"""Page helpers for the editor: open a graph, drag from the palette, connect ports, read state."""

from __future__ import annotations

from typing import Any


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def handle(page: Any, node_id: str, port: str, side: str) -> Any:
    return node(page, node_id).locator(f'.react-flow__handle.{side}[data-handleid="{port}"]')


def open_graph(page: Any, graph_id: str, wait_for: str | None = None) -> None:
    page.goto(f"/#/graphs/{graph_id}")
    page.wait_for_selector(".react-flow__node" if wait_for is None else f'.react-flow__node[data-id="{wait_for}"]')
    page.wait_for_function("document.querySelector('[data-testid=save-state]').textContent.includes('saved')")


def open_new(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("[data-testid=palette-input]")


def drop_kind(page: Any, kind: str, x: float, y: float) -> None:
    """Drag a kind from the palette onto the canvas at (x, y) relative to the canvas."""
    page.locator(f"[data-testid=palette-{kind}]").drag_to(
        page.locator(".react-flow__pane"), target_position={"x": x, "y": y}
    )


def _center(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "element is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def connect(page: Any, source: str, source_port: str, target: str, target_port: str) -> None:
    sx, sy = _center(handle(page, source, source_port, "source"))
    tx, ty = _center(handle(page, target, target_port, "target"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()


def edge_count(page: Any) -> int:
    return page.locator(".react-flow__edge").count()


def save_state(page: Any) -> str:
    return page.inner_text("[data-testid=save-state]")


def wait_saved(page: Any) -> None:
    page.wait_for_function(
        "(() => { const t = document.querySelector('[data-testid=save-state]').textContent;"
        " return t.includes('saved') && !t.includes('unsaved') && !t.includes('not saved'); })()"
    )
