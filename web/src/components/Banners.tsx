import { reloadGraph, saveGraph } from '../actions/graphs';
import { useEditor } from '../store/editor';

export function NoticeBar() {
  const notice = useEditor((s) => s.notice);
  if (!notice) return null;
  return (
    <div className={`notice notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="notice">
      <span>{notice.text}</span>
      <button className="link" onClick={() => useEditor.getState().setNotice(null)} aria-label="Dismiss">✕</button>
    </div>
  );
}

export function ConflictBar() {
  const conflict = useEditor((s) => s.conflict);
  if (!conflict) return null;
  return (
    <div className="notice notice--error conflict" role="alert" data-testid="conflict">
      <div>
        <strong>Someone else saved this graph meanwhile.</strong> {conflict.detail}
        <br />
        Your edits are still here (and kept in this browser). Choose:
      </div>
      <div className="row">
        <button onClick={() => void reloadGraph()} data-testid="conflict-reload">Load their version (drop mine)</button>
        <button onClick={() => void saveGraph({ overwrite: true, message: 'overwrote a concurrent save' })} data-testid="conflict-overwrite">
          Save mine over theirs
        </button>
        <button className="link" onClick={() => useEditor.getState().setConflict(null)}>Keep editing</button>
      </div>
    </div>
  );
}
