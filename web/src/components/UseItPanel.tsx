// "Use it": publish the saved graph at a slug, create a key (shown once) and copy ready-made calls.
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/client';
import { createKey, getSnippets, publish, publishedOf, slugFrom, type KeyCreated, type PublishedAgent, type Snippets } from '../api/publish';
import { useEditor } from '../store/editor';

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
  const [agent, setAgent] = useState<PublishedAgent | null | undefined>(undefined);
  const [slug, setSlug] = useState('');
  const [keyName, setKeyName] = useState('my app');
  const [key, setKey] = useState<KeyCreated | null>(null);
  const [snippets, setSnippets] = useState<Snippets | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (agentSlug: string) => {
    setSnippets(await getSnippets(agentSlug));
  }, []);

  useEffect(() => {
    if (!graphId) return;
    setSlug(slugFrom(graphId));
    publishedOf(graphId).then((list) => {
      const live = list.find((a) => a.status === 'published') ?? null;
      setAgent(live);
      if (live) void load(live.slug).catch((e) => setError(describeError(e)));
    }).catch((e) => { setAgent(null); setError(describeError(e)); });
  }, [graphId, load]);

  const doPublish = async (targetSlug: string) => {
    if (!graphId) return;
    setError(null);
    try {
      const published = await publish(graphId, targetSlug, version ?? undefined);
      setAgent(published);
      await load(published.slug);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const doKey = async () => {
    if (!agent) return;
    setError(null);
    try {
      setKey(await createKey(agent.slug, keyName.trim() || 'key'));
    } catch (e) {
      setError(describeError(e));
    }
  };

  if (!graphId) return <p className="muted pad">Save the graph to publish it.</p>;
  return (
    <div className="useit-panel pad" data-testid="useit-panel">
      <h3>Use it</h3>
      {error && <pre className="error-text" data-testid="useit-error">{error}</pre>}
      {agent === undefined && <p className="muted">Loading…</p>}
      {agent === null && (
        <>
          <p className="muted">Publish the saved version as an API endpoint that apps call with a key.</p>
          <label className="field">
            <span>Slug</span>
            <input value={slug} onChange={(e) => setSlug(e.target.value)} data-testid="publish-slug" />
          </label>
          <button className="primary" onClick={() => void doPublish(slug)} data-testid="publish">Publish v{version}</button>
        </>
      )}
      {agent && (
        <>
          <p data-testid="published">
            <span className="badge badge--ready">published</span> <strong>{agent.slug}</strong> v{agent.version}{' '}
            <code>POST {agent.endpoint}</code>
          </p>
          {agent.version !== version && (
            <button onClick={() => void doPublish(agent.slug)} data-testid="republish">Publish v{version} instead</button>
          )}
          <h3>API key</h3>
          {key ? (
            <>
              <p className="muted">Shown only now: store it where your app reads <code>{snippets?.key_env ?? 'LCNC_AGENT_KEY'}</code>.</p>
              <Copyable label={`key “${key.name}”`} text={key.key} testid="api-key" />
            </>
          ) : (
            <div className="row">
              <input value={keyName} onChange={(e) => setKeyName(e.target.value)} aria-label="Key name" data-testid="key-name" />
              <button onClick={() => void doKey()} data-testid="create-key">Create key</button>
            </div>
          )}
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
