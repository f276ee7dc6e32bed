// Sign-in when the platform is not in local mode: a short-lived access token in memory, renewed with the
// httpOnly refresh cookie on a 401; local mode needs none of it.
import { api, ApiFailure, unwrap } from './client';
import type { components } from './schema';
import { setToken } from './token';

export type Me = components['schemas']['MeResponse'];
export type TokenResponse = components['schemas']['TokenResponse'];

const AUTH = '/api/gateway/auth';
let refreshing: Promise<boolean> | null = null;
let signedOutListener: (() => void) | null = null;

/** Called when the session cannot be renewed (the app shows the login page). */
export function onSignedOut(listener: (() => void) | null): void {
  signedOutListener = listener;
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`${AUTH}${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Who is signed in; null on 401 (a login is needed). */
export async function fetchMe(): Promise<Me | null> {
  const result = await api.GET('/api/gateway/auth/me');
  if (result.response.status === 401) return null;
  return unwrap(result);
}

export async function login(email: string, password: string): Promise<TokenResponse> {
  const response = await post('/login', { email, password });
  const body = (await response.json().catch(() => undefined)) as TokenResponse | { detail?: string } | undefined;
  if (!response.ok) {
    const detail = body && 'detail' in body && typeof body.detail === 'string' ? body.detail : `login failed (HTTP ${response.status})`;
    throw new ApiFailure(response.status, detail);
  }
  const tokens = body as TokenResponse;
  setToken(tokens.access_token);
  return tokens;
}

/** New tokens from the refresh cookie; one request at a time however many calls failed together. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await post('/refresh');
      if (!response.ok) return false;
      setToken(((await response.json()) as TokenResponse).access_token);
      return true;
    } catch {
      return false;
    } finally {
      window.setTimeout(() => { refreshing = null; }, 0);
    }
  })();
  return refreshing;
}

export async function logout(): Promise<void> {
  try {
    await api.POST('/api/gateway/auth/logout');
  } finally {
    setToken(null);
    signedOutListener?.();
  }
}

/** After a 401 of an API call: renew the session and retry once, or report the sign-out. */
export async function retryAfter401(retry: () => Promise<Response>, original: Response): Promise<Response> {
  if (await refreshSession()) return retry();
  setToken(null);
  signedOutListener?.();
  return original;
}
