// The published agent's lifecycle in the "Use it" panel: its keys (usage, revoke), its pinned version (roll back)
// and unpublishing. Each action reports the changed agent or an error to the panel, which reloads the state.
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/client';
import { listKeys, revokeKey, rollbackTo, unpublish, type KeyPublic, type PublishedAgent } from '../api/publish';

/** The agent the panel shows: the preferred slug, else a live one, else the latest archived one. */
export function pickAgent(agents: PublishedAgent[], preferred: string | null): PublishedAgent | null {
  return agents.find((a) => a.slug === preferred) ?? agents.find((a) => a.status === 'published') ?? agents[0] ?? null;
}

export interface RollbackChoice { version: number; at: string | null }

/** Published versions other than the pinned one, newest first, each with when it was last pinned. */
export function rollbackChoices(agent: PublishedAgent): RollbackChoice[] {
  const lastPinned = new Map<number, string | null>();
  for (const entry of agent.history) {
    if (entry.action === 'unpublish' || typeof entry.version !== 'number') continue;
    lastPinned.set(entry.version, typeof entry.at === 'string' ? entry.at : null);
  }
  return agent.published_versions
    .filter((v) => v !== agent.version)
    .sort((a, b) => b - a)
    .map((version) => ({ version, at: lastPinned.get(version) ?? null }));
}

export function keyStatus(key: KeyPublic): 'active' | 'revoked' {
  return key.revoked_at ? 'revoked' : 'active';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 requests · 1 run · last used <when>" (or "never used"). */
export function keyUsage(key: KeyPublic, when: (iso: string) => string = shortTime): string {
  const used = key.last_used_at ? `last used ${when(key.last_used_at)}` : 'never used';
  return `${plural(key.request_count, 'request')} · ${plural(key.run_count, 'run')} · ${used}`;
}

function shortTime(iso: string): string {
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? iso : moment.toLocaleString();
}

/** A button that asks once more inline before it acts. */
function ConfirmButton({ label, question, onConfirm, testid, disabled }: {
  label: string; question: string; onConfirm: () => void; testid: string; disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return <button className="danger" disabled={disabled} onClick={() => setAsking(true)} data-testid={testid}>{label}</button>;
  }
  return (
    <span className="confirm" data-testid={`${testid}-ask`}>
      <span>{question}</span>{' '}
      <button className="danger" onClick={() => { setAsking(false); onConfirm(); }} data-testid={`${testid}-confirm`}>{label}</button>
      <button onClick={() => setAsking(false)} data-testid={`${testid}-cancel`}>Cancel</button>
    </span>
  );
}

/** The agent's keys with their usage; Revoke (confirmed) per live key. ``reload`` changes when a key was created.
 * The parent keys this component by slug, so another agent starts with a fresh list. */
export function AgentKeys({ slug, reload, onError, onRevoked }: {
  slug: string; reload: number; onError: (message: string | null) => void; onRevoked: (key: KeyPublic) => void;
}) {
  const [keys, setKeys] = useState<KeyPublic[] | null>(null);

  const load = useCallback(() => {
    listKeys(slug).then(setKeys).catch((e) => { setKeys((k) => k ?? []); onError(describeError(e)); });
  }, [slug, onError]);
  useEffect(load, [load, reload]);

  const revoke = async (key: KeyPublic) => {
    onError(null);
    try {
      const revoked = await revokeKey(slug, key.id);
      setKeys((list) => (list ?? []).map((k) => (k.id === revoked.id ? revoked : k)));
      onRevoked(revoked);
    } catch (e) {
      onError(describeError(e));
      load();
    }
  };

  return (
    <>
      <div className="row useit-keys__head">
        <h3>Keys</h3>
        <button className="link" onClick={load} data-testid="keys-refresh">Refresh</button>
      </div>
      {keys === null && <p className="muted">Loading keys…</p>}
      {keys?.length === 0 && <p className="muted" data-testid="keys-empty">No keys yet.</p>}
      {keys && keys.length > 0 && (
        <ul className="useit-keys" data-testid="keys">
          {keys.map((k) => {
            const status = keyStatus(k);
            return (
              <li key={k.id} data-testid={`key-${k.id}`} data-name={k.name} data-status={status}>
                <div>
                  <strong>{k.name}</strong> <code>lcpk_{k.prefix}_…</code>{' '}
                  <span className={`badge badge--key-${status}`} data-testid="key-status">{status}</span>
                  <br />
                  <small className="muted">
                    created {shortTime(k.created_at)}
                    {k.revoked_at && <> · revoked {shortTime(k.revoked_at)}</>}
                  </small>
                  <br />
                  <small className="muted" data-testid="key-usage">{keyUsage(k)}</small>
                </div>
                {status === 'active' && (
                  <ConfirmButton label="Revoke" question="Apps using it get 401." onConfirm={() => void revoke(k)}
                    testid="revoke-key" />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** The pinned version, a roll back to an earlier published one, and Unpublish (confirmed). ``run`` performs an
 * action that changes the agent and shows its outcome (the panel reloads the lifecycle state after it). */
export function AgentVersion({ agent, busy, run }: {
  agent: PublishedAgent; busy: boolean; run: (action: () => Promise<PublishedAgent>) => void;
}) {
  const choices = rollbackChoices(agent);
  const [target, setTarget] = useState<number | null>(null);
  const chosen = choices.find((c) => c.version === target)?.version ?? choices[0]?.version;

  return (
    <div className="useit-version" data-testid="agent-version">
      <h3>Version</h3>
      <p>Serving <strong data-testid="serving-version">v{agent.version}</strong></p>
      {choices.length === 0 ? (
        <p className="muted" data-testid="no-rollback">No earlier published version to roll back to.</p>
      ) : (
        <div className="row">
          <select value={chosen} onChange={(e) => setTarget(Number(e.target.value))} aria-label="Earlier version"
            data-testid="rollback-version">
            {choices.map((c) => (
              <option key={c.version} value={c.version}>v{c.version}{c.at ? ` (pinned ${shortTime(c.at)})` : ''}</option>
            ))}
          </select>
          <button disabled={busy || chosen === undefined} onClick={() => run(() => rollbackTo(agent.slug, chosen))}
            data-testid="rollback">Roll back</button>
        </div>
      )}
      <div className="row">
        <ConfirmButton label="Unpublish" question={`Stop serving ${agent.slug}? Calls get 404.`} disabled={busy}
          onConfirm={() => run(() => unpublish(agent.slug))} testid="unpublish" />
      </div>
    </div>
  );
}
