import type { Readable } from 'node:stream';
import { isAxiosError, type AxiosInstance } from 'axios';
import type { GuardedAgents } from './connect-guard.js';
import { signWebhook } from './signature.js';
import { ForbiddenWebhookUrlError } from './url-guard.js';

export interface DeliveryAttemptResult {
  /**
   * delivered: 2xx. gone: 410, disable the endpoint. retry: any other answer, a network error or
   * a timeout; the caller's schedule decides when to give up. failed: the request could not be
   * made at all (bad URL or secret) and sending it again cannot help.
   */
  outcome: 'delivered' | 'retry' | 'gone' | 'failed';
  status?: number;
  latencyMs: number;
  retryAfterMs?: number;
  responseExcerpt?: string;
  /** The answer's start, up to BODY_BYTES: enough for a JSON reply such as a ticket reference. */
  responseBody?: string;
  error?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const EXCERPT_CHARS = 500;
/** What is read of an answer; the rest of the body is never downloaded. */
const BODY_BYTES = 16 * 1024;
const THROTTLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * One signed POST of an already-serialized event, through the guard's `agents`
 * (WebhookTargetGuard.agentsFor). Every HTTP or network result becomes an outcome; the one throw
 * is the guard's ForbiddenWebhookUrlError when it refuses the address at connect time, so the
 * caller treats it as the refusal it already handles before the request. `now` (epoch ms)
 * stamps `webhook-timestamp` and dates `Retry-After`.
 */
export async function deliverWebhook(opts: {
  url: string;
  eventId: string;
  body: string;
  secrets: string[];
  http: AxiosInstance;
  agents: GuardedAgents;
  timeoutMs?: number;
  now?: () => number;
}): Promise<DeliveryAttemptResult> {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);

  let signature: string;
  const timestamp = Math.floor(now() / 1000);
  try {
    const protocol = new URL(opts.url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`Unsupported webhook URL scheme ${protocol}`);
    signature = signWebhook({ id: opts.eventId, timestamp, body: opts.body, secrets: opts.secrets });
  } catch (err) {
    return { outcome: 'failed', latencyMs: latency(), error: (err as Error).message };
  }

  // axios's idle timeout alone lets a server that trickles bytes hold the attempt forever.
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await opts.http.request<Readable>({
      method: 'POST',
      url: opts.url,
      // A Buffer is sent as is; a string would be trimmed (or re-encoded) by axios's JSON
      // transform and no longer match the signature.
      data: Buffer.from(opts.body, 'utf8'),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Omnigate-Webhooks/1',
        'webhook-id': opts.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      // Only the checked URL is called: a 3xx is an answer, never followed.
      maxRedirects: 0,
      // Direct, never through an environment proxy, so the guard vets the address connected to.
      proxy: false,
      httpAgent: opts.agents.http,
      httpsAgent: opts.agents.https,
      validateStatus: () => true,
      timeout: timeoutMs,
      signal: deadline,
      // Streamed so a huge or endless body costs no more than the excerpt.
      responseType: 'stream',
    });
    const status = response.status;
    const responseBody = await readBody(response.data);
    const result = { status, latencyMs: latency(), responseExcerpt: responseBody.slice(0, EXCERPT_CHARS), responseBody };
    if (status >= 200 && status < 300) return { outcome: 'delivered', ...result };
    if (status === 410) return { outcome: 'gone', ...result };
    const retryAfterMs = THROTTLE_STATUSES.has(status) ? parseRetryAfter(response.headers['retry-after'], now()) : undefined;
    return retryAfterMs === undefined ? { outcome: 'retry', ...result } : { outcome: 'retry', ...result, retryAfterMs };
  } catch (err) {
    if (isAxiosError(err) && err.cause instanceof ForbiddenWebhookUrlError) throw err.cause;
    return { outcome: 'retry', latencyMs: latency(), error: describeFailure(err, deadline.aborted, timeoutMs) };
  }
}

async function readBody(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.from(chunk as Buffer);
      chunks.push(bytes);
      size += bytes.length;
      // Leaving the loop destroys the stream, so the rest is never downloaded.
      if (size >= BODY_BYTES) break;
    }
  } catch {
    // Cut short by the deadline or the peer: the status already decided the outcome.
  }
  return Buffer.concat(chunks).subarray(0, BODY_BYTES).toString('utf8');
}

/** `Retry-After` as delay-seconds or an HTTP-date; undefined when absent or unreadable. */
function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function describeFailure(err: unknown, timedOut: boolean, timeoutMs: number): string {
  const code = isAxiosError(err) ? err.code : undefined;
  if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT') return `timeout after ${timeoutMs} ms`;
  // Node reports some connection failures as an AggregateError with an empty message.
  const message = err instanceof Error ? err.message : String(err);
  if (!code) return message || 'request failed';
  if (!message) return code;
  return message.includes(code) ? message : `${code}: ${message}`;
}
