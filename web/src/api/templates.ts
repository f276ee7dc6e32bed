// The starter graphs gallery (role agents).
import { api, ApiFailure, unwrap } from './client';
import type { components } from './schema';
import { authHeaders } from './token';
import type { GraphPublic } from './types';

export type TemplateSummary = components['schemas']['TemplateSummary'];

export async function listTemplates(): Promise<TemplateSummary[]> {
  return unwrap(await api.GET('/api/agents/templates'));
}

export async function useTemplate(templateId: string, name?: string): Promise<GraphPublic> {
  return unwrap(await api.POST('/api/agents/templates/{template_id}/use', {
    params: { path: { template_id: templateId } },
    body: name ? { name } : {},
  }));
}

/** The preview picture as an object URL: fetched with the auth header, which a plain <img src> would not send.
 * Shown through <img>, so the SVG never runs scripts in the page. */
export async function previewObjectUrl(previewUrl: string): Promise<string> {
  const response = await fetch(previewUrl, { headers: authHeaders(), credentials: 'same-origin' });
  if (!response.ok) throw new ApiFailure(response.status, `preview failed with HTTP ${response.status}`);
  const text = await response.text();
  return URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
}
