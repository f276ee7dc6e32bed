// Shows the login page when the platform asks for a sign-in (not in local mode), else the editor.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { fetchMe, login, logout, onSignedOut, refreshSession, type Me } from '../api/auth';
import { describeError } from '../api/client';

type State = { phase: 'checking' } | { phase: 'login'; reason?: string } | { phase: 'in'; me: Me };

const MeContext = createContext<Me | null>(null);

/** The signed-in user (null before sign-in). */
export function useMe(): Me | null {
  return useContext(MeContext);
}

function LoginPage({ reason, onDone }: { reason?: string; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      setPassword('');
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form className="login__box" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1><span className="brand">lcnc</span> sign in</h1>
        {reason && <p className="muted" data-testid="login-reason">{reason}</p>}
        <label className="field"><span>Email</span>
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required data-testid="login-email" />
        </label>
        <label className="field"><span>Password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required data-testid="login-password" />
        </label>
        {error && <p className="error-text" data-testid="login-error">{error}</p>}
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  );
}

export function AuthGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ phase: 'checking' });

  const check = async () => {
    try {
      let me = await fetchMe();
      // a reload loses the in-memory token: the refresh cookie may still hold a session
      if (me === null && (await refreshSession())) me = await fetchMe();
      setState(me ? { phase: 'in', me } : { phase: 'login' });
    } catch (error) {
      setState({ phase: 'login', reason: `The platform could not tell who you are: ${describeError(error)}` });
    }
  };

  useEffect(() => {
    onSignedOut(() => setState({ phase: 'login', reason: 'Your session ended; sign in again.' }));
    void check();
    return () => onSignedOut(null);
  }, []);

  if (state.phase === 'checking') return <p className="muted pad">Loading…</p>;
  if (state.phase === 'login') return <LoginPage reason={state.reason} onDone={() => void check()} />;
  return <MeContext.Provider value={state.me}>{children}</MeContext.Provider>;
}

/** The signed-in user with a sign-out button; nothing in local mode. */
export function UserMenu() {
  const me = useMe();
  if (!me || me.method === 'local') return null;
  return (
    <span className="usermenu" data-testid="user-menu">
      <small>{me.user.email}</small>
      <button onClick={() => void logout()} data-testid="logout">Sign out</button>
    </span>
  );
}
