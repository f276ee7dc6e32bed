import { describe, expect, it } from 'vitest';
import { slugFrom } from '../api/publish';
import { spanRows, traceRetryDelay } from './RunsPanel';

const span = (span_id: string, parent: string | null, start: string) => ({
  span_id, parent_span_id: parent, trace_id: 't', name: span_id, service: 's', start_time: start, duration_ms: 1,
  status: 'ok', status_message: '', attributes: {}, events: [],
});

describe('spanRows', () => {
  it('puts children under their parent in start order, with depths', () => {
    const rows = spanRows([
      span('b', 'root', '2026-01-01T00:00:02Z'),
      span('root', null, '2026-01-01T00:00:00Z'),
      span('a', 'root', '2026-01-01T00:00:01Z'),
      span('a1', 'a', '2026-01-01T00:00:01.5Z'),
      span('orphan', 'missing', '2026-01-01T00:00:03Z'),
    ]);
    expect(rows.map((r) => [r.span.span_id, r.depth])).toEqual([['root', 0], ['a', 1], ['a1', 2], ['b', 1], ['orphan', 0]]);
  });
});

describe('slugFrom', () => {
  it('makes a slug of a graph id', () => {
    expect(slugFrom('Web_UseIt__2')).toBe('web-useit-2');
    expect(slugFrom('___')).toBe('agent');
  });
});

describe('traceRetryDelay', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  it('looks again each second for a run that is going or ended within the last minute', () => {
    expect(traceRetryDelay({ status: 'running', finished_at: null }, 0, now)).toBe(1000);
    expect(traceRetryDelay({ status: 'succeeded', finished_at: '2026-01-01T00:09:59Z' }, 3, now)).toBe(1000);
  });
  it('stops for an older run, after enough looks, or without the run', () => {
    expect(traceRetryDelay({ status: 'succeeded', finished_at: '2026-01-01T00:05:00Z' }, 0, now)).toBeNull();
    expect(traceRetryDelay({ status: 'running', finished_at: null }, 30, now)).toBeNull();
    expect(traceRetryDelay(undefined, 0, now)).toBeNull();
  });
});
