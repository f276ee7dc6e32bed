// Which port types may feed which: the same table as runtime/validate/ports.py.
export type PortType = 'any' | 'text' | 'number' | 'boolean' | 'json' | 'messages' | 'documents';

const ACCEPTS: Record<string, readonly string[]> = {
  text: ['number', 'boolean'],
  json: ['text', 'number', 'boolean', 'documents', 'messages'],
  number: [],
  boolean: [],
  messages: [],
  documents: [],
};

/** Whether a value of port type `source` may flow into a port of type `target`. */
export function compatible(source: string, target: string): boolean {
  if (source === target || source === 'any' || target === 'any') return true;
  return (ACCEPTS[target] ?? []).includes(source);
}

/** What a target port of this type accepts, in words. */
export function acceptedBy(target: string): string {
  const others = ACCEPTS[target] ?? [];
  return [target, ...others, 'any'].join(', ');
}

export const PORT_COLORS: Record<string, string> = {
  any: '#8a8f98',
  text: '#2f80ed',
  number: '#f2994a',
  boolean: '#9b51e0',
  json: '#27ae60',
  messages: '#eb5757',
  documents: '#b8860b',
};
