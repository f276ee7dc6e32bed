// Auto-layout with dagre, left to right.
import dagre from '@dagrejs/dagre';
import type { XYPosition } from '@xyflow/react';
import type { FlowEdge, KindNode } from './convert';

const DEFAULT_W = 200;
const DEFAULT_H = 90;

export function layoutPositions(nodes: KindNode[], edges: FlowEdge[]): Record<string, XYPosition> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    g.setNode(n.id, { width: n.measured?.width ?? DEFAULT_W, height: n.measured?.height ?? DEFAULT_H });
  }
  for (const e of edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out: Record<string, XYPosition> = {};
  for (const n of nodes) {
    const p = g.node(n.id);
    if (!p) continue;
    const w = n.measured?.width ?? DEFAULT_W;
    const h = n.measured?.height ?? DEFAULT_H;
    out[n.id] = { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) };
  }
  return out;
}
