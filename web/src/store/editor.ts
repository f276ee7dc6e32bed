// The editor's state and its pure actions. Side effects (API calls, autosave) live in hooks.
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { create } from 'zustand';
import type { GraphPublic, GraphSpec, IOField, ValidationIssue } from '../api/types';
import type { ApiErrorItem } from '../api/client';
import {
  edgeId,
  flowToSpec,
  freshId,
  newGraphId,
  specToFlow,
  type FlowEdge,
  type GraphMeta,
  type KindNode,
  type KindNodeData,
} from '../graph/convert';
import { NODE_HEIGHT_GUESS, NODE_WIDTH, nodeHandles, nodeHeight } from '../graph/geometry';
import { branchLabels, ports, type KindMap } from '../graph/kinds';
import { acceptedBy, compatible } from '../graph/ports';

export type Issue = Pick<ValidationIssue, 'code' | 'message'> & {
  level?: string | null;
  node_id?: string | null;
  field?: string | null;
  edge_index?: number | null;
};

interface Snapshot {
  meta: GraphMeta;
  nodes: KindNode[];
  edges: FlowEdge[];
}

export interface Notice {
  tone: 'error' | 'info' | 'ok';
  text: string;
}

export interface Conflict {
  detail: string;
}

export interface ConnectResult {
  ok: boolean;
  reason?: string;
  needsBranch?: string[];
}

interface Clipboard {
  nodes: KindNode[];
  edges: FlowEdge[];
}

