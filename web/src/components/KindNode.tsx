import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { KindNode as KindNodeType } from '../graph/convert';
import { HEAD, ROW } from '../graph/geometry';
import { branchLabels, ports } from '../graph/kinds';
import { PORT_COLORS } from '../graph/ports';
import { useEditor } from '../store/editor';
import { useRun } from '../store/run';


/** The one generic node view: title, typed ports, branch labels, validation and run state. */
function KindNodeView({ id, data, selected }: NodeProps<KindNodeType>) {
  const kind = useEditor((s) => s.kinds[data.kind]);
  const issues = useEditor((s) => s.issuesByNode[id]);
  const runStatus = useRun((s) => s.nodeStatus[id]);
  const inputs = ports(kind?.inputs);
  const outputs = ports(kind?.outputs);
  const branches = branchLabels(kind, data.config);
  const rows = Math.max(inputs.length, outputs.length, 1);
  const errorCount = issues?.filter((i) => i.level !== 'incomplete').length ?? 0;
  const classes = [
    'kind-node',
    `cat-${kind?.category ?? 'unknown'}`,
    selected ? 'selected' : '',
    issues?.length ? (errorCount ? 'has-error' : 'has-warning') : '',
    runStatus ? `run-${runStatus}` : '',
  ].join(' ');
  return (
    <div
      className={classes}
      style={{ minHeight: HEAD + rows * ROW + (branches?.length ? 22 : 6) }}
      data-testid={`node-${id}`}
      data-kind={data.kind}
      data-run-status={runStatus ?? ''}
      data-issues={issues?.length ?? 0}
      title={issues?.map((i) => `${i.field ? i.field + ': ' : ''}${i.message}`).join('\n') || undefined}
    >
      <div className="kind-node__head">
        <span className="kind-node__title">{data.label || kind?.title || data.kind}</span>
        <span className="kind-node__id">{id}</span>
        {issues?.length ? <span className="kind-node__badge" aria-label="problems">{issues.length}</span> : null}
      </div>
      {!kind && <div className="kind-node__unknown">unknown kind '{data.kind}'</div>}
      {inputs.map((p, i) => (
        <div key={`in-${p.name}`} className="kind-node__port in" style={{ top: HEAD + i * ROW }}>
          <Handle
            type="target"
            position={Position.Left}
            id={p.name}
            className={`port-${p.type}`}
            style={{ background: PORT_COLORS[p.type] ?? '#888' }}
            title={`${p.name}: ${p.type}${p.required ? '' : ' (optional)'}`}
          />
          <span>{p.name}</span> <em>{p.type}</em>
        </div>
      ))}
      {outputs.map((p, i) => (
        <div key={`out-${p.name}`} className="kind-node__port out" style={{ top: HEAD + i * ROW }}>
          <em>{p.type}</em> <span>{p.name}</span>
          <Handle
            type="source"
            position={Position.Right}
            id={p.name}
            className={`port-${p.type}`}
            style={{ background: PORT_COLORS[p.type] ?? '#888' }}
            title={`${p.name}: ${p.type}`}
          />
        </div>
      ))}
      {branches && branches.length > 0 && (
        <div className="kind-node__branches" style={{ top: HEAD + rows * ROW }}>
          branches: {branches.join(' · ')}
        </div>
      )}
    </div>
  );
}

export const KindNode = memo(KindNodeView);
