"""P7: the web editor on big graphs, in headless Chromium.

Opening: time from navigation until the whole graph is in the editor and the nodes on screen are drawn, for
a 1000-node graph (target 2 s), with a 100-node graph measured in the same run as the baseline. The editor
opens a big graph at a readable zoom and draws only what is on screen (React Flow's
onlyRenderVisibleElements), which is what keeps both figures flat as graphs grow. Dragging: requestAnimationFrame intervals
while a node is dragged across the canvas; the p95 frame time with 1000 nodes must stay within 3x of
the p95 with 100 nodes. Both graphs are a chain input -> transforms -> output laid out on a grid, the
shape of the fixture graphs, imported through the graphs API. Builds the web app first when needed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "P7"
OPEN_TARGET_MS = 2000.0
FRAME_RATIO_TARGET = 3.0
SIZES = (100, 1000)
DRAG_MOVES = 90
REPEATS = 3

_RECORD_FRAMES = """() => {
  window.__frames = [];
  window.__recording = true;
  let last = performance.now();
  const tick = (t) => {
    window.__frames.push(t - last);
    last = t;
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def big_graph(size: int) -> dict[str, Any]:
    """A chain of ``size`` nodes on a grid: input, size-2 transforms, output."""
    columns = 25
    nodes: list[dict[str, Any]] = []
    for index in range(size):
        if index == 0:
            node_id, kind, config = "in", "input", {"name": "text"}
        elif index == size - 1:
            node_id, kind, config = "out", "output", {"name": "text"}
        else:
            node_id, kind, config = f"t{index}", "transform", {"template": "{{ data }}."}
        row, col = divmod(index, columns)
        nodes.append({"id": node_id, "kind": kind, "config": config, "position": {"x": col * 280, "y": row * 140}})
    edges = [
        {"source": {"node": a["id"], "port": "value"}, "target": {"node": b["id"], "port": "value" if b["kind"] == "output" else "data"}}
        for a, b in zip(nodes, nodes[1:], strict=False)
    ]
    return {"schema_version": 2, "id": f"bench_{size}", "name": f"{size} nodes", "nodes": nodes, "edges": edges,
            "inputs": [{"name": "text"}], "outputs": [{"name": "text"}]}


def _open(page: Any, graph_id: str, size: int) -> float:
    page.goto("about:blank")
    page.goto(f"/#/graphs/{graph_id}")
    # open = the whole graph is in the editor and the nodes on screen are drawn (measured, visible)
    page.wait_for_function(
        f"document.querySelector('[data-testid=node-count]')?.textContent === '{size} nodes'"
        " && document.querySelectorAll('.react-flow__node').length > 0"
        " && [...document.querySelectorAll('.react-flow__node')].every("
        "      (el) => getComputedStyle(el).visibility !== 'hidden')",
        timeout=60_000, polling="raf",
    )
    return float(page.evaluate("performance.now()"))


def _drag_p95(page: Any) -> float:
    page.wait_for_timeout(500)
    # a node near the middle of the view, so the drag stays on the canvas
    target = page.evaluate("""() => {
      const pane = document.querySelector('.react-flow').getBoundingClientRect();
      const cx = pane.left + pane.width / 2, cy = pane.top + pane.height / 2;
      let best = null, bestD = Infinity;
      for (const el of document.querySelectorAll('.react-flow__node')) {
        const r = el.getBoundingClientRect();
        const d = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
        if (d < bestD) { bestD = d; best = { x: r.left + r.width / 2, y: r.top + 8 }; }
      }
      return best;
    }""")
    page.mouse.move(target["x"], target["y"])
    page.mouse.down()
    page.evaluate(_RECORD_FRAMES)
    for step in range(DRAG_MOVES):
        page.mouse.move(target["x"] + step * 3, target["y"] + (step % 30) * 2)
        page.wait_for_timeout(8)
    page.mouse.up()
    frames = page.evaluate("() => { window.__recording = false; return window.__frames.slice(1); }")
    if len(frames) < 10:
        raise RuntimeError(f"only {len(frames)} frames recorded while dragging")
    return float(statistics.quantiles(frames, n=20)[18])


def measure() -> dict[int, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from tests.web.harness import ensure_web_built, import_graph, launch_chromium, platform

    ensure_web_built()
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="lcnc-p7-") as tmp, platform(Path(tmp) / "data", worker=False) as base:
        ids = {size: import_graph(base, big_graph(size))["id"] for size in SIZES}
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=base)
                page = context.new_page()
                _open(page, ids[SIZES[0]], SIZES[0])  # warm the browser cache for the app bundle
                for size in SIZES:
                    opens = [_open(page, ids[size], size) for _ in range(REPEATS)]
                    drags = [_drag_p95(page) for _ in range(REPEATS)]
                    results[size] = {"open_ms": statistics.median(opens), "p95_ms": statistics.median(drags)}
            finally:
                browser.close()
    return results


def run() -> list[str]:
    started = time.perf_counter()
    results = measure()
    small, big = results[SIZES[0]], results[SIZES[1]]
    ratio = big["p95_ms"] / small["p95_ms"]
    return [
        f"P7: {big['open_ms']:.0f} ms (target <= {OPEN_TARGET_MS:.0f} ms) — {SIZES[1]}-node graph opened, "
        f"navigation to graph shown, median of {REPEATS}; {SIZES[0]}-node baseline {small['open_ms']:.0f} ms",
        f"P7: {ratio:.2f} x (target <= {FRAME_RATIO_TARGET:.0f} x) — p95 frame time dragging a node, "
        f"{SIZES[1]} nodes {big['p95_ms']:.1f} ms vs {SIZES[0]} nodes {small['p95_ms']:.1f} ms "
        f"(headless Chromium, {time.perf_counter() - started:.0f} s)",
    ]


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    for line in run():
        print(line)
