// Unsaved work is kept in localStorage until the platform has saved it.
import { useEffect, useRef } from 'react';
import type { GraphSpec } from '../api/types';
import { currentSpec, useEditor } from '../store/editor';

const PREFIX = 'lcnc:draft:';

export interface Draft {
  graphId: string | null;
  version: number | null;
  savedAt: number;
  spec: GraphSpec;
}

export function draftKey(graphId: string | null): string {
  return PREFIX + (graphId ?? 'new');
}

export function readDraft(graphId: string | null): Draft | null {
  try {
    const raw = localStorage.getItem(draftKey(graphId));
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

export function clearDraft(graphId: string | null): void {
  try {
    localStorage.removeItem(draftKey(graphId));
  } catch {
    /* storage unavailable: nothing to clear */
  }
}

/** Writes the current graph to localStorage shortly after each unsaved change. */
export function useLocalDraft(delayMs = 600): void {
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    const unsubscribe = useEditor.subscribe((state, prev) => {
      if (!state.dirty) return;
      if (state.nodes === prev.nodes && state.edges === prev.edges && state.meta === prev.meta && state.dirty === prev.dirty) return;
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => {
        const s = useEditor.getState();
        if (!s.dirty) return;
        const draft: Draft = { graphId: s.graphId, version: s.version, savedAt: Date.now(), spec: currentSpec() };
        try {
          localStorage.setItem(draftKey(s.graphId), JSON.stringify(draft));
        } catch {
          s.setNotice({ tone: 'error', text: 'Could not keep a local copy of unsaved work (browser storage full?).' });
        }
      }, delayMs);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer.current);
    };
  }, [delayMs]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (useEditor.getState().dirty) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);
}
