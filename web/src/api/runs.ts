// The run API (role orchestrator), typed from the generated OpenAPI schema.
import { api, unwrap } from './client';
import type { components } from './schema';

export type RunPublic = components['schemas']['RunPublic'];
export type RunStatus = RunPublic['status'];

export const EVENT_TYPES = [
  'run_started', 'node_started', 'node_finished', 'node_failed', 'token', 'tool_call', 'interrupt',
  'run_finished', 'run_failed', 'run_cancelled',
] as const;

export async function startRun(body: components['schemas']['RunCreate']): Promise<RunPublic> {
  return unwrap(await api.POST('/api/orchestrator/runs', { body }));
}

export async function getRun(runId: string): Promise<RunPublic> {
  return unwrap(await api.GET('/api/orchestrator/runs/{run_id}', { params: { path: { run_id: runId } } }));
}

export async function resumeRun(runId: string, approved: boolean, comment?: string): Promise<RunPublic> {
  return unwrap(await api.POST('/api/orchestrator/runs/{run_id}/resume', {
    params: { path: { run_id: runId } },
    body: { approved, comment: comment || null },
  }));
}

export async function cancelRun(runId: string): Promise<RunPublic> {
  return unwrap(await api.POST('/api/orchestrator/runs/{run_id}/cancel', { params: { path: { run_id: runId } } }));
}

export function eventsUrl(runId: string): string {
  return `/api/orchestrator/runs/${encodeURIComponent(runId)}/events`;
}
