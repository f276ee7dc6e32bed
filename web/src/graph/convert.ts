// GraphSpec <-> React Flow nodes and edges. The saved graph keeps only kind, config, label and position.
import type { Edge, Node } from '@xyflow/react';
import type { EdgeSpec, GraphSpec, IOField, NodeSpec } from '../api/types';
import { NODE_HEIGHT_GUESS, NODE_WIDTH } from './geometry';

export type KindNodeData = { kind: string; label: string | null; config: Record<string, unknown> };
export type KindNode = Node<KindNodeData, 'kind'>;
export type FlowEdgeData = { condition: string | null };
export type FlowEdge = Edge<FlowEdgeData>;

export interface GraphMeta {
  id: string;
  name: string;
  description: string;
  inputs: IOField[];
  outputs: IOField[];
}

export function edgeId(source: string, sourcePort: string, target: string, targetPort: string, condition?: string | null) {
  return `${source}.${sourcePort}->${target}.${targetPort}${condition ? `?${condition}` : ''}`;
}

export function toFlowEdge(edge: EdgeSpec): FlowEdge {
  const condition = edge.condition ?? null;
  return {
    id: edgeId(edge.source.node, edge.source.port, edge.target.node, edge.target.port, condition),
    source: edge.source.node,
    sourceHandle: edge.source.port,
    target: edge.target.node,
    targetHandle: edge.target.port,
    label: condition ?? undefined,
    data: { condition },
  };
}

export function toFlowNode(node: NodeSpec): KindNode {
  return {
    id: node.id,
    type: 'kind',
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    data: { kind: node.kind, label: node.label ?? null, config: (node.config ?? {}) as Record<string, unknown> },
    // A size before the first measure lets React Flow skip drawing off-screen nodes from the start.
    initialWidth: NODE_WIDTH,
    initialHeight: NODE_HEIGHT_GUESS,
  };
}

export function specToFlow(spec: GraphSpec): { meta: GraphMeta; nodes: KindNode[]; edges: FlowEdge[] } {
  return {
    meta: {
      id: spec.id ?? '',
      name: spec.name ?? 'Untitled graph',
      description: spec.description ?? '',
      inputs: spec.inputs ?? [],
      outputs: spec.outputs ?? [],
    },
    nodes: (spec.nodes ?? []).map(toFlowNode),
    edges: (spec.edges ?? []).map(toFlowEdge),
  };
}

export function flowToSpec(meta: GraphMeta, nodes: KindNode[], edges: FlowEdge[]): GraphSpec {
  return {
    schema_version: 2,
    id: meta.id,
    name: meta.name,
    description: meta.description,
    nodes: nodes.map((n) => {
      const spec: NodeSpec = {
        id: n.id,
        kind: n.data.kind,
        config: n.data.config,
        position: { x: Math.round(n.position.x * 10) / 10, y: Math.round(n.position.y * 10) / 10 },
      };
      if (n.data.label) spec.label = n.data.label;
      return spec;
    }),
    edges: edges.map((e) => {
      const spec: EdgeSpec = {
        source: { node: e.source, port: e.sourceHandle ?? '' },
        target: { node: e.target, port: e.targetHandle ?? '' },
      };
      if (e.data?.condition) spec.condition = e.data.condition;
      return spec;
    }),
    inputs: meta.inputs,
    outputs: meta.outputs,
  };
}

/** A fresh node id for `kind` that no node in `taken` uses. */
export function freshId(kind: string, taken: Set<string>): string {
  const base = kind.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z_]/, '_').slice(0, 56) || 'node';
  for (let i = 1; ; i += 1) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

export function newGraphId(): string {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `g_${hex}`;
}
