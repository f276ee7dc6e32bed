// Defined once, outside any component, so React Flow never sees a new object.
import { KindNode } from './KindNode';

export const nodeTypes = { kind: KindNode };
