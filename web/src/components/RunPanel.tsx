import { useState } from 'react';
import { answerApproval, runGraph, stopRun } from '../actions/runs';
import type { IOField } from '../api/types';
import { useEditor } from '../store/editor';
import { isTerminal, useRun, type StepView } from '../store/run';

function parseInput(field: IOField, raw: string | boolean | undefined): { value?: unknown; error?: string } {
  const type = field.type ?? 'text';
  if (raw === undefined || raw === '') {
    if (field.required) return { error: `${field.name} is required` };
    return {};
  }
  if (type === 'boolean') return { value: Boolean(raw) };
  const text = String(raw);
  if (type === 'text') return { value: text };
  if (type === 'number') {
    const n = Number(text);
    return Number.isFinite(n) ? { value: n } : { error: `${field.name} must be a number` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    if (type === 'any') return { value: text };
    return { error: `${field.name} must be JSON (${type})` };
  }
}

function show(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function Step({ step }: { step: StepView }) {
  return (
    <li className={`step step--${step.status}`} data-testid={`step-${step.node_id}`} data-status={step.status}>
      <div className="step__head">
        <strong>{step.node_id}</strong> <small className="muted">{step.kind}</small>
        <span className="step__status">{step.status}</span>
        {step.duration_ms !== undefined && <small>{step.duration_ms < 10 ? step.duration_ms.toFixed(1) : Math.round(step.duration_ms)} ms</small>}
        {step.branch && <small className="step__branch">→ {step.branch}</small>}
      </div>
      {step.tokens && <pre className="step__tokens" data-testid="tokens">{step.tokens}</pre>}
      {step.tool_calls.length > 0 && (
        <ul className="step__tools">
          {step.tool_calls.map((c, i) => <li key={i} data-testid="tool-call"><code>{show(c)}</code></li>)}
        </ul>
      )}
      {step.output !== undefined && <pre className="step__output">{show(step.output)}</pre>}
      {step.error && <pre className="error-text">{step.error}</pre>}
    </li>
  );
}

/** Node durations on a time axis, from the run's events. */
function Waterfall({ steps, startedAt }: { steps: StepView[]; startedAt: number | null }) {
  const timed = steps.filter((s) => s.started !== undefined);
  if (!timed.length) return null;
  const t0 = Math.min(startedAt ?? Infinity, ...timed.map((s) => s.started as number));
  const end = Math.max(...timed.map((s) => (s.started as number) - t0 + (s.duration_ms ?? 0) / 1000));
  const total = Math.max(end, 0.001);
  return (
    <div className="waterfall" data-testid="waterfall">
      <h3>Timeline <small className="muted">{(total * 1000).toFixed(0)} ms</small></h3>
      {timed.map((s, i) => {
        const left = (((s.started as number) - t0) / total) * 100;
        const width = (((s.duration_ms ?? 0) / 1000) / total) * 100;
        return (
          <div className="waterfall__row" key={i} title={`${s.node_id}: ${s.duration_ms ?? '…'} ms`}>
            <span>{s.node_id}</span>
            <div className="waterfall__track">
              <div className={`waterfall__bar ${s.status}`} style={{ left: `${Math.min(left, 99.5)}%`, width: `${Math.max(width, 0.5)}%` }} />
            </div>
            <span>{s.duration_ms !== undefined ? `${s.duration_ms < 10 ? s.duration_ms.toFixed(1) : Math.round(s.duration_ms)} ms` : '…'}</span>
          </div>
        );
      })}
    </div>
  );
}

export function RunPanel() {
  const inputs = useEditor((s) => s.meta.inputs);
  const run = useRun();
  const values = useRun((s) => s.inputValues);
  const setValues = useRun((s) => s.setInputValues);
  const [formError, setFormError] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const busy = run.status !== null && !isTerminal(run.status) && run.status !== 'waiting';

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const out: Record<string, unknown> = {};
    for (const field of inputs) {
      const parsed = parseInput(field, values[field.name]);
      if (parsed.error) { setFormError(parsed.error); return; }
      if (parsed.value !== undefined) out[field.name] = parsed.value;
    }
    setFormError(null);
    void runGraph(out);
  };

  return (
    <div className="run-panel" data-testid="run-panel">
      <form onSubmit={submit} className="run-form">
        {inputs.length === 0 && <p className="muted">This graph declares no inputs.</p>}
        {inputs.map((f) => (
          <label key={f.name} className="field">
            <span>{f.name} <em className="muted">{f.type}{f.required ? '' : ', optional'}</em></span>
            {f.type === 'boolean' ? (
              <input type="checkbox" checked={Boolean(values[f.name])}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.checked })} data-testid={`run-input-${f.name}`} />
            ) : f.type === 'number' ? (
              <input type="number" value={String(values[f.name] ?? '')}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} data-testid={`run-input-${f.name}`} />
            ) : (
              <textarea rows={f.type === 'text' ? 2 : 4} value={String(values[f.name] ?? '')}
                placeholder={f.type === 'text' ? f.description || '' : `JSON (${f.type})`}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} data-testid={`run-input-${f.name}`} />
            )}
          </label>
        ))}
        {formError && <p className="error-text">{formError}</p>}
        <div className="row">
          <button type="submit" className="primary" disabled={busy} data-testid="run">Run</button>
          {busy && <button type="button" onClick={() => void stopRun()}>Cancel</button>}
        </div>
      </form>
      {run.status && (
        <p className={`run-status run-status--${run.status}`} data-testid="run-status">
          Run {run.runId ? <code>{run.runId}</code> : null}: <strong>{run.status}</strong>
        </p>
      )}
      {run.error && <pre className="error-text" data-testid="run-error">{run.error}</pre>}
      {run.interrupt && (
        <div className="approval" data-testid="approval">
          <strong>Approval needed{run.interrupt.node_id ? ` at ${String(run.interrupt.node_id)}` : ''}</strong>
          <pre>{show(run.interrupt.prompt ?? run.interrupt.message ?? run.interrupt.payload ?? run.interrupt)}</pre>
          <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="comment (optional)" />
          <div className="row">
            <button className="primary" onClick={() => void answerApproval(true, comment)} data-testid="approve">Approve</button>
            <button onClick={() => void answerApproval(false, comment)} data-testid="reject">Reject</button>
          </div>
        </div>
      )}
      {run.steps.length > 0 && <Waterfall steps={run.steps} startedAt={run.startedAt} />}
      {run.steps.length > 0 && <ol className="steps" data-testid="steps">{run.steps.map((s, i) => <Step key={i} step={s} />)}</ol>}
      {run.outputs && (
        <div className="run-outputs" data-testid="run-outputs">
          <h3>Outputs</h3>
          <pre>{show(run.outputs)}</pre>
        </div>
      )}
    </div>
  );
}
