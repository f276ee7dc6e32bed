import { useState } from 'react';
import { useEditor } from '../store/editor';

/** Asks which branch an edge leaving a branching node takes. */
export function BranchPicker() {
  const pending = useEditor((s) => s.pendingBranch);
  const [custom, setCustom] = useState('');
  if (!pending) return null;
  const { connection, labels } = pending;
  const choose = (label: string) => {
    const s = useEditor.getState();
    const result = s.connect(connection, label);
    if (!result.ok) s.setNotice({ tone: 'error', text: result.reason ?? 'not connected' });
    s.setPendingBranch(null);
    setCustom('');
  };
  return (
    <div className="modal" role="dialog" aria-label="Choose a branch" data-testid="branch-picker">
      <div className="modal__box">
        <h3>Which branch of “{connection.source}” takes this edge?</h3>
        {labels.length > 0 ? (
          <div className="branch-list">
            {labels.map((l) => (
              <button key={l} onClick={() => choose(l)} data-testid={`branch-${l}`}>{l}</button>
            ))}
          </div>
        ) : (
          <p className="muted">This node has no branches yet: name one (add routes or members in the inspector too).</p>
        )}
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(custom)) choose(custom);
          }}
        >
          <input value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="other branch name" />
          <button type="submit" disabled={!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(custom)}>Use</button>
        </form>
        <button className="link" onClick={() => useEditor.getState().setPendingBranch(null)}>Cancel</button>
      </div>
    </div>
  );
}
