import { describe, expect, it } from 'vitest';
import { parseSse } from './sse';

describe('parseSse', () => {
  it('splits events, keeps the unfinished rest and skips comments', () => {
    const { messages, rest } = parseSse('id: 1\nevent: preflight\ndata: {"ok":true}\n\n: keep-alive\n\nevent: end\ndata: {}\n\nevent: par');
    expect(messages).toEqual([
      { id: '1', event: 'preflight', data: '{"ok":true}' },
      { id: undefined, event: 'end', data: '{}' },
    ]);
    expect(rest).toBe('event: par');
  });
});
