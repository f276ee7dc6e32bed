// "Use it": publish the saved graph at a slug, create a key (shown once) and copy ready-made calls; then manage
// the published agent: its keys (usage, revoke), roll back to an earlier published version, unpublish.
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/client';
import {
  createKey, getSnippets, lifecycleOf, publish, slugFrom, type KeyCreated, type KeyPublic, type LifecycleState,
  type PublishedAgent, type Snippets,
} from '../api/publish';
import { useEditor } from '../store/editor';
import { AgentKeys, AgentVersion, pickAgent } from './AgentLifecycle';

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard API (an insecure origin): select a hidden textarea and copy it
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

function Copyable({ label, text, testid }: { label: string; text: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="snippet" data-testid={testid}>
      <small className="muted">{label}</small>
      <pre>{text}</pre>
      <button onClick={() => void copyText(text).then(() => { setCopied(true); window.setTimeout(() => setCopied(false), 1500); })}
        data-testid={`copy-${testid}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function UseItPanel() {
  const graphId = useEditor((s) => s.graphId);
  const version = useEditor((s) => s.version);
  // undefined: loading; null: the first load failed (the error says why)
  const [life, setLife] = useState<LifecycleState | null | undefined>(undefined);
  const [preferred, setPreferred] = useState<string | null>(null);
  const [slug, setSlug] = useState('');
  const [keyName, setKeyName] = useState('my app');
  const [key, setKey] = useState<KeyCreated | null>(null);
  const [keysReload, setKeysReload] = useState(0);
  const [snippets, setSnippets] = useState<Snippets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    if (!graphId) return;
    try {
      setLife(await lifecycleOf(graphId));
    } catch (e) {
      setLife((current) => current ?? null);
      setError(describeError(e));
    }
  }, [graphId]);

  useEffect(() => {
    if (!graphId) return;
    let stale = false;
    setLife(undefined);
    setPreferred(null);
    setKey(null);
    setError(null);
    setSlug(slugFrom(graphId));
    lifecycleOf(graphId).then((state) => { if (!stale) setLife(state); }).catch((e) => {
      if (!stale) { setLife(null); setError(describeError(e)); }
    });
    return () => { stale = true; };
  }, [graphId]);

  const agent = life ? pickAgent(life.agents, preferred) : null;
  const liveSlug = agent?.status === 'published' ? agent.slug : null;
  const liveVersion = agent?.version;
  useEffect(() => {
    setSnippets(null);
    if (!liveSlug) return;
    let stale = false;
    getSnippets(liveSlug).then((s) => { if (!stale) setSnippets(s); }).catch((e) => { if (!stale) setError(describeError(e)); });
    return () => { stale = true; };
  }, [liveSlug, liveVersion]);

  /** Run an action that changes the agent, then reload the lifecycle so the panel shows the new state. */
  const change = async (action: () => Promise<PublishedAgent>) => {
    setError(null);
    setBusy(true);
    try {
      const changed = await action();
      setPreferred(changed.slug);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
    await refresh();
  };

  const doPublish = (targetSlug: string) => {
    if (!graphId) return;
    setKey(null);
    void change(() => publish(graphId, targetSlug.trim(), version ?? undefined));
  };

  const doKey = async () => {
    if (!agent) return;
    setError(null);
    try {
      setKey(await createKey(agent.slug, keyName.trim() || 'key'));
      setKeysReload((n) => n + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const onRevoked = useCallback((revoked: KeyPublic) => {
    setKey((shown) => (shown?.id === revoked.id ? null : shown));
  }, []);

  if (!graphId) return <p className="muted pad">Save the graph to publish it.</p>;
  return (
    <div className="useit-panel pad" data-testid="useit-panel">
      <div className="row useit-head">
        <h3>Use it</h3>
        {life && <span className={`badge badge--${life.state}`} data-testid="lifecycle-state">{life.state}</span>}
      </div>
      {error && <pre className="error-text" data-testid="useit-error">{error}</pre>}
      {life === undefined && <p className="muted">Loading…</p>}
      {life === null && <button onClick={() => { setError(null); void refresh(); }} data-testid="useit-retry">Retry</button>}
      {life && life.agents.length > 1 && agent && (
        <label className="field">
          <span>Published at</span>
          <select value={agent.slug} onChange={(e) => { setKey(null); setPreferred(e.target.value); }} data-testid="agent-select">
            {life.agents.map((a) => <option key={a.slug} value={a.slug}>{a.slug} ({a.status}, v{a.version})</option>)}
          </select>
        </label>
      )}
      {life && !agent && (
        <>
          <p className="muted">Publish the saved version as an API endpoint that apps call with a key.</p>
          <label className="field">
            <span>Slug</span>
            <input value={slug} onChange={(e) => setSlug(e.target.value)} data-testid="publish-slug" />
          </label>
          <button className="primary" disabled={busy} onClick={() => doPublish(slug)} data-testid="publish">Publish v{version}</button>
        </>
      )}
      {agent?.status === 'archived' && (
        <>
          <p data-testid="archived">
            <span className="badge badge--archived">unpublished</span> <strong>{agent.slug}</strong> v{agent.version}:
            {' '}calls get 404; its keys and versions are kept.
          </p>
          <button className="primary" disabled={busy} onClick={() => doPublish(agent.slug)} data-testid="publish-again">
            Publish v{version} again at {agent.slug}
          </button>
          <AgentKeys key={`keys:${agent.slug}`} slug={agent.slug} reload={keysReload} onError={setError} onRevoked={onRevoked} />
        </>
      )}
      {agent?.status === 'published' && (
        <>
          <p data-testid="published">
            <span className="badge badge--ready">published</span> <strong>{agent.slug}</strong> v{agent.version}{' '}
            <code>POST {agent.endpoint}</code>
          </p>
          {agent.version !== version && (
            <button disabled={busy} onClick={() => doPublish(agent.slug)} data-testid="republish">Publish v{version} instead</button>
          )}
          <AgentVersion key={`version:${agent.slug}`} agent={agent} busy={busy} run={(action) => void change(action)} />
          <h3>API key</h3>
          {key ? (
            <>
              <p className="muted">Shown only now: store it where your app reads <code>{snippets?.key_env ?? 'LCNC_AGENT_KEY'}</code>.</p>
              <Copyable label={`key “${key.name}”`} text={key.key} testid="api-key" />
              <button className="link" onClick={() => setKey(null)} data-testid="key-done">Create another key</button>
            </>
          ) : (
            <div className="row">
              <input value={keyName} onChange={(e) => setKeyName(e.target.value)} aria-label="Key name" data-testid="key-name" />
              <button onClick={() => void doKey()} data-testid="create-key">Create key</button>
            </div>
          )}
          <AgentKeys key={`keys:${agent.slug}`} slug={agent.slug} reload={keysReload} onError={setError} onRevoked={onRevoked} />
          {snippets && (
            <>
              <h3>Call it</h3>
              <Copyable label="curl" text={snippets.curl} testid="snippet-curl" />
              <Copyable label="Python" text={snippets.python} testid="snippet-python" />
              <Copyable label="JavaScript" text={snippets.javascript} testid="snippet-javascript" />
            </>
          )}
        </>
      )}
    </div>
  );
}
