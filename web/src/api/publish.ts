// Publishing a graph as an agent endpoint, its scoped keys and ready-made call snippets (role agents).
import { api, unwrap } from './client';
import type { components } from './schema';

export type PublishedAgent = components['schemas']['PublishedAgentPublic'];
export type KeyCreated = components['schemas']['KeyCreated'];
export type Snippets = components['schemas']['Snippets'];
export type KeyPublic = components['schemas']['KeyPublic'];
export type LifecycleState = components['schemas']['LifecycleState'];

export async function publish(graphId: string, slug: string, version?: number): Promise<PublishedAgent> {
  return unwrap(await api.POST('/api/agents/published', { body: { graph_id: graphId, slug, version: version ?? null } }));
}

export async function createKey(slug: string, name: string): Promise<KeyCreated> {
  return unwrap(await api.POST('/api/agents/published/{slug}/keys', { params: { path: { slug } }, body: { name, rate_limit_per_minute: 60 } }));
}

export async function listKeys(slug: string): Promise<KeyPublic[]> {
  return unwrap(await api.GET('/api/agents/published/{slug}/keys', { params: { path: { slug } } }));
}

export async function revokeKey(slug: string, keyId: string): Promise<KeyPublic> {
  return unwrap(await api.DELETE('/api/agents/published/{slug}/keys/{key_id}', { params: { path: { slug, key_id: keyId } } }));
}

/** Re-pin an earlier published version (the previous one when ``version`` is omitted). */
export async function rollbackTo(slug: string, version?: number): Promise<PublishedAgent> {
  return unwrap(await api.POST('/api/agents/published/{slug}/rollback', { params: { path: { slug } }, body: { version: version ?? null } }));
}

/** Archive the agent: its endpoint stops answering; publishing the slug again revives it. */
export async function unpublish(slug: string): Promise<PublishedAgent> {
  return unwrap(await api.POST('/api/agents/published/{slug}/unpublish', { params: { path: { slug } } }));
}

/** Whether the graph is a draft, published or archived, with its agents (latest change first). */
export async function lifecycleOf(graphId: string): Promise<LifecycleState> {
  return unwrap(await api.GET('/api/agents/graphs/{graph_id}/lifecycle', { params: { path: { graph_id: graphId } } }));
}

export async function getSnippets(slug: string): Promise<Snippets> {
  return unwrap(await api.GET('/api/agents/published/{slug}/snippets', { params: { path: { slug } } }));
}

/** A slug from a graph id: lower-case letters, digits and dashes. */
export function slugFrom(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'agent';
}
