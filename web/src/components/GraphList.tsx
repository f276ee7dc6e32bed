import { useCallback, useEffect, useState } from 'react';
import { deleteGraph, listGraphs, openGraph, startNewGraph } from '../actions/graphs';
import { describeError } from '../api/client';
import type { GraphSummary } from '../api/types';
import { useEditor } from '../store/editor';

export function GraphList() {
  const [items, setItems] = useState<GraphSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = useEditor((s) => s.graphId);
  const version = useEditor((s) => s.version);

  const refresh = useCallback(() => {
    listGraphs().then((g) => { setItems(g); setError(null); }).catch((e) => setError(describeError(e)));
  }, []);
  useEffect(refresh, [refresh, current, version]);

  const open = async (id: string) => {
    if (useEditor.getState().dirty && !window.confirm('Discard unsaved changes to this graph? (a local copy is kept)')) return;
    await openGraph(id);
  };

  return (
    <div className="graphlist" data-testid="graph-list">
      <div className="row">
        <button onClick={startNewGraph}>New graph</button>
        <button className="link" onClick={refresh}>Refresh</button>
      </div>
      {error && <p className="error-text">{error}</p>}
      {items?.length === 0 && <p className="muted">No saved graphs yet.</p>}
      <ul>
        {items?.map((g) => (
          <li key={g.id} className={g.id === current ? 'current' : ''}>
            <button className="link graphlist__open" onClick={() => void open(g.id)} data-testid={`open-${g.id}`}>
              <strong>{g.name}</strong>
              <small className="muted">{g.id} · v{g.version} · {new Date(g.updated_at).toLocaleString()}</small>
            </button>
            <button
              className="link danger"
              title="Delete this graph"
              onClick={async () => {
                if (!window.confirm(`Delete '${g.name}' and all its versions?`)) return;
                try { await deleteGraph(g.id); } catch (e) { setError(describeError(e)); }
                if (g.id === current) startNewGraph();
                refresh();
              }}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