export interface EditorState {
  kinds: KindMap;
  secretNames: string[] | null; // names of the workspace's stored secrets; null when unknown
  graphId: string | null; // id of the saved graph; null until first save
  version: number | null; // the saved version these edits started from
  meta: GraphMeta;
  nodes: KindNode[];
  edges: FlowEdge[];
  dirty: boolean;
  issues: Issue[];
  issuesByNode: Record<string, Issue[]>;
  past: Snapshot[];
  future: Snapshot[];
  lastRecord: { key: string; at: number } | null;
  clipboard: Clipboard | null;
  notice: Notice | null;
  conflict: Conflict | null;
  pendingBranch: { connection: Connection; labels: string[] } | null;
  // actions
  setKinds: (kinds: KindMap) => void;
  setSecretNames: (names: string[] | null) => void;
  newGraph: () => void;
  loadSpec: (spec: GraphSpec, opts?: { graphId?: string | null; version?: number | null; dirty?: boolean }) => void;
  loadSaved: (graph: GraphPublic) => void;
  markSaved: (graph: GraphPublic) => void;
  record: (key?: string) => void;
  onNodesChange: (changes: NodeChange<KindNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  checkConnection: (connection: Connection) => ConnectResult;
  connect: (connection: Connection, condition?: string | null) => ConnectResult;
  setPendingBranch: (pending: EditorState['pendingBranch']) => void;
  addNode: (kind: string, position: XYPosition) => string | null;
  updateNode: (id: string, patch: Partial<KindNodeData>) => void;
  renameNode: (id: string, newId: string) => string | null;
  setEdgeCondition: (id: string, condition: string | null) => void;
  updateMeta: (patch: Partial<GraphMeta>) => void;
  deleteSelected: () => void;
  selectAll: () => void;
  selectOnly: (nodeId: string) => void;
  copySelection: () => number;
  paste: () => number;
  undo: () => void;
  redo: () => void;
  applyPositions: (positions: Record<string, XYPosition>) => void;
  setIssues: (items: (Issue | ApiErrorItem)[]) => void;
  setNotice: (notice: Notice | null) => void;
  setConflict: (conflict: Conflict | null) => void;
}

const HISTORY_LIMIT = 100;
const COALESCE_MS = 1000;

/** Give nodes their handle positions and size up front, from their kind (see graph/geometry.ts). */
function withGeometry(nodes: KindNode[], kinds: KindMap): KindNode[] {
  if (!Object.keys(kinds).length) return nodes;
  return nodes.map((n) => {
    if (n.handles) return n;
    const kind = kinds[n.data.kind];
    if (!kind) return n;
    const branching = kind.branches != null || kind.dynamic_branches;
    return { ...n, handles: nodeHandles(kind), initialWidth: NODE_WIDTH, initialHeight: nodeHeight(kind, branching) };
  });
}

function emptyMeta(): GraphMeta {
  return { id: newGraphId(), name: 'Untitled graph', description: '', inputs: [], outputs: [] };
}

function indexIssues(issues: Issue[], edges: FlowEdge[]): Record<string, Issue[]> {
  const byNode: Record<string, Issue[]> = {};
  for (const issue of issues) {
    let node = issue.node_id ?? null;
    if (!node && issue.edge_index != null) node = edges[issue.edge_index]?.target ?? null;
    if (!node) continue;
    (byNode[node] ??= []).push(issue);
  }
  return byNode;
}

/** Normalise an error body item (validation issue or pydantic error with `loc`) to an Issue. */
function toIssue(item: Issue | ApiErrorItem, nodes: KindNode[]): Issue {
  const raw = item as ApiErrorItem;
  if (raw.code && raw.message !== undefined) return raw as Issue;
  const loc = raw.loc ?? [];
  const message = raw.msg ?? raw.message ?? 'invalid';
  // pydantic locs like ["body","spec","nodes",3,"config","x"] point at a node by index
  const at = loc.indexOf('nodes');
  let nodeId: string | null = null;
  let field: string | null = null;
  if (at >= 0 && typeof loc[at + 1] === 'number') {
    nodeId = nodes[loc[at + 1] as number]?.id ?? null;
    field = loc.slice(at + 2).join('.') || null;
  }
  return { code: 'invalid', message, level: 'error', node_id: nodeId, field: field ?? (loc.join('.') || null) };
}

export const useEditor = create<EditorState>()((set, get) => ({
  kinds: {},
  secretNames: null,
  graphId: null,
  version: null,
  meta: emptyMeta(),
  nodes: [],
  edges: [],
  dirty: false,
  issues: [],
  issuesByNode: {},
  past: [],
  future: [],
  lastRecord: null,
  clipboard: null,
  notice: null,
  conflict: null,
  pendingBranch: null,

  setKinds: (kinds) => set((s) => ({ kinds, nodes: withGeometry(s.nodes, kinds) })),
  setSecretNames: (secretNames) => set({ secretNames }),

  newGraph: () =>
    set({
      graphId: null, version: null, meta: emptyMeta(), nodes: [], edges: [], dirty: false,
      issues: [], issuesByNode: {}, past: [], future: [], conflict: null, notice: null,
    }),

  loadSpec: (spec, opts = {}) => {
    const { meta, nodes: plain, edges } = specToFlow(spec);
    const nodes = withGeometry(plain, get().kinds);
    set({
      graphId: opts.graphId ?? null, version: opts.version ?? null, meta, nodes, edges, dirty: opts.dirty ?? false,
      issues: [], issuesByNode: {}, past: [], future: [], conflict: null, pendingBranch: null,
    });
  },

  loadSaved: (graph) => {
    get().loadSpec(graph.spec as GraphSpec, { graphId: graph.id, version: graph.version });
    get().setIssues((graph.warnings ?? []) as Issue[]);
  },

  markSaved: (graph) => {
    set({ graphId: graph.id, version: graph.version, dirty: false, conflict: null });
    get().setIssues((graph.warnings ?? []) as Issue[]);
  },

  record: (key) => {
    const { meta, nodes, edges, past, lastRecord } = get();
    const now = Date.now();
    if (key && lastRecord && lastRecord.key === key && now - lastRecord.at < COALESCE_MS) {
      set({ lastRecord: { key, at: now } });
      return;
    }
    set({
      past: [...past.slice(-(HISTORY_LIMIT - 1)), { meta, nodes, edges }],
      future: [],
      lastRecord: key ? { key, at: now } : null,
    });
  },

  onNodesChange: (changes) => {
    const removes = changes.filter((c) => c.type === 'remove');
    if (removes.length) get().record();
    const edits = changes.some((c) => c.type === 'remove' || c.type === 'position' || c.type === 'add');
    const removed = new Set(removes.map((c) => (c as { id: string }).id));
    set((s) => ({
      nodes: applyNodeChanges(changes, s.nodes),
      edges: removed.size ? s.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)) : s.edges,
      dirty: s.dirty || edits,
    }));
  },

  onEdgesChange: (changes) => {
    const removes = changes.some((c) => c.type === 'remove');
    if (removes) get().record();
    set((s) => ({ edges: applyEdgeChanges(changes, s.edges), dirty: s.dirty || removes }));
  },

  checkConnection: (c) => {
    const { nodes, kinds, edges } = get();
    const source = nodes.find((n) => n.id === c.source);
    const target = nodes.find((n) => n.id === c.target);
    if (!source || !target) return { ok: false, reason: 'Both ends must be nodes on the canvas.' };
    if (source.id === target.id) return { ok: false, reason: 'A node cannot feed itself directly.' };
    const sKind = kinds[source.data.kind];
    const tKind = kinds[target.data.kind];
    const out = ports(sKind?.outputs).find((p) => p.name === c.sourceHandle);
    const inp = ports(tKind?.inputs).find((p) => p.name === c.targetHandle);
    if (!out || !inp) return { ok: false, reason: 'Connect an output port to an input port.' };
    if (!compatible(out.type, inp.type)) {
      return {
        ok: false,
        reason: `Cannot connect ${source.id}.${out.name} (${out.type}) to ${target.id}.${inp.name} (${inp.type}): `
          + `a ${inp.type} input accepts ${acceptedBy(inp.type)}.`,
      };
    }
    const labels = branchLabels(sKind, source.data.config);
    if (labels === null) {
      const dup = edges.some((e) => e.source === c.source && e.target === c.target
        && e.sourceHandle === c.sourceHandle && e.targetHandle === c.targetHandle);
      if (dup) return { ok: false, reason: 'These ports are already connected.' };
    }
    return labels === null ? { ok: true } : { ok: true, needsBranch: labels };
  },

  connect: (c, condition = null) => {
    const check = get().checkConnection(c);
    if (!check.ok) return check;
    if (check.needsBranch && !condition) return check;
    const id = edgeId(c.source, c.sourceHandle ?? '', c.target, c.targetHandle ?? '', condition);
    if (get().edges.some((e) => e.id === id)) return { ok: false, reason: 'This connection already exists.' };
    get().record();
    const edge: FlowEdge = {
      id, source: c.source, sourceHandle: c.sourceHandle, target: c.target, targetHandle: c.targetHandle,
      label: condition ?? undefined, data: { condition: condition ?? null },
    };
    set((s) => ({ edges: [...s.edges, edge], dirty: true, pendingBranch: null }));
    return { ok: true };
  },

  setPendingBranch: (pendingBranch) => set({ pendingBranch }),

  addNode: (kindName, position) => {
    const { kinds, nodes, meta } = get();
    const kind = kinds[kindName];
    if (!kind) return null;
    get().record();
    const id = freshId(kindName, new Set(nodes.map((n) => n.id)));
    const config: Record<string, unknown> = {};
    let nextMeta = meta;
    // An input/output node reads a declared graph field: declare a fresh one with it.
    if (kindName === 'input' || kindName === 'output') {
      const list = kindName === 'input' ? meta.inputs : meta.outputs;
      const taken = new Set(list.map((f) => f.name));
      let name = kindName === 'input' ? 'input' : 'output';
      for (let i = 2; taken.has(name); i += 1) name = `${kindName}_${i}`;
      config.name = name;
      const field: IOField = { name, type: 'text', description: '', required: true };
      nextMeta = kindName === 'input' ? { ...meta, inputs: [...meta.inputs, field] } : { ...meta, outputs: [...meta.outputs, field] };
    }
    const [node] = withGeometry([{
      id, type: 'kind', position, data: { kind: kindName, label: null, config }, selected: true,
      initialWidth: NODE_WIDTH, initialHeight: NODE_HEIGHT_GUESS,
    }], kinds);
    set((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      meta: nextMeta,
      dirty: true,
    }));
    return id;
  },

