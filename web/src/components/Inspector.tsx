import Form from '@rjsf/core';
import { getDefaultFormState, type ErrorSchema, type RegistryWidgetsType, type RJSFSchema, type UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { memo, useMemo, useState } from 'react';
import { components as openapiComponents } from '../../openapi.json';
import type { IOField } from '../api/types';
import { branchLabels } from '../graph/kinds';
import { formSchema, pruneDefaults, sameConfig } from '../graph/formSchema';
import { useEditor, type Issue } from '../store/editor';
import { SecretWidget } from './SecretWidget';

const widgets: RegistryWidgetsType = { secret: SecretWidget };
const NO_SUBMIT = { 'ui:submitButtonOptions': { norender: true } };

function IssueList({ issues, onPick }: { issues: Issue[]; onPick?: (issue: Issue) => void }) {
  if (!issues.length) return null;
  return (
    <ul className="issues" data-testid="issues">
      {issues.map((issue, i) => (
        <li key={i} className={`issue ${issue.level === 'incomplete' ? 'warn' : 'error'}`}>
          {onPick && issue.node_id ? (
            <button className="link" onClick={() => onPick(issue)}>
              <strong>{issue.node_id}</strong>
              {issue.field ? <code>{issue.field}</code> : null} {issue.message}
            </button>
          ) : (
            <span>
              {issue.node_id ? <strong>{issue.node_id}</strong> : null}
              {issue.field ? <code>{issue.field}</code> : null} {issue.message}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The platform's issues about config fields, shaped as rjsf's extraErrors so the field itself is marked. */
function fieldErrors(issues: Issue[]): ErrorSchema | undefined {
  if (!issues.length) return undefined;
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    const path = (issue.field ?? '').split('.').slice(1).filter(Boolean);
    let at = root;
    for (const part of path) at = (at[part] ??= {}) as Record<string, unknown>;
    ((at.__errors ??= []) as string[]).push(issue.message);
  }
  return root as ErrorSchema;
}

function secretNames(configs: Record<string, unknown>[]): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key = '') => {
    if (typeof value === 'string' && key.includes('secret') && value) found.add(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  configs.forEach((c) => walk(c));
  return [...found].sort();
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  // only the node's data: its position changes every frame while it is dragged
  const data = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const kind = useEditor((s) => (data ? s.kinds[data.kind] : undefined));
  const issues = useEditor((s) => s.issuesByNode[nodeId]) ?? [];
  const updateNode = useEditor((s) => s.updateNode);
  const renameNode = useEditor((s) => s.renameNode);
  const [idDraft, setIdDraft] = useState(nodeId);
  const [idError, setIdError] = useState<string | null>(null);
  const form = useMemo(() => (kind ? formSchema(kind.config_schema as Record<string, unknown>) : null), [kind]);
  const stored = useEditor((s) => s.secretNames);
  const names = useMemo(
    () => stored ?? secretNames(useEditor.getState().nodes.map((n) => n.data.config)),
    [stored, nodeId],
  );
  const uiSchema = useMemo(() => {
    if (!form) return NO_SUBMIT;
    const ui = structuredClone(form.uiSchema) as Record<string, unknown>;
    const addNames = (u: Record<string, unknown>) => {
      for (const v of Object.values(u)) {
        if (v && typeof v === 'object') {
          const o = v as Record<string, unknown>;
          if (o['ui:widget'] === 'secret') o['ui:options'] = { secretNames: names, known: stored !== null };
          addNames(o);
        }
      }
    };
    addNames(ui);
    return { ...ui, ...NO_SUBMIT } as UiSchema;
  }, [form, names, stored]);
  if (!data) return null;
  // what the form shows for the stored config: defaults filled in
  const shown = form ? getDefaultFormState(validator, form.schema as RJSFSchema, data.config) : data.config;
  const fieldIssues = issues.filter((i) => i.field?.startsWith('config'));
  const extraErrors = fieldErrors(fieldIssues);
  return (
    <div className="inspector" data-testid="inspector">
      <h2>{kind?.title ?? data.kind}</h2>
      <p className="muted">{kind?.description}</p>
      <label className="field">
        <span>Id</span>
        <input
          value={idDraft}
          data-testid="node-id"
          onChange={(e) => setIdDraft(e.target.value)}
          onBlur={() => {
            const err = renameNode(nodeId, idDraft);
            setIdError(err);
          }}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
        />
        {idError && <small className="error-text">{idError}</small>}
      </label>
      <label className="field">
        <span>Label</span>
        <input
          value={data.label ?? ''}
          placeholder={kind?.title}
          data-testid="node-label"
          onChange={(e) => updateNode(nodeId, { label: e.target.value || null })}
        />
      </label>
      <IssueList issues={issues} />
      {form ? (
        <Form
          key={nodeId}
          className={`config-form ${fieldIssues.length ? 'has-issues' : ''}`}
          schema={form.schema}
          uiSchema={uiSchema}
          formData={data.config}
          validator={validator}
          widgets={widgets}
          liveValidate
          extraErrors={extraErrors}
          showErrorList={false}
          omitExtraData={false}
          onChange={(e) => {
            // The form reports its defaults-filled data without any edit: store only real changes.
            if (sameConfig(e.formData, shown)) return;
            const config = pruneDefaults((e.formData ?? {}) as Record<string, unknown>, form.schema, data.config);
            if (!sameConfig(config, data.config)) updateNode(nodeId, { config });
          }}
        />
      ) : (
        <p className="error-text">Unknown kind: the platform does not offer '{data.kind}'.</p>
      )}
    </div>
  );
}

function EdgeInspector({ edgeId }: { edgeId: string }) {
  const edge = useEditor((s) => s.edges.find((e) => e.id === edgeId));
  const source = useEditor((s) => (edge ? s.nodes.find((n) => n.id === edge.source) : undefined));
  const kind = useEditor((s) => (source ? s.kinds[source.data.kind] : undefined));
  const setEdgeCondition = useEditor((s) => s.setEdgeCondition);
  if (!edge) return null;
  const labels = source ? branchLabels(kind, source.data.config) : null;
  const condition = edge.data?.condition ?? '';
  const options = labels ? Array.from(new Set([...labels, ...(condition ? [condition] : [])])) : [];
  return (
    <div className="inspector" data-testid="edge-inspector">
      <h2>Connection</h2>
      <p><code>{edge.source}.{edge.sourceHandle}</code> → <code>{edge.target}.{edge.targetHandle}</code></p>
      {labels !== null ? (
        <label className="field">
          <span>Branch (condition)</span>
          <select value={condition} onChange={(e) => setEdgeCondition(edgeId, e.target.value || null)} data-testid="edge-condition">
            <option value="">— choose —</option>
            {options.map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
      ) : (
        <p className="muted">Edges from a {kind?.title ?? 'node'} carry no condition.</p>
      )}
    </div>
  );
}

const ioSchema = (() => {
  const raw = structuredClone((openapiComponents.schemas as Record<string, unknown>).IOField) as Record<string, unknown>;
  const props = raw.properties as Record<string, unknown>;
  delete props.default; // free-form value: not editable as a form field
  delete raw.title;
  return { type: 'array', items: raw } as Record<string, unknown>;
})();

function GraphInspector() {
  const meta = useEditor((s) => s.meta);
  const issues = useEditor((s) => s.issues);
  const updateMeta = useEditor((s) => s.updateMeta);
  const selectOnly = useEditor((s) => s.selectOnly);
  return (
    <div className="inspector" data-testid="graph-inspector">
      <h2>Graph</h2>
      <label className="field">
        <span>Name</span>
        <input value={meta.name} onChange={(e) => updateMeta({ name: e.target.value })} data-testid="graph-name-field" />
      </label>
      <label className="field">
        <span>Description</span>
        <textarea value={meta.description} rows={3} onChange={(e) => updateMeta({ description: e.target.value })} />
      </label>
      <p className="muted">Id <code>{meta.id}</code></p>
      <h3>Problems</h3>
      {issues.length ? (
        <IssueList issues={issues} onPick={(i) => i.node_id && selectOnly(i.node_id)} />
      ) : (
        <p className="muted">None known. Save or validate to check.</p>
      )}
      <h3>Inputs</h3>
      <Form
        schema={ioSchema}
        uiSchema={NO_SUBMIT}
        formData={meta.inputs}
        validator={validator}
        onChange={(e) => updateMeta({ inputs: (e.formData ?? []) as IOField[] })}
        idPrefix="inputs"
      />
      <h3>Outputs</h3>
      <Form
        schema={ioSchema}
        uiSchema={NO_SUBMIT}
        formData={meta.outputs}
        validator={validator}
        onChange={(e) => updateMeta({ outputs: (e.formData ?? []) as IOField[] })}
        idPrefix="outputs"
      />
    </div>
  );
}

function InspectorView() {
  const selectedNodes = useEditor((s) => s.nodes.filter((n) => n.selected).map((n) => n.id).join('\n'));
  const selectedEdge = useEditor((s) => s.edges.find((e) => e.selected)?.id ?? null);
  const ids = selectedNodes ? selectedNodes.split('\n') : [];
  if (ids.length === 1) return <NodeInspector key={ids[0]} nodeId={ids[0]} />;
  if (ids.length > 1) {
    return (
      <div className="inspector" data-testid="multi-inspector">
        <h2>{ids.length} nodes selected</h2>
        <p className="muted">Ctrl+C / Ctrl+V to copy, Delete to remove, drag to move them together.</p>
        <button onClick={() => useEditor.getState().deleteSelected()}>Delete selected</button>
      </div>
    );
  }
  if (selectedEdge) return <EdgeInspector edgeId={selectedEdge} />;
  return <GraphInspector />;
}

export const Inspector = memo(InspectorView);
