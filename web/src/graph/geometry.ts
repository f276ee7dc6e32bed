// Where the generic node view puts its ports: shared by the view and by the handle positions given to
// React Flow up front (so it need not draw every node once just to measure it, which big graphs cannot afford).
import { Position, type NodeHandle } from '@xyflow/react';
import type { NodeKindPublic } from '../api/types';
import { ports } from './kinds';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT_GUESS = 90;
export const HEAD = 44;
export const ROW = 22;
const HANDLE = 10;
const BORDER_LEFT = 5;
const BORDER = 1;

/** The node's handles as React Flow would measure them from the DOM (see styles.css .kind-node). */
export function nodeHandles(kind: NodeKindPublic | undefined): NodeHandle[] {
  if (!kind) return [];
  const y = (i: number) => BORDER + HEAD + i * ROW + ROW / 2 - HANDLE / 2;
  return [
    ...ports(kind.inputs).map((p, i) => ({
      id: p.name, type: 'target' as const, position: Position.Left,
      x: BORDER_LEFT - HANDLE / 2, y: y(i), width: HANDLE, height: HANDLE,
    })),
    ...ports(kind.outputs).map((p, i) => ({
      id: p.name, type: 'source' as const, position: Position.Right,
      x: NODE_WIDTH - BORDER - HANDLE / 2, y: y(i), width: HANDLE, height: HANDLE,
    })),
  ];
}

export function nodeHeight(kind: NodeKindPublic | undefined, branching: boolean): number {
  const rows = Math.max(ports(kind?.inputs).length, ports(kind?.outputs).length, 1);
  return 2 * BORDER + HEAD + rows * ROW + (branching ? 22 : 6);
}
