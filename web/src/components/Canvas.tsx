import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  type Connection,
  type OnConnect,
} from '@xyflow/react';
import { useCallback, useState } from 'react';
import type { FlowEdge, KindNode } from '../graph/convert';
import { useDnD } from '../hooks/useDnD';
import { useEditor } from '../store/editor';
import { nodeTypes } from './nodeTypes';

const DEFAULT_VIEWPORT = { x: 40, y: 40, zoom: 1 };
const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_KEYS = ['Meta', 'Control'];
const minimapColor = (n: KindNode) => (n.selected ? '#2f80ed' : '#c9ced6');

export function Canvas() {
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const onNodesChange = useEditor((s) => s.onNodesChange);
  const onEdgesChange = useEditor((s) => s.onEdgesChange);
  const { onDragOver, onDrop } = useDnD();

  const onConnect: OnConnect = useCallback((connection: Connection) => {
    const s = useEditor.getState();
    const result = s.connect(connection);
    if (!result.ok) {
      s.setNotice({ tone: 'error', text: result.reason ?? 'This connection is not allowed.' });
    } else if (result.needsBranch) {
      s.setPendingBranch({ connection, labels: result.needsBranch });
    }
  }, []);

  // While a node is dragged, edges take no pointer events: hit-testing a thousand SVG paths on every
  // mouse move costs more than the drag itself.
  const [dragging, setDragging] = useState(false);
  const onNodeDragStart = useCallback(() => {
    useEditor.getState().record();
    setDragging(true);
  }, []);
  const onNodeDragStop = useCallback(() => setDragging(false), []);

  return (
    <div className={`canvas${dragging ? ' is-dragging' : ''}`} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<KindNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onlyRenderVisibleElements
        deleteKeyCode={DELETE_KEYS}
        multiSelectionKeyCode={MULTI_KEYS}
        defaultViewport={DEFAULT_VIEWPORT}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap<KindNode> nodeColor={minimapColor} pannable zoomable />
        <Controls />
      </ReactFlow>
    </div>
  );
}
