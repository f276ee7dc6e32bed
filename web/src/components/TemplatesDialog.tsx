// "New from template": the starter graphs with their pictures; choosing one creates a draft graph and opens it.
import { useReactFlow } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { describeError } from '../api/client';
import { listTemplates, previewObjectUrl, useTemplate, type TemplateSummary } from '../api/templates';
import { useEditor } from '../store/editor';

function Preview({ template }: { template: TemplateSummary }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    previewObjectUrl(template.preview_url).then((u) => {
      url = u;
      if (live) setSrc(u);
      else URL.revokeObjectURL(u);
    }).catch(() => undefined);
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [template.preview_url]);
  return (
    <div className="template__preview">
      {src ? <img src={src} alt={`${template.title} graph`} data-testid={`template-preview-${template.id}`} /> : <span className="muted">…</span>}
    </div>
  );
}

export function TemplatesDialog({ onClose }: { onClose: () => void }) {
  const [items, setItems] = useState<TemplateSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const { fitView } = useReactFlow();

  useEffect(() => {
    listTemplates().then(setItems).catch((e) => setError(describeError(e)));
  }, []);

  const choose = async (template: TemplateSummary) => {
    setBusy(template.id);
    try {
      const graph = await useTemplate(template.id);
      useEditor.getState().loadSaved(graph);
      useEditor.getState().setNotice({ tone: 'info', text: `Created '${graph.spec.name}' from the template ${template.title}.` });
      window.history.replaceState(null, '', `#/graphs/${encodeURIComponent(graph.id)}`);
      onClose();
      // show the new graph whole once its nodes are measured
      window.setTimeout(() => void fitView({ padding: 0.15, maxZoom: 1.2 }), 150);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  // in <body>: the editor's grid would otherwise place (and clip) a fixed box
  return createPortal(
    <div className="tpl-dialog-backdrop" onClick={onClose}>
      <div className="tpl-dialog" role="dialog" aria-label="New from template" onClick={(e) => e.stopPropagation()} data-testid="templates-dialog">
        <div className="row tpl-dialog__head">
          <h2>New from template</h2>
          <button onClick={onClose} data-testid="templates-close">Close</button>
        </div>
        {error && <p className="error-text">{error}</p>}
        {items === null && !error && <p className="muted">Loading…</p>}
        <div className="templates">
          {items?.map((t) => (
            <div className="template" key={t.id} data-testid={`template-${t.id}`}>
              <Preview template={t} />
              <strong>{t.title}</strong> <small className="muted">{t.category} · {t.node_count} nodes</small>
              <p>{t.description}</p>
              {t.needs.length > 0 && <p className="muted"><small>Needs: {t.needs.join(', ')}</small></p>}
              <button className="primary" disabled={busy !== null} onClick={() => void choose(t)} data-testid={`use-template-${t.id}`}>
                {busy === t.id ? 'Creating…' : 'Use this template'}
              </button>
            </div>
          ))}
        </div>
      </div>
    </div>,
    document.body,
  );
}
