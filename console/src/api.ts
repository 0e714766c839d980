/**
 * The console's one way to the gateway: the public REST API, signed in with a session token kept
 * in this module's memory only (never a URL, never storage). The agent's API key is used once, to
 * open the session, and then forgotten.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let token: string | null = null;

export function sessionToken(): string | null {
  return token;
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown } } | null;
  const error = body?.error;
  return new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The gateway answered ${res.status}`, error?.details);
}

async function send(method: string, path: string, credential: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${credential}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** Opens a session with the key; the key itself is not kept. */
export async function signIn(apiKey: string): Promise<void> {
  const res = await send('POST', '/v1/sessions', apiKey);
  token = ((await res.json()) as { token: string }).token;
}

export async function signOut(): Promise<void> {
  const current = token;
  token = null;
  if (current) await send('DELETE', '/v1/sessions/current', current).catch(() => undefined);
}

/** A JSON call on the session; writes carry a fresh Idempotency-Key, so a retried request is not done twice. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!token) throw new ApiError(401, 'unauthorized', 'Sign in first');
  const headers: Record<string, string> = method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {};
  const res = await send(method, path, token, body, headers);
  return (res.status === 204 ? null : await res.json()) as T;
}

/** Stored media or a download, as a blob the page can show (the media URL needs the session header). */
export async function blob(path: string): Promise<Blob> {
  if (!token) throw new ApiError(401, 'unauthorized', 'Sign in first');
  return (await send('GET', path, token)).blob();
}

/** Uploads a file to send as media; the answer names it by storedId. */
export async function upload(file: File): Promise<{ id: string }> {
  if (!token) throw new ApiError(401, 'unauthorized', 'Sign in first');
  const res = await fetch('/v1/media', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': file.type || 'application/octet-stream', 'x-filename': file.name, 'idempotency-key': crypto.randomUUID() },
    body: file,
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as { id: string };
}

export const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
  const text = q.toString();
  return text ? `?${text}` : '';
};

/** A refusal as the agent reads it: the API's words, what it found wrong, and its code; never swallowed. */
export function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return (err as Error).message;
  const issues = Array.isArray(err.details) ? err.details.map((d: { path?: string; message?: string }) => [d.path, d.message].filter(Boolean).join(': ')).filter(Boolean) : [];
  return `${err.message}${issues.length > 0 ? `: ${issues.join('; ')}` : ''} (${err.code})`;
}
