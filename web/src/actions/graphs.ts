// Side effects on graphs: API calls whose results go into the editor store.
import { api, ApiFailure, describeError, toFailure, unwrap } from '../api/client';
import type { GraphPublic, GraphSpec, GraphSummary, GraphVersionSummary } from '../api/types';
import { authHeaders } from '../api/token';
import { newGraphId } from '../graph/convert';
import { currentSpec, useEditor } from '../store/editor';
import { clearDraft } from '../hooks/useLocalDraft';

function reportFailure(action: string, error: unknown): void {
  const { setNotice, setIssues } = useEditor.getState();
  if (error instanceof ApiFailure && error.status === 422 && error.errors.length) setIssues(error.errors);
  setNotice({ tone: 'error', text: `${action} failed: ${describeError(error)}` });
}

/** Save the graph: POST the first time, then PUT on top of the version it was opened at. */
export async function saveGraph(opts: { overwrite?: boolean; message?: string } = {}): Promise<boolean> {
  const state = useEditor.getState();
  const spec = currentSpec();
  try {
    let graph: GraphPublic;
    if (state.graphId === null) {
      graph = unwrap(await api.POST('/api/workflow/graphs', { body: spec }));
    } else {
      let base = state.version ?? 1;
      if (opts.overwrite) {
        // Overwrite after a conflict: build on the newest saved version, with my edits.
        const latest = unwrap(await api.GET('/api/workflow/graphs/{graph_id}', { params: { path: { graph_id: state.graphId } } }));
        base = latest.version;
      }
      graph = unwrap(await api.PUT('/api/workflow/graphs/{graph_id}', {
        params: { path: { graph_id: state.graphId } },
        body: { spec, base_version: base, message: opts.message ?? '' },
      }));
    }
    const priorId = state.graphId;
    useEditor.getState().markSaved(graph);
    window.history.replaceState(null, '', `#/graphs/${encodeURIComponent(graph.id)}`);
    clearDraft(priorId ?? 'new');
    clearDraft(graph.id);
    const warn = graph.warnings?.length ?? 0;
    useEditor.getState().setNotice({
      tone: 'ok',
      text: `Saved version ${graph.version}` + (warn ? ` — ${warn} thing(s) to fix before it can run` : ''),
    });
    return true;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 409) {
      useEditor.getState().setConflict({ detail: error.message });
      useEditor.getState().setNotice(null);
      return false;
    }
    reportFailure('Save', error);
    return false;
  }
}

export async function openGraph(graphId: string): Promise<void> {
  try {
    const graph = unwrap(await api.GET('/api/workflow/graphs/{graph_id}', { params: { path: { graph_id: graphId } } }));
    useEditor.getState().loadSaved(graph);
    useEditor.getState().setNotice(null);
    window.history.replaceState(null, '', `#/graphs/${encodeURIComponent(graph.id)}`);
  } catch (error) {
    reportFailure(`Opening '${graphId}'`, error);
  }
}

/** Drop local edits and load the newest saved version (after a conflict). */
export async function reloadGraph(): Promise<void> {
  const id = useEditor.getState().graphId;
  if (id) {
    clearDraft(id);
    await openGraph(id);
  }
}

export async function listGraphs(): Promise<GraphSummary[]> {
  const page = unwrap(await api.GET('/api/workflow/graphs', { params: { query: { limit: 200 } } }));
  return page.items;
}

export async function deleteGraph(graphId: string): Promise<void> {
  const result = await api.DELETE('/api/workflow/graphs/{graph_id}', { params: { path: { graph_id: graphId } } });
  if (!result.response.ok) throw new ApiFailure(result.response.status, 'delete failed');
}

export async function listVersions(graphId: string): Promise<GraphVersionSummary[]> {
  return unwrap(await api.GET('/api/workflow/graphs/{graph_id}/versions', { params: { path: { graph_id: graphId } } }));
}

export async function restoreVersion(version: number): Promise<void> {
  const { graphId, version: base } = useEditor.getState();
  if (!graphId || !base) return;
  try {
    const graph = unwrap(await api.POST('/api/workflow/graphs/{graph_id}/versions/{version}/restore', {
      params: { path: { graph_id: graphId, version }, query: { base_version: base } },
    }));
    useEditor.getState().loadSaved(graph);
    clearDraft(graphId);
    useEditor.getState().setNotice({ tone: 'ok', text: `Restored version ${version} as version ${graph.version}` });
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 409) {
      useEditor.getState().setConflict({ detail: error.message });
      return;
    }
    reportFailure('Restore', error);
  }
}

/** Import a graph document (any schema version): the platform upgrades and stores it. */
export async function importGraph(text: string): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch (error) {
    useEditor.getState().setNotice({ tone: 'error', text: `Import failed: not JSON (${describeError(error)})` });
    return;
  }
  try {
    const graph = unwrap(await api.POST('/api/workflow/graphs/import', { body: body as never }));
    useEditor.getState().loadSaved(graph);
    window.history.replaceState(null, '', `#/graphs/${encodeURIComponent(graph.id)}`);
    useEditor.getState().setNotice({ tone: 'ok', text: `Imported '${graph.name}'` });
  } catch (error) {
    reportFailure('Import', error);
  }
}

export function exportJson(): void {
  const spec = currentSpec();
  download(new Blob([JSON.stringify(spec, null, 2) + '\n'], { type: 'application/json' }), `${spec.id}.json`);
}

/** Check the current (unsaved) graph with the platform's validator. */
export async function validateCurrent(): Promise<void> {
  try {
    const report = unwrap(await api.POST('/api/workflow/graphs/validate', { body: currentSpec() as unknown as Record<string, never> }));
    useEditor.getState().setIssues(report.errors);
    useEditor.getState().setNotice(report.valid
      ? { tone: 'ok', text: 'The graph is valid: it can run and be exported.' }
      : { tone: 'error', text: `${report.errors.length} problem(s): see the marked nodes.` });
  } catch (error) {
    reportFailure('Validation', error);
  }
}

/** Download the generated FastAPI project of the saved graph. */
export async function exportProject(): Promise<void> {
  const { graphId, version, dirty } = useEditor.getState();
  if (!graphId || dirty) {
    if (!(await saveGraph())) return;
  }
  const state = useEditor.getState();
  const url = `/api/workflow/graphs/${encodeURIComponent(state.graphId ?? graphId ?? '')}/project?version=${state.version ?? version}`;
  try {
    const response = await fetch(url, { headers: authHeaders() });
    if (!response.ok) {
      let body: unknown;
      try { body = await response.json(); } catch { body = undefined; }
      throw toFailure(response, body);
    }
    const blob = await response.blob();
    const match = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '');
    download(blob, match?.[1] ?? `${state.graphId}.zip`);
    useEditor.getState().setNotice({ tone: 'ok', text: 'Project downloaded.' });
  } catch (error) {
    reportFailure('Export', error);
  }
}

export function download(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export function startNewGraph(): void {
  useEditor.getState().newGraph();
  window.history.replaceState(null, '', '#/');
}

export function freshSpec(): GraphSpec {
  return { schema_version: 2, id: newGraphId(), name: 'Untitled graph', description: '', nodes: [], edges: [], inputs: [], outputs: [] };
}
