import { beforeEach, describe, expect, it } from 'vitest';
import type { NodeKindPublic } from '../api/types';
import { flowToSpec, specToFlow } from '../graph/convert';
import { currentSpec, useEditor } from './editor';

function kind(name: string, inputs: [string, string][], outputs: [string, string][], extra: Partial<NodeKindPublic> = {}): NodeKindPublic {
  return {
    name, title: name, category: 'control', description: '', config_schema: {},
    inputs: inputs.map(([n, t]) => ({ name: n, type: t, required: true, description: '' })),
    outputs: outputs.map(([n, t]) => ({ name: n, type: t, required: true, description: '' })),
    branches: null, dynamic_branches: false, bounds_cycles: false, ...extra,
  };
}

const KINDS = {
  input: kind('input', [], [['value', 'any']]),
  llm: kind('llm', [['prompt', 'text']], [['text', 'text'], ['messages', 'messages']]),
  router: kind('router', [['value', 'any']], [['value', 'any']], { dynamic_branches: true }),
  loop: kind('loop', [['value', 'any']], [['value', 'any']], { branches: ['continue', 'done'] }),
};

beforeEach(() => {
  useEditor.getState().newGraph();
  useEditor.getState().setKinds(KINDS);
});

describe('editor store', () => {
  it('adds nodes with fresh ids and declares graph inputs', () => {
    const s = useEditor.getState();
    expect(s.addNode('input', { x: 0, y: 0 })).toBe('input_1');
    expect(s.addNode('input', { x: 0, y: 0 })).toBe('input_2');
    const spec = currentSpec();
    expect(spec.inputs?.map((f) => f.name)).toEqual(['input', 'input_2']);
    expect(spec.nodes?.map((n) => n.config)).toEqual([{ name: 'input' }, { name: 'input_2' }]);
  });

  it('refuses incompatible ports with a reason and asks branching nodes for a branch', () => {
    const s = useEditor.getState();
    s.addNode('llm', { x: 0, y: 0 });
    s.addNode('llm', { x: 300, y: 0 });
    const bad = s.connect({ source: 'llm_1', sourceHandle: 'messages', target: 'llm_2', targetHandle: 'prompt' });
    expect(bad.ok).toBe(false);
    expect(bad.reason).toContain('a text input accepts text, number, boolean, any');
    expect(useEditor.getState().edges).toHaveLength(0);
    expect(s.connect({ source: 'llm_1', sourceHandle: 'text', target: 'llm_2', targetHandle: 'prompt' }).ok).toBe(true);

    s.addNode('router', { x: 0, y: 200 });
    s.updateNode('router_1', { config: { routes: [{ name: 'billing' }], default: 'general' } });
    const pending = s.connect({ source: 'router_1', sourceHandle: 'value', target: 'llm_1', targetHandle: 'prompt' });
    expect(pending.needsBranch).toEqual(['billing', 'general']);
    expect(s.connect({ source: 'router_1', sourceHandle: 'value', target: 'llm_1', targetHandle: 'prompt' }, 'billing').ok).toBe(true);
    expect(currentSpec().edges?.find((e) => e.source.node === 'router_1')?.condition).toBe('billing');
  });

  it('undoes and redoes, copies and pastes with fresh ids and inner edges', () => {
    const s = useEditor.getState();
    s.addNode('loop', { x: 0, y: 0 });
    s.addNode('loop', { x: 300, y: 0 });
    s.connect({ source: 'loop_1', sourceHandle: 'value', target: 'loop_2', targetHandle: 'value' }, 'continue');
    s.selectAll();
    expect(s.copySelection()).toBe(2);
    expect(s.paste()).toBe(2);
    let state = useEditor.getState();
    expect(state.nodes.map((n) => n.id)).toEqual(['loop_1', 'loop_2', 'loop_3', 'loop_4']);
    expect(state.edges.map((e) => [e.source, e.target, e.data?.condition])).toContainEqual(['loop_3', 'loop_4', 'continue']);
    s.undo();
    state = useEditor.getState();
    expect(state.nodes).toHaveLength(2);
    s.redo();
    expect(useEditor.getState().nodes).toHaveLength(4);
  });

  it('renames a node and its edges', () => {
    const s = useEditor.getState();
    s.addNode('loop', { x: 0, y: 0 });
    s.addNode('loop', { x: 300, y: 0 });
    s.connect({ source: 'loop_1', sourceHandle: 'value', target: 'loop_2', targetHandle: 'value' }, 'done');
    expect(s.renameNode('loop_1', 'bad id')).toMatch(/letters/);
    expect(s.renameNode('loop_1', 'loop_2')).toMatch(/already exists/);
    expect(s.renameNode('loop_1', 'first')).toBeNull();
    expect(currentSpec().edges?.[0].source.node).toBe('first');
  });

  it('keeps the saved shape small when converting back and forth', () => {
    const spec = {
      schema_version: 2 as const, id: 'g', name: 'G', description: '', inputs: [], outputs: [],
      nodes: [{ id: 'a', kind: 'loop', config: { max: 3 }, position: { x: 1, y: 2 }, label: 'A' }],
      edges: [{ source: { node: 'a', port: 'value' }, target: { node: 'a', port: 'value' }, condition: 'continue' }],
    };
    const { meta, nodes, edges } = specToFlow(spec);
    expect(flowToSpec(meta, nodes, edges)).toEqual(spec);
  });

  it('maps API issues, including pydantic locations, to nodes', () => {
    const s = useEditor.getState();
    s.addNode('loop', { x: 0, y: 0 });
    s.setIssues([
      { code: 'missing_config', message: 'x', level: 'incomplete', node_id: 'loop_1', field: 'config.max' },
      { loc: ['body', 'spec', 'nodes', 0, 'config', 'max'], msg: 'bad' },
    ]);
    const byNode = useEditor.getState().issuesByNode.loop_1;
    expect(byNode).toHaveLength(2);
    expect(byNode[1].field).toBe('config.max');
  });
});
