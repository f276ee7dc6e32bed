// Run history of the open graph, the trace of a chosen run as a waterfall, a small metrics summary and the workers.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/client';
import {
  getMetrics, getServices, listRuns, traceOfRun, type MetricsSummary, type ServicesPublic, type SpanPublic, type TraceDetail,
} from '../api/observability';
import type { RunPublic } from '../api/runs';
import { useEditor } from '../store/editor';
import { isTerminal, useRun } from '../store/run';

interface Row { span: SpanPublic; depth: number }

/** Spans depth-first under their parents, each with its depth. */
export function spanRows(spans: SpanPublic[]): Row[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, SpanPublic[]>();
  const roots: SpanPublic[] = [];
  for (const span of spans) {
    if (span.parent_span_id && ids.has(span.parent_span_id)) {
      const list = children.get(span.parent_span_id) ?? [];
      list.push(span);
      children.set(span.parent_span_id, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: SpanPublic, b: SpanPublic) => Date.parse(a.start_time) - Date.parse(b.start_time);
  const out: Row[] = [];
  const walk = (span: SpanPublic, depth: number) => {
    out.push({ span, depth });
    for (const child of (children.get(span.span_id) ?? []).sort(byStart)) walk(child, depth + 1);
  };
  for (const root of roots.sort(byStart)) walk(root, 0);
  return out;
}

const TRACE_LOOKS = 30;
const TRACE_LOOK_EVERY_MS = 1000;
const TRACE_LATE_MS = 60_000;

/**
 * When to look again for the trace of a run that has none stored yet, or null to stop looking. Spans reach
 * the store a moment after they end (each process sends them in batches), so a run that is still going, or
 * that ended within the last minute, is asked for again each second, a bounded number of times.
 */
export function traceRetryDelay(run: Pick<RunPublic, 'status' | 'finished_at'> | undefined, looks: number,
  now: number = Date.now()): number | null {
  if (!run || looks >= TRACE_LOOKS) return null;
  if (!isTerminal(run.status)) return TRACE_LOOK_EVERY_MS;
  if (run.finished_at && now - Date.parse(run.finished_at) < TRACE_LATE_MS) return TRACE_LOOK_EVERY_MS;
  return null;
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function TraceWaterfall({ trace }: { trace: TraceDetail }) {
  const rows = spanRows(trace.spans);
  if (!rows.length) return <p className="muted">This trace has no spans.</p>;
  const t0 = Math.min(...rows.map((r) => Date.parse(r.span.start_time)));
  const end = Math.max(...rows.map((r) => Date.parse(r.span.start_time) - t0 + r.span.duration_ms));
  const total = Math.max(end, 0.001);
  return (
    <div className="waterfall" data-testid="trace-waterfall">
      <h3>Trace <code>{trace.trace_id.slice(0, 12)}</code> <small className="muted">{ms(total)}</small></h3>
      {rows.map(({ span, depth }) => {
        const left = ((Date.parse(span.start_time) - t0) / total) * 100;
        const width = (span.duration_ms / total) * 100;
        return (
          <div className="waterfall__row" key={span.span_id} data-testid="span" data-status={span.status}
            title={`${span.name} (${span.service}): ${ms(span.duration_ms)}${span.status_message ? ` — ${span.status_message}` : ''}`}>
            <span style={{ paddingLeft: depth * 8 }} className="waterfall__name">{span.name}</span>
            <div className="waterfall__track">
              <div className={`waterfall__bar span--${span.status}`}
                style={{ left: `${Math.min(left, 99.5)}%`, width: `${Math.max(width, 0.5)}%` }} />
            </div>
            <span>{ms(span.duration_ms)}</span>
          </div>
        );
      })}
    </div>
  );
}

function Bars({ values, labels, height = 60, testid }: { values: number[]; labels: string[]; height?: number; testid: string }) {
  const max = Math.max(1, ...values);
  const w = 240;
  const bw = values.length ? Math.min(w / values.length, 36) : w;
  return (
    <svg className="chart" viewBox={`0 0 ${w} ${height + 14}`} width="100%" data-testid={testid} role="img">
      {values.map((v, i) => {
        const h = Math.max((v / max) * height, v > 0 ? 1 : 0);
        return (
          <g key={i}>
            <rect x={i * bw + 1} y={height - h} width={Math.max(bw - 2, 1)} height={h} className="chart__bar">
              <title>{`${labels[i]}: ${v}`}</title>
            </rect>
            {values.length <= 6 && <text x={i * bw + bw / 2} y={height + 11} textAnchor="middle" className="chart__label">{labels[i]}</text>}
          </g>
        );
      })}
      <line x1={0} x2={w} y1={height} y2={height} className="chart__axis" />
    </svg>
  );
}

export function MetricsView({ metrics }: { metrics: MetricsSummary }) {
  const lat = metrics.latency_ms;
  const perMinute = metrics.runs_per_minute as { minute: string; runs: number }[];
  return (
    <div className="metrics" data-testid="metrics">
      <div className="metrics__tiles">
        <div><small>runs ({metrics.window_minutes} min)</small><strong data-testid="metric-runs">{metrics.runs}</strong></div>
        <div><small>error rate</small><strong data-testid="metric-error-rate">{(metrics.error_rate * 100).toFixed(1)}%</strong></div>
        <div><small>p50</small><strong data-testid="metric-p50">{ms(lat.p50 ?? 0)}</strong></div>
      </div>
      <small className="muted">Latency percentiles</small>
      <Bars testid="chart-latency" values={['p50', 'p95', 'p99'].map((k) => lat[k] ?? 0)} labels={['p50', 'p95', 'p99']} />
      <small className="muted">Runs per minute</small>
      <Bars testid="chart-runs-per-minute" values={perMinute.map((p) => p.runs)}
        labels={perMinute.map((p) => new Date(p.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }))} />
    </div>
  );
}

/** Workers that execute runs: live ones ("ok") and those not heard from within the staleness window ("stale"). */
export function WorkersView({ services }: { services: ServicesPublic }) {
  if (!services.workers.length) {
    return <p className="muted" data-testid="workers-empty">No worker is running: queued runs wait for `lcnc worker`.</p>;
  }
  return (
    <ul className="worker-list" data-testid="workers">
      {services.workers.map((w) => (
        <li key={w.id} data-testid="worker" data-status={w.status}
          title={`pid ${w.pid} on ${w.host}, started ${new Date(w.started_at).toLocaleString()}${w.metrics_port ? `, metrics on :${w.metrics_port}` : ''}`}>
          <span className={`badge badge--${w.status}`}>{w.status}</span> <code>{w.id}</code>{' '}
          <small className="muted">v{w.version} · {w.queue} · ×{w.concurrency} · seen {Math.round(w.seen_s_ago)} s ago</small>
        </li>
      ))}
    </ul>
  );
}

export function RunsPanel() {
  const graphId = useEditor((s) => s.graphId);
  const lastRunStatus = useRun((s) => s.status);
  const [runs, setRuns] = useState<RunPublic[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [trace, setTrace] = useState<TraceDetail | null | undefined>(undefined);
  const [metrics, setMetrics] = useState<MetricsSummary | null>(null);
  const [services, setServices] = useState<ServicesPublic | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    if (!graphId) return;
    listRuns(graphId).then((r) => { setRuns(r); setError(null); }).catch((e) => setError(describeError(e)));
    getMetrics().then(setMetrics).catch(() => setMetrics(null));
    getServices().then(setServices).catch(() => setServices(null));
  }, [graphId]);
  useEffect(refresh, [refresh, lastRunStatus]);

  const chosen = useRef<string | null>(null);
  const lookAgain = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(lookAgain.current), []);

  const choose = (runId: string) => {
    setSelected(runId);
    setTrace(undefined);
    chosen.current = runId;
    clearTimeout(lookAgain.current);
    const look = (looks: number) => {
      traceOfRun(runId).then((found) => {
        if (chosen.current !== runId) return;
        const delay = found ? null : traceRetryDelay(runs.find((r) => r.id === runId), looks);
        if (delay === null) {
          setTrace(found);
          // The run's spans are stored now: metrics drawn before they were do not count it yet.
          if (found) getMetrics().then(setMetrics).catch(() => undefined);
        } else {
          lookAgain.current = setTimeout(() => look(looks + 1), delay);
        }
      }).catch((e) => {
        if (chosen.current !== runId) return;
        setTrace(null);
        setError(describeError(e));
      });
    };
    look(0);
  };

  if (!graphId) return <p className="muted pad">Save and run the graph to see its runs.</p>;
  return (
    <div className="runs-panel pad" data-testid="runs-panel">
      <div className="row"><h3>Runs</h3><button onClick={refresh} data-testid="runs-refresh">Refresh</button></div>
      {error && <p className="error-text">{error}</p>}
      {runs.length === 0 && <p className="muted" data-testid="runs-empty">No runs of this graph yet.</p>}
      <ul className="run-list" data-testid="run-list">
        {runs.map((r) => (
          <li key={r.id} className={r.id === selected ? 'current' : ''}>
            <button className="linklike" onClick={() => choose(r.id)} data-testid={`run-item-${r.id}`} data-status={r.status}>
              <span className={`badge badge--${r.status}`}>{r.status}</span> v{r.graph_version}{' '}
              <small className="muted">{new Date(r.created_at).toLocaleString()}</small>
            </button>
          </li>
        ))}
      </ul>
      {selected && trace === undefined && <p className="muted">Loading the trace…</p>}
      {selected && trace === null && <p className="muted" data-testid="trace-missing">No trace was recorded for this run.</p>}
      {trace && <TraceWaterfall trace={trace} />}
      <h3>Metrics</h3>
      {metrics ? <MetricsView metrics={metrics} /> : <p className="muted">No metrics.</p>}
      <h3>Workers</h3>
      {services ? <WorkersView services={services} /> : <p className="muted">No worker information.</p>}
    </div>
  );
}
