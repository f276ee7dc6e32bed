import { describe, expect, it } from 'vitest';
import type { KeyPublic, PublishedAgent } from '../api/publish';
import { keyStatus, keyUsage, pickAgent, rollbackChoices } from './AgentLifecycle';

const agent = (slug: string, status: 'published' | 'archived', version: number, history: Record<string, unknown>[] = [],
  published_versions: number[] = [version]): PublishedAgent => ({
  slug, graph_id: 'g', version, status, published_versions, history, endpoint: `/api/agents/${slug}/run`,
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
});

const key = (over: Partial<KeyPublic> = {}): KeyPublic => ({
  id: 'k', name: 'app', prefix: 'abc', rate_limit_per_minute: 60, request_count: 0, run_count: 0,
  created_at: '2026-01-01T00:00:00Z', last_used_at: null, revoked_at: null, ...over,
});

describe('pickAgent', () => {
  const old = agent('old', 'archived', 1);
  const live = agent('live', 'published', 2);
  it('prefers the chosen slug, then a live agent, then the latest archived one', () => {
    expect(pickAgent([old, live], 'old')?.slug).toBe('old');
    expect(pickAgent([old, live], null)?.slug).toBe('live');
    expect(pickAgent([old, live], 'gone')?.slug).toBe('live');
    expect(pickAgent([old], null)?.slug).toBe('old');
    expect(pickAgent([], null)).toBeNull();
  });
});

describe('rollbackChoices', () => {
  it('lists the other published versions, newest first, with when each was last pinned', () => {
    const a = agent('a', 'published', 2, [
      { action: 'publish', version: 1, at: '2026-01-01T00:00:00Z' },
      { action: 'pin', version: 3, at: '2026-01-02T00:00:00Z' },
      { action: 'rollback', version: 1, at: '2026-01-03T00:00:00Z' },
      { action: 'unpublish', version: 1, at: '2026-01-04T00:00:00Z' },
      { action: 'pin', version: 2, at: '2026-01-05T00:00:00Z' },
    ], [1, 3, 2]);
    expect(rollbackChoices(a)).toEqual([
      { version: 3, at: '2026-01-02T00:00:00Z' },
      { version: 1, at: '2026-01-03T00:00:00Z' },
    ]);
  });
  it('is empty when only the pinned version was ever published', () => {
    expect(rollbackChoices(agent('a', 'published', 1, [{ action: 'publish', version: 1, at: 'x' }]))).toEqual([]);
  });
});

describe('keys', () => {
  it('tells a revoked key from an active one', () => {
    expect(keyStatus(key())).toBe('active');
    expect(keyStatus(key({ revoked_at: '2026-01-02T00:00:00Z' }))).toBe('revoked');
  });
  it('describes the usage', () => {
    expect(keyUsage(key())).toBe('0 requests · 0 runs · never used');
    expect(keyUsage(key({ request_count: 1, run_count: 1, last_used_at: 'T' }), (iso) => `at ${iso}`))
      .toBe('1 request · 1 run · last used at T');
  });
});
