// Deploy the saved graph to a registered cluster, follow the rollout live, list deployments with rollback.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/client';
import { deploy, deploymentEventsUrl, listClusters, listDeployments, rollback, type ClusterPublic, type DeploymentPublic } from '../api/deploy';
import { followSse } from '../api/sse';
import { useEditor } from '../store/editor';

interface DeployEvent { type: string; [key: string]: unknown }

const BUSY = new Set(['pending', 'deploying', 'undeploying']);

export function describeDeployEvent(e: DeployEvent): string {
  switch (e.type) {
    case 'deploy_started': return `Deploying version ${String(e.graph_version ?? '')}`.trim();
    case 'preflight': return `Preflight ${e.ok === false ? 'failed' : 'passed'}`;
    case 'object_applied': return `${String(e.kind)} ${String(e.name)} ${String(e.action)}`;
    case 'rollout_progress': return `Rollout: ${String(e.ready ?? 0)}/${String(e.desired ?? '?')} ready`;
    case 'deploy_succeeded': return `Deployed${e.url ? ` at ${String(e.url)}` : ''}`;
    case 'deploy_failed': return `Failed: ${String(e.error ?? 'unknown error')}`;
    case 'end': return `Finished: ${String(e.status ?? '')}`;
    default: return e.type.replace(/_/g, ' ');
  }
}

export function DeployPanel() {
  const graphId = useEditor((s) => s.graphId);
  const version = useEditor((s) => s.version);
  const dirty = useEditor((s) => s.dirty);
  const [clusters, setClusters] = useState<ClusterPublic[] | null>(null);
  const [cluster, setCluster] = useState('');
  const [items, setItems] = useState<DeploymentPublic[]>([]);
  const [events, setEvents] = useState<DeployEvent[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  const refresh = useCallback(() => {
    if (!graphId) return;
    listDeployments(graphId).then(setItems).catch((e) => setError(describeError(e)));
  }, [graphId]);

  useEffect(() => {
    listClusters().then((list) => {
      setClusters(list);
      if (list.length) setCluster((c) => c || list[0].id);
    }).catch((e) => { setClusters([]); setError(describeError(e)); });
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(() => () => abort.current?.abort(), []);

  /** Follow the operation at ``revision`` (older revisions' stored events are skipped). */
  const follow = (deploymentId: string, revision: number) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setEvents([]);
    followSse(deploymentEventsUrl(deploymentId), (m) => {
      let data: Record<string, unknown> = {};
      try { data = JSON.parse(m.data) as Record<string, unknown>; } catch { /* a keep-alive */ }
      if (typeof data.revision === 'number' && data.revision < revision) return;
      const event = { ...data, type: m.event };
      setEvents((list) => [...list, event].slice(-200));
      if (m.event === 'deploy_succeeded') { setStatus('ready'); if (data.url) setUrl(String(data.url)); }
      if (m.event === 'deploy_failed') { setStatus('failed'); setError(String(data.error ?? 'the deployment failed')); }
      if (m.event === 'end') {
        setStatus(String(data.status ?? 'ended'));
        if (data.url) setUrl(String(data.url));
        refresh();
      }
    }, controller.signal).catch((e) => {
      if (!controller.signal.aborted) setError(describeError(e));
    });
  };

  const start = async () => {
    if (!graphId || !cluster) return;
    setError(null);
    setUrl(null);
    try {
      const d = await deploy(graphId, cluster, version ?? undefined);
      setStatus(d.status);
      refresh();
      follow(d.id, d.revision);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const back = async (d: DeploymentPublic) => {
    setError(null);
    try {
      const r = await rollback(d.id);
      setStatus(r.status);
      refresh();
      follow(r.id, r.revision);
    } catch (e) {
      setError(describeError(e));
    }
  };

  if (!graphId) return <p className="muted pad">Save the graph to deploy it.</p>;
  const busy = status !== null && BUSY.has(status);
  return (
    <div className="deploy-panel pad" data-testid="deploy-panel">
      <h3>Deploy</h3>
      {clusters === null && <p className="muted">Loading clusters…</p>}
      {clusters?.length === 0 && (
        <p className="muted" data-testid="no-cluster">
          No cluster registered. Add one with <code>lcnc cluster add</code> or <code>POST /api/orchestrator/clusters</code> (a kubeconfig).
        </p>
      )}
      {clusters && clusters.length > 0 && (
        <div className="row">
          <select value={cluster} onChange={(e) => setCluster(e.target.value)} data-testid="deploy-cluster" aria-label="Cluster">
            {clusters.map((c) => <option key={c.id} value={c.id}>{c.name} ({c.default_namespace})</option>)}
          </select>
          <button className="primary" disabled={busy || dirty} onClick={() => void start()} data-testid="deploy"
            title={dirty ? 'Save first: the saved version is deployed' : `Deploy version ${version}`}>
            Deploy v{version}
          </button>
        </div>
      )}
      {status && <p data-testid="deploy-status">Status: <span className={`badge badge--${status}`}>{status}</span></p>}
      {url && <p data-testid="deploy-url">URL: <a href={url} target="_blank" rel="noreferrer">{url}</a></p>}
      {error && <pre className="error-text" data-testid="deploy-error">{error}</pre>}
      {events.length > 0 && (
        <ol className="deploy-events" data-testid="deploy-events">
          {events.map((e, i) => <li key={i} data-type={e.type}>{describeDeployEvent(e)}</li>)}
        </ol>
      )}
      <div className="row"><h3>Deployments</h3><button onClick={refresh} data-testid="deployments-refresh">Refresh</button></div>
      {items.length === 0 && <p className="muted" data-testid="deployments-empty">Not deployed yet.</p>}
      <ul className="run-list" data-testid="deployments">
        {items.map((d) => (
          <li key={d.id} data-testid={`deployment-${d.name}`} data-status={d.status}>
            <div>
              <span className={`badge badge--${d.status}`}>{d.status}</span> <strong>{d.name}</strong>{' '}
              <small className="muted">{d.namespace} · v{d.graph_version ?? '—'} · rev {d.revision}</small>
              {d.url && <><br /><small><a href={d.url} target="_blank" rel="noreferrer">{d.url}</a></small></>}
            </div>
            <button onClick={() => void back(d)} disabled={BUSY.has(d.status)} data-testid={`rollback-${d.name}`}>Rollback</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
