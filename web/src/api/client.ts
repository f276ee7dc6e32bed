// Thin typed client over the generated OpenAPI types (src/api/schema.d.ts, `npm run gen:api`).
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { authHeaders } from './token';

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
// Every typed call carries the signed-in user's token (none in local mode); a 401 renews the session once.
const pending = new Map<string, Request>();
api.use({
  onRequest({ request, id }) {
    for (const [name, value] of Object.entries(authHeaders())) request.headers.set(name, value);
    if (!request.url.includes('/api/gateway/auth/')) pending.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const copy = pending.get(id);
    pending.delete(id);
    if (response.status !== 401 || !copy) return response;
    const { retryAfter401 } = await import('./auth');
    return retryAfter401(() => {
      const again = copy.clone();
      for (const [name, value] of Object.entries(authHeaders())) again.headers.set(name, value);
      return fetch(again);
    }, response);
  },
  onError({ id }) {
    pending.delete(id);
  },
});

/** One entry of an error body's `errors` list: a validation issue or a pydantic error. */
export interface ApiErrorItem {
  code?: string;
  message?: string;
  msg?: string;
  level?: string;
  node_id?: string | null;
  field?: string | null;
  edge_index?: number | null;
  loc?: (string | number)[];
}

/** A failed API call, carrying the platform's `{detail, errors}` body. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly errors: ApiErrorItem[];

  constructor(status: number, detail: string, errors: ApiErrorItem[] = []) {
    super(detail);
    this.status = status;
    this.errors = errors;
  }
}

export function toFailure(response: Response | undefined, body: unknown): ApiFailure {
  const status = response?.status ?? 0;
  if (body && typeof body === 'object' && 'detail' in body) {
    const b = body as { detail: unknown; errors?: ApiErrorItem[] };
    const detail = typeof b.detail === 'string' ? b.detail : JSON.stringify(b.detail);
    return new ApiFailure(status, detail, Array.isArray(b.errors) ? b.errors : []);
  }
  return new ApiFailure(status, status ? `request failed with HTTP ${status}` : 'the platform cannot be reached');
}

/** The data of an openapi-fetch result, or throw its error as an ApiFailure. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw toFailure(result.response, result.error);
  return result.data as T;
}

/** fetch() for routes the generated types do not cover yet; same error handling. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders(), ...(init?.headers ?? {}) },
    });
  } catch {
    throw new ApiFailure(0, 'the platform cannot be reached');
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw toFailure(response, body);
  return body as T;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiFailure) return error.status ? `${error.message} (HTTP ${error.status})` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