  updateNode: (id, patch) => {
    get().record(`node:${id}`);
    set((s) => ({
      nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)),
      dirty: true,
    }));
  },

  renameNode: (id, newId) => {
    if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(newId)) return 'Use letters, digits, _ and -, starting with a letter or _.';
    if (newId === id) return null;
    if (get().nodes.some((n) => n.id === newId)) return `A node '${newId}' already exists.`;
    get().record();
    set((s) => ({
      nodes: s.nodes.map((n) => (n.id === id ? { ...n, id: newId } : n)),
      edges: s.edges.map((e) => {
        if (e.source !== id && e.target !== id) return e;
        const source = e.source === id ? newId : e.source;
        const target = e.target === id ? newId : e.target;
        return { ...e, source, target, id: edgeId(source, e.sourceHandle ?? '', target, e.targetHandle ?? '', e.data?.condition) };
      }),
      dirty: true,
    }));
    return null;
  },

  setEdgeCondition: (id, condition) => {
    get().record();
    set((s) => ({
      edges: s.edges.map((e) =>
        e.id === id
          ? { ...e, id: edgeId(e.source, e.sourceHandle ?? '', e.target, e.targetHandle ?? '', condition),
              label: condition ?? undefined, data: { condition } }
          : e),
      dirty: true,
    }));
  },

  updateMeta: (patch) => {
    get().record(`meta:${Object.keys(patch).join(',')}`);
    set((s) => ({ meta: { ...s.meta, ...patch }, dirty: true }));
  },

  deleteSelected: () => {
    const { nodes, edges } = get();
    const gone = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
    const edgesLeft = edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
    if (!gone.size && edgesLeft.length === edges.length) return;
    get().record();
    set({ nodes: nodes.filter((n) => !gone.has(n.id)), edges: edgesLeft, dirty: true });
  },

  selectAll: () => set((s) => ({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) })),

  selectOnly: (nodeId) =>
    set((s) => ({
      nodes: s.nodes.map((n) => (n.id === nodeId ? (n.selected ? n : { ...n, selected: true }) : n.selected ? { ...n, selected: false } : n)),
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    })),

  copySelection: () => {
    const { nodes, edges } = get();
    const picked = nodes.filter((n) => n.selected);
    const ids = new Set(picked.map((n) => n.id));
    const inner = edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    if (!picked.length) return 0;
    set({ clipboard: { nodes: structuredClone(picked), edges: structuredClone(inner) } });
    return picked.length;
  },

  paste: () => {
    const { clipboard, nodes } = get();
    if (!clipboard || !clipboard.nodes.length) return 0;
    get().record();
    const taken = new Set(nodes.map((n) => n.id));
    const rename: Record<string, string> = {};
    const fresh: KindNode[] = clipboard.nodes.map((n) => {
      const id = freshId(n.data.kind, taken);
      taken.add(id);
      rename[n.id] = id;
      return { ...structuredClone(n), id, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 } };
    });
    const freshEdges: FlowEdge[] = clipboard.edges.map((e) => {
      const source = rename[e.source];
      const target = rename[e.target];
      return { ...structuredClone(e), source, target, selected: false,
        id: edgeId(source, e.sourceHandle ?? '', target, e.targetHandle ?? '', e.data?.condition) };
    });
    set((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...fresh],
      edges: [...s.edges, ...freshEdges],
      // the next paste lands offset again
      clipboard: { nodes: fresh.map((n) => ({ ...n, selected: false })), edges: freshEdges },
      dirty: true,
    }));
    return fresh.length;
  },

  undo: () => {
    const { past, future, meta, nodes, edges } = get();
    const prev = past[past.length - 1];
    if (!prev) return;
    set({ ...prev, past: past.slice(0, -1), future: [...future, { meta, nodes, edges }], dirty: true, lastRecord: null });
  },

  redo: () => {
    const { past, future, meta, nodes, edges } = get();
    const next = future[future.length - 1];
    if (!next) return;
    set({ ...next, future: future.slice(0, -1), past: [...past, { meta, nodes, edges }], dirty: true, lastRecord: null });
  },

  applyPositions: (positions) => {
    get().record();
    set((s) => ({
      nodes: s.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)),
      dirty: true,
    }));
  },

  setIssues: (items) => {
    const issues = items.map((item) => toIssue(item, get().nodes));
    set({ issues, issuesByNode: indexIssues(issues, get().edges) });
  },

  setNotice: (notice) => set({ notice }),
  setConflict: (conflict) => set({ conflict }),
}));

/** The graph being edited as a GraphSpec. */
export function currentSpec(): GraphSpec {
  const { meta, nodes, edges } = useEditor.getState();
  return flowToSpec(meta, nodes, edges);
}
