import { useRef, useState } from 'react';
import { exportJson, exportProject, importGraph, saveGraph, startNewGraph, validateCurrent } from '../actions/graphs';
import { useEditor } from '../store/editor';
import { TemplatesDialog } from './TemplatesDialog';
import { UserMenu } from './AuthGate';

export function GraphBar({ onFit, onLayout }: { onFit: () => void; onLayout: () => void | Promise<void> }) {
  const name = useEditor((s) => s.meta.name);
  const dirty = useEditor((s) => s.dirty);
  const version = useEditor((s) => s.version);
  const graphId = useEditor((s) => s.graphId);
  const nodeCount = useEditor((s) => s.nodes.length);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const updateMeta = useEditor((s) => s.updateMeta);
  const fileRef = useRef<HTMLInputElement>(null);
  const [templates, setTemplates] = useState(false);

  return (
    <header className="graphbar">
      <span className="brand">lcnc</span>
      <input
        className="graphbar__name"
        value={name}
        onChange={(e) => updateMeta({ name: e.target.value })}
        aria-label="Graph name"
        data-testid="graph-name"
      />
      <span className="graphbar__state" data-testid="save-state">
        {graphId ? `v${version}` : 'not saved yet'}
        {dirty ? ' • unsaved changes' : graphId ? ' • saved' : ''}
      </span>
      <span className="graphbar__state" data-testid="node-count">{nodeCount} nodes</span>
      <div className="graphbar__actions">
        <button onClick={() => void saveGraph()} className={dirty ? 'primary' : ''} title="Save (Ctrl+S)" data-testid="save">
          Save
        </button>
        <button onClick={startNewGraph} title="Start a new graph">New</button>
        <button onClick={() => setTemplates(true)} title="Start from a starter graph" data-testid="new-from-template">Templates</button>
        <button onClick={() => useEditor.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">Undo</button>
        <button onClick={() => useEditor.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">Redo</button>
        <button onClick={() => void onLayout()} title="Auto-layout (Shift+L)" data-testid="layout">Layout</button>
        <button onClick={onFit} title="Zoom to fit (F)">Fit</button>
        <button onClick={() => void validateCurrent()} title="Check the graph" data-testid="validate">Validate</button>
        <button onClick={() => fileRef.current?.click()} title="Import a graph JSON file">Import</button>
        <input
          ref={fileRef}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) await importGraph(await file.text());
          }}
        />
        <button onClick={exportJson} title="Download the graph as JSON" data-testid="export-json">Export JSON</button>
        <button onClick={() => void exportProject()} title="Download the generated FastAPI project" data-testid="export-project">
          Export project
        </button>
      </div>
      <UserMenu />
      {templates && <TemplatesDialog onClose={() => setTemplates(false)} />}
    </header>
  );
}
