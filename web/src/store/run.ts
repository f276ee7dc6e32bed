// The state of the run shown in the run panel, fed by the run's SSE events.
import { create } from 'zustand';

export type NodeRunStatus = 'running' | 'succeeded' | 'failed' | 'waiting';

export interface RunEvent {
  type: string;
  run_id?: string;
  node_id?: string;
  kind?: string;
  ts?: string | number;
  [key: string]: unknown;
}

export interface StepView {
  node_id: string;
  started?: number; // seconds (event ts)
  kind?: string;
  status: NodeRunStatus;
  duration_ms?: number;
  output?: unknown;
  branch?: string;
  error?: string;
  tokens: string;
  tool_calls: unknown[];
}

export interface RunState {
  runId: string | null;
  status: string | null; // queued | running | waiting | succeeded | failed | cancelled
  error: string | null;
  outputs: Record<string, unknown> | null;
  interrupt: Record<string, unknown> | null;
  steps: StepView[];
  startedAt: number | null; // run_started ts, seconds
  inputValues: Record<string, string | boolean>; // what the run form holds, kept across tab switches
  setInputValues: (values: Record<string, string | boolean>) => void;
  nodeStatus: Record<string, NodeRunStatus>;
  log: RunEvent[];
  reset: (runId: string | null, status?: string | null) => void;
  apply: (event: RunEvent) => void;
  setStatus: (patch: Partial<Pick<RunState, 'status' | 'error' | 'outputs' | 'interrupt'>>) => void;
}

function upsertStep(steps: StepView[], nodeId: string, patch: Partial<StepView>, kind?: string): StepView[] {
  // the latest step of this node (a loop body runs several times)
  for (let i = steps.length - 1; i >= 0; i -= 1) {
    if (steps[i].node_id === nodeId) {
      const copy = steps.slice();
      copy[i] = { ...steps[i], ...patch };
      return copy;
    }
  }
  return [...steps, { node_id: nodeId, kind, status: 'running', tokens: '', tool_calls: [], ...patch }];
}

function seconds(ts: unknown): number | undefined {
  if (typeof ts === 'number') return ts;
  if (typeof ts === 'string') {
    const ms = Date.parse(ts);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export const useRun = create<RunState>()((set) => ({
  runId: null,
  status: null,
  error: null,
  outputs: null,
  interrupt: null,
  steps: [],
  startedAt: null,
  inputValues: {},
  nodeStatus: {},
  log: [],

  setInputValues: (inputValues) => set({ inputValues }),

  reset: (runId, status = null) =>
    set({ runId, status, error: null, outputs: null, interrupt: null, steps: [], startedAt: null, nodeStatus: {}, log: [] }),

  setStatus: (patch) => set(patch),

  apply: (event) =>
    set((s) => {
      const log = [...s.log, event].slice(-2000);
      const node = event.node_id;
      switch (event.type) {
        case 'run_started':
          return { log, status: 'running', startedAt: s.startedAt ?? seconds(event.ts) };
        case 'node_started':
          if (!node) return { log };
          return {
            log,
            steps: [...s.steps, {
              node_id: node, kind: event.kind, status: 'running', tokens: '', tool_calls: [], started: seconds(event.ts),
            }],
            nodeStatus: { ...s.nodeStatus, [node]: 'running' },
          };
        case 'node_finished':
          if (!node) return { log };
          return {
            log,
            steps: upsertStep(s.steps, node, {
              status: 'succeeded',
              duration_ms: typeof event.duration_ms === 'number' ? event.duration_ms : undefined,
              output: event.outputs ?? event.output,
              branch: typeof event.branch === 'string' ? event.branch : undefined,
            }, event.kind),
            nodeStatus: { ...s.nodeStatus, [node]: 'succeeded' },
          };
        case 'node_failed':
          if (!node) return { log };
          return {
            log,
            steps: upsertStep(s.steps, node, { status: 'failed', error: String(event.error ?? 'failed') }, event.kind),
            nodeStatus: { ...s.nodeStatus, [node]: 'failed' },
          };
        case 'token': {
          if (!node) return { log };
          const text = String(event.text ?? event.token ?? event.content ?? '');
          const step = [...s.steps].reverse().find((st) => st.node_id === node);
          return { log, steps: upsertStep(s.steps, node, { tokens: (step?.tokens ?? '') + text }, event.kind) };
        }
        case 'tool_call': {
          if (!node) return { log };
          const step = [...s.steps].reverse().find((st) => st.node_id === node);
          const call = { tool: event.tool ?? event.name, arguments: event.arguments, result: event.result ?? event.error };
          return { log, steps: upsertStep(s.steps, node, { tool_calls: [...(step?.tool_calls ?? []), call] }, event.kind) };
        }
        case 'interrupt':
          return {
            log,
            status: 'waiting',
            interrupt: { ...(event as Record<string, unknown>) },
            nodeStatus: node ? { ...s.nodeStatus, [node]: 'waiting' } : s.nodeStatus,
          };
        case 'run_finished':
          return {
            log,
            status: 'succeeded',
            interrupt: null,
            outputs: (event.outputs as Record<string, unknown> | undefined) ?? s.outputs,
          };
        case 'run_failed':
          return { log, status: 'failed', error: String(event.error ?? 'the run failed') };
        case 'run_cancelled':
          return { log, status: 'cancelled' };
        default:
          return { log };
      }
    }),
}));

export function isTerminal(status: string | null): boolean {
  return status !== null && TERMINAL.has(status);
}
