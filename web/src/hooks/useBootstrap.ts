// First load: node kinds, then the graph named in the URL (or a local draft of a new graph).
import { useEffect } from 'react';
import { openGraph } from '../actions/graphs';
import { api, describeError, unwrap } from '../api/client';
import type { GraphSpec } from '../api/types';
import type { KindMap } from '../graph/kinds';
import { useEditor } from '../store/editor';
import { readDraft } from './useLocalDraft';

function restoreDraftIfAny(graphId: string | null): void {
  const draft = readDraft(graphId);
  if (!draft) return;
  const s = useEditor.getState();
  if (graphId === null || draft.version === s.version) {
    s.loadSpec(draft.spec as GraphSpec, { graphId: s.graphId, version: s.version, dirty: true });
    s.setNotice({ tone: 'info', text: 'Restored unsaved changes kept in this browser.' });
  } else {
    s.setNotice({
      tone: 'info',
      text: `This browser keeps unsaved changes based on version ${draft.version}; the graph is now at version ${s.version}. `
        + 'Open the graph list to compare, or keep editing (saving replaces the draft).',
    });
  }
}

export function useBootstrap(): void {
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const match = /^#\/graphs\/([^/?]+)/.exec(window.location.hash);
      // the graph loads while the kinds do (nodes render once both are there)
      const opening = match ? openGraph(decodeURIComponent(match[1])) : null;
      try {
        const kinds = unwrap(await api.GET('/api/workflow/node-kinds'));
        if (cancelled) return;
        const map: KindMap = {};
        for (const k of kinds) map[k.name] = k;
        useEditor.getState().setKinds(map);
      } catch (error) {
        useEditor.getState().setNotice({ tone: 'error', text: `Loading node kinds failed: ${describeError(error)}` });
      }
      // Secret names for the inspector's secret fields; the list is optional (role may be elsewhere).
      api.GET('/api/gateway/secrets').then((r) => {
        if (r.data) useEditor.getState().setSecretNames(r.data.map((secret) => secret.name));
      }).catch(() => undefined);
      if (opening) {
        await opening;
        if (!cancelled) restoreDraftIfAny(useEditor.getState().graphId);
      } else {
        restoreDraftIfAny(null);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);
}
