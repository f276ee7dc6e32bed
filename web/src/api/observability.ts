// Run history, traces, metrics and services (roles orchestrator + observability), typed from the generated schema.
import { api, unwrap } from './client';
import type { components } from './schema';
import type { RunPublic } from './runs';

export type TraceSummary = components['schemas']['TraceSummary'];
export type TraceDetail = components['schemas']['TraceDetail'];
export type SpanPublic = components['schemas']['SpanPublic'];
export type MetricsSummary = components['schemas']['MetricsSummary'];
export type ServicesPublic = components['schemas']['ServicesPublic'];
export type WorkerPublic = components['schemas']['WorkerPublic'];

export async function listRuns(graphId: string, limit = 50): Promise<RunPublic[]> {
  const page = unwrap(await api.GET('/api/orchestrator/runs', { params: { query: { graph_id: graphId, limit } } }));
  return page.items;
}

/** The trace of one run, or null when none was recorded (yet). */
export async function traceOfRun(runId: string): Promise<TraceDetail | null> {
  const traces = unwrap(await api.GET('/api/observability/traces', { params: { query: { run_id: runId, limit: 1 } } }));
  if (!traces.length) return null;
  return unwrap(await api.GET('/api/observability/traces/{trace_id}', {
    params: { path: { trace_id: traces[0].trace_id } },
  }));
}

export async function getMetrics(windowMinutes = 60): Promise<MetricsSummary> {
  return unwrap(await api.GET('/api/observability/metrics', { params: { query: { window_minutes: windowMinutes } } }));
}

/** Every service role of this platform and every worker heard from lately (ok or stale). */
export async function getServices(): Promise<ServicesPublic> {
  return unwrap(await api.GET('/api/observability/services'));
}
