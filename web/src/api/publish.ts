// Publishing a graph as an agent endpoint, its scoped keys and ready-made call snippets (role agents).
import { api, unwrap } from './client';
import type { components } from './schema';

export type PublishedAgent = components['schemas']['PublishedAgentPublic'];
export type KeyCreated = components['schemas']['KeyCreated'];
export type Snippets = components['schemas']['Snippets'];

export async function publishedOf(graphId: string): Promise<PublishedAgent[]> {
  return unwrap(await api.GET('/api/agents/published', { params: { query: { graph_id: graphId } } }));
}

export async function publish(graphId: string, slug: string, version?: number): Promise<PublishedAgent> {
  return unwrap(await api.POST('/api/agents/published', { body: { graph_id: graphId, slug, version: version ?? null } }));
}

export async function createKey(slug: string, name: string): Promise<KeyCreated> {
  return unwrap(await api.POST('/api/agents/published/{slug}/keys', { params: { path: { slug } }, body: { name, rate_limit_per_minute: 60 } }));
}

export async function getSnippets(slug: string): Promise<Snippets> {
  return unwrap(await api.GET('/api/agents/published/{slug}/snippets', { params: { path: { slug } } }));
}

/** A slug from a graph id: lower-case letters, digits and dashes. */
export function slugFrom(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'agent';
}
