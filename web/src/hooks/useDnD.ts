// Drag a kind from the palette onto the canvas (one hook, as in xyflow's drag-and-drop example).
import { useReactFlow } from '@xyflow/react';
import { useCallback, type DragEvent } from 'react';
import { useEditor } from '../store/editor';

const MIME = 'application/x-lcnc-kind';
let dragged: string | null = null; // fallback for browsers that hide dataTransfer during dragover

export function useDnD() {
  const { screenToFlowPosition } = useReactFlow();
  const addNode = useEditor((s) => s.addNode);

  const onDragStart = useCallback((event: DragEvent, kind: string) => {
    dragged = kind;
    event.dataTransfer.setData(MIME, kind);
    event.dataTransfer.setData('text/plain', kind);
    event.dataTransfer.effectAllowed = 'move';
  }, []);

  const onDragOver = useCallback((event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const kind = event.dataTransfer.getData(MIME) || dragged;
      dragged = null;
      if (!kind) return;
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(kind, { x: position.x - 90, y: position.y - 30 });
    },
    [screenToFlowPosition, addNode],
  );

  /** Add without dragging (keyboard / double click): at the centre of the visible canvas. */
  const addAtCenter = useCallback(
    (kind: string) => {
      const pane = document.querySelector('.react-flow');
      const rect = pane?.getBoundingClientRect();
      const point = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 400, y: 300 };
      const position = screenToFlowPosition(point);
      addNode(kind, { x: position.x - 90, y: position.y - 30 });
    },
    [screenToFlowPosition, addNode],
  );

  return { onDragStart, onDragOver, onDrop, addAtCenter };
}
