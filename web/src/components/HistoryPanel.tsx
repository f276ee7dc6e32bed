import { useEffect, useState } from 'react';
import { listVersions, restoreVersion } from '../actions/graphs';
import { describeError } from '../api/client';
import type { GraphVersionSummary } from '../api/types';
import { useEditor } from '../store/editor';

export function HistoryPanel() {
  const graphId = useEditor((s) => s.graphId);
  const version = useEditor((s) => s.version);
  const [items, setItems] = useState<GraphVersionSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!graphId) return;
    listVersions(graphId).then((v) => { setItems(v); setError(null); }).catch((e) => setError(describeError(e)));
  }, [graphId, version]);
  if (!graphId) return <p className="muted pad">Save the graph to start its history.</p>;
  return (
    <div className="history" data-testid="history">
      {error && <p className="error-text">{error}</p>}
      <ul>
        {[...items].sort((a, b) => b.version - a.version).map((v) => (
          <li key={v.version} className={v.version === version ? 'current' : ''}>
            <div>
              <strong>v{v.version}</strong> <span>{v.message || '—'}</span>
              <br />
              <small className="muted">{new Date(v.created_at).toLocaleString()}{v.created_by ? ` · ${v.created_by}` : ''}</small>
            </div>
            {v.version !== version && (
              <button onClick={() => void restoreVersion(v.version)} data-testid={`restore-${v.version}`}>Restore</button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
