// Start a run of the saved graph and follow its SSE events into the run store.
import { describeError } from '../api/client';
import { cancelRun, EVENT_TYPES, eventsUrl, getRun, resumeRun, startRun, type RunPublic } from '../api/runs';
import { isTerminal, useRun, type RunEvent } from '../store/run';
import { useEditor } from '../store/editor';
import { followSse } from '../api/sse';
import { getToken } from '../api/token';
import { saveGraph } from './graphs';

let source: { close(): void } | null = null;
let lastEventId: string | null = null; // to follow again without replaying what was shown

function close(): void {
  source?.close();
  source = null;
}

function applyRun(run: RunPublic): void {
  useRun.getState().setStatus({
    status: run.status,
    error: run.error,
    outputs: run.outputs ?? null,
    interrupt: run.status === 'waiting' ? (run.interrupt ?? useRun.getState().interrupt) : null,
  });
}

const RUN_END = new Set(['run_finished', 'run_failed', 'run_cancelled']);

/** With a sign-in token: read the stream with fetch (EventSource cannot send the Authorization header). */
function followWithToken(runId: string, after: string | null): void {
  const controller = new AbortController();
  source = { close: () => controller.abort() };
  const url = after ? `${eventsUrl(runId)}?after=${encodeURIComponent(after)}` : eventsUrl(runId);
  const done = () => {
    if (source && !controller.signal.aborted) source = null;
  };
  followSse(url, (m) => {
    if (!(EVENT_TYPES as readonly string[]).includes(m.event)) return;
    let data: RunEvent;
    try {
      data = { ...(JSON.parse(m.data) as object), type: m.event } as RunEvent;
    } catch {
      return;
    }
    if (m.id) lastEventId = m.id;
    useRun.getState().apply(data);
    if (RUN_END.has(m.event)) getRun(runId).then(applyRun).catch(() => undefined);
  }, controller.signal).then(done, () => undefined).finally(() => {
    if (controller.signal.aborted) return;
    // the stream ended or broke: read the run, and follow again from the last event while it is not over
    getRun(runId).then((run) => {
      if (isTerminal(run.status) || run.status === 'waiting') {
        applyRun(run);
        if (source?.close && isTerminal(run.status)) close();
      } else if (!controller.signal.aborted) {
        window.setTimeout(() => { if (!controller.signal.aborted) followWithToken(runId, lastEventId); }, 1000);
      }
    }).catch(() => undefined);
  });
}

function follow(runId: string, after: string | null = null): void {
  close();
  lastEventId = after;
  if (getToken()) {
    followWithToken(runId, after);
    return;
  }
  const es = new EventSource(after ? `${eventsUrl(runId)}?after=${encodeURIComponent(after)}` : eventsUrl(runId));
  source = es;
  for (const type of EVENT_TYPES) {
    es.addEventListener(type, (message) => {
      let data: RunEvent;
      try {
        data = { type, ...(JSON.parse((message as MessageEvent<string>).data) as object) } as RunEvent;
      } catch {
        return;
      }
      data.type = type;
      if ((message as MessageEvent).lastEventId) lastEventId = (message as MessageEvent).lastEventId;
      useRun.getState().apply(data);
      if (type === 'run_finished' || type === 'run_failed' || type === 'run_cancelled') {
        close();
        // the run row has the final outputs
        getRun(runId).then(applyRun).catch(() => undefined);
      }
    });
  }
  es.onerror = () => {
    // EventSource reconnects by itself with Last-Event-ID; stop once the run has ended.
    if (isTerminal(useRun.getState().status)) {
      close();
      return;
    }
    getRun(runId)
      .then((run) => {
        if (isTerminal(run.status)) {
          applyRun(run);
          close();
        }
      })
      .catch(() => undefined);
  };
}

export async function runGraph(inputs: Record<string, unknown>): Promise<void> {
  const editor = useEditor.getState();
  if (!editor.graphId || editor.dirty) {
    if (!(await saveGraph({ message: 'saved to run' }))) return;
  }
  const { graphId, version } = useEditor.getState();
  if (!graphId) return;
  useRun.getState().reset(null, 'queued');
  try {
    const run = await startRun({ graph_id: graphId, version: version ?? undefined, inputs });
    useRun.getState().reset(run.id, run.status);
    follow(run.id);
  } catch (error) {
    useRun.getState().setStatus({ status: 'failed', error: describeError(error) });
    const failure = error as { errors?: unknown[] };
    if (Array.isArray(failure.errors) && failure.errors.length) {
      useEditor.getState().setIssues(failure.errors as never[]);
    }
  }
}

export async function answerApproval(approved: boolean, comment: string): Promise<void> {
  const runId = useRun.getState().runId;
  if (!runId) return;
  try {
    const run = await resumeRun(runId, approved, comment);
    useRun.getState().setStatus({ status: run.status, interrupt: null });
    if (!source) follow(runId, lastEventId);
  } catch (error) {
    useRun.getState().setStatus({ error: describeError(error) });
  }
}

export async function stopRun(): Promise<void> {
  const runId = useRun.getState().runId;
  if (!runId) return;
  try {
    applyRun(await cancelRun(runId));
  } catch (error) {
    useRun.getState().setStatus({ error: describeError(error) });
  }
}
