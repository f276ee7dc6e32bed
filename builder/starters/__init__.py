"""The templates gallery: starter graphs (`graphs/<id>.json`), their index (`index.json`: title, description,
category, needs) and an SVG preview drawn from each graph's node positions and edges."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from runtime.nodes.registry import KINDS
from runtime.spec import GraphSpec, parse_graph

HERE = Path(__file__).parent
NODE_W, NODE_H, PAD = 170, 52, 24
# Fill colours by node-kind category (the editor's palette families).
COLOURS = {"io": "#e0f2fe", "agents": "#ede9fe", "tools": "#dcfce7", "data": "#fef9c3", "control": "#fee2e2"}
DEFAULT_COLOUR = "#f1f5f9"


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    description: str
    category: str
    needs: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        spec = load_spec(self.id)
        return {"id": self.id, "title": self.title, "description": self.description, "category": self.category,
                "needs": list(self.needs), "node_count": len(spec.nodes), "kinds": sorted({n.kind for n in spec.nodes}),
                "preview_url": f"/api/agents/templates/{self.id}/preview.svg"}


@lru_cache(maxsize=1)
def templates() -> dict[str, Template]:
    entries = json.loads((HERE / "index.json").read_text(encoding="utf-8"))
    return {e["id"]: Template(e["id"], e["title"], e["description"], e["category"], tuple(e.get("needs", ())))
            for e in entries}


def get_template(template_id: str) -> Template | None:
    return templates().get(template_id)


def load_spec(template_id: str) -> GraphSpec:
    """A fresh copy of the template's graph (KeyError for an unknown id)."""
    if template_id not in templates():
        raise KeyError(template_id)
    return parse_graph(json.loads((HERE / "graphs" / f"{template_id}.json").read_text(encoding="utf-8")))


def _colour(kind: str) -> str:
    node_kind = KINDS.get(kind)
    return COLOURS.get(getattr(node_kind, "category", ""), DEFAULT_COLOUR)


def preview_svg(spec: GraphSpec) -> str:
    """The graph as a picture: a box per node at its position, a curve per edge (labelled with its condition).
    Every string from the graph is XML-escaped."""
    if not spec.nodes:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">'
                '<text x="100" y="45" text-anchor="middle" font-family="sans-serif" font-size="13">empty</text></svg>')
    xs = [n.position.x for n in spec.nodes]
    ys = [n.position.y for n in spec.nodes]
    left, top = min(xs) - PAD, min(ys) - PAD
    width = max(xs) - min(xs) + NODE_W + 2 * PAD
    height = max(ys) - min(ys) + NODE_H + 2 * PAD
    where = {n.id: (n.position.x - left, n.position.y - top) for n in spec.nodes}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
             f'viewBox="0 0 {width:g} {height:g}" role="img" aria-label="{escape(spec.name)}">',
             f"<title>{escape(spec.name)}</title>",
             '<rect width="100%" height="100%" fill="#ffffff"/>',
             '<g fill="none" stroke="#94a3b8" stroke-width="2">']
    labels = []
    for edge in spec.edges:
        if edge.source.node not in where or edge.target.node not in where:
            continue
        sx, sy = where[edge.source.node]
        tx, ty = where[edge.target.node]
        x1, y1, x2, y2 = sx + NODE_W, sy + NODE_H / 2, tx, ty + NODE_H / 2
        bend = max(40.0, abs(x2 - x1) / 2)
        parts.append(f'<path d="M{x1:g},{y1:g} C{x1 + bend:g},{y1:g} {x2 - bend:g},{y2:g} {x2:g},{y2:g}"/>')
        if edge.condition:
            labels.append(f'<text x="{(x1 + x2) / 2:g}" y="{(y1 + y2) / 2 - 4:g}" text-anchor="middle" '
                          f'font-family="sans-serif" font-size="11" fill="#475569">{escape(edge.condition)}</text>')
    parts.append("</g>")
    parts.extend(labels)
    for node in spec.nodes:
        x, y = where[node.id]
        title = node.label or node.id
        parts.append(f'<g><rect x="{x:g}" y="{y:g}" width="{NODE_W}" height="{NODE_H}" rx="8" '
                     f'fill="{_colour(node.kind)}" stroke="#334155" stroke-width="1.5"/>'
                     f'<text x="{x + NODE_W / 2:g}" y="{y + 22:g}" text-anchor="middle" font-family="sans-serif" '
                     f'font-size="13" font-weight="600" fill="#0f172a">{escape(title[:24])}</text>'
                     f'<text x="{x + NODE_W / 2:g}" y="{y + 40:g}" text-anchor="middle" font-family="sans-serif" '
                     f'font-size="11" fill="#475569">{escape(node.kind)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
