import type { AxiosError } from 'axios';
import { z } from 'zod';
import { ProviderSendError, type SendFailureOutcome, ProviderRequestError } from '../contract.js';
import { classifyErrorCode } from '../support/error-outcome.js';

/**
 * Graph API failures in our terms. Decisions are made on Meta's `code` alone (titles are
 * documented as unstable); the HTTP status only decides for codes we do not know.
 */

const WINDOW_CLOSED_CODES: ReadonlySet<string> = new Set(['131047']);

const RETRY_CODES: ReadonlySet<string> = new Set([
  '1', // API unknown: possible server error
  '2', // API service: temporary downtime or overload
  '4', // app call-rate limit
  '80007', // WABA rate limit
  '130429', // throughput limit of the number
  '131000', // something went wrong
  '131016', // service temporarily unavailable
  '131056', // pair rate limit: too many messages to the same user
  '131057', // business account in maintenance mode
  '133004', // server temporarily unavailable
]);

const FINAL_CODES: ReadonlySet<string> = new Set([
  '100', // invalid parameter
  '190', // access token expired or invalid
  '368', // temporarily blocked for policy violations
  '131008', // required parameter missing
  '131009', // parameter value not valid
  '131026', // undeliverable
  '131031', // account locked
  '131042', // payment issue
  '131048', // spam rate limit: retrying makes it worse
  '131049', // not delivered to keep ecosystem engagement healthy (marketing limit)
  '131050', // user stopped marketing messages
  '131051', // unsupported message type
  '131052', // media download error
  '131053', // media upload error
  '131062', // business-scoped user id recipients not supported for this message
  '132000', // template parameter count mismatch
  '132001', // template does not exist in that language or is not approved
  '132005', // translated text too long
  '132007', // template format policy violated
  '132012', // template parameter format mismatch
  '132015', // template paused
  '132016', // template disabled
]);

/** Meta's pair rate limit is about one message per 6 s to the same user. */
const PAIR_RATE_LIMIT_MS = 6_000;

export function outcomeOf(code: string, httpStatus?: number): SendFailureOutcome {
  return classifyErrorCode({ windowClosed: WINDOW_CLOSED_CODES, retry: RETRY_CODES, final: FINAL_CODES }, code, httpStatus);
}

const graphErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), z.string().min(1)]),
    message: z.string().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  }),
});

export interface GraphFailure {
  code: string;
  title: string;
  outcome: SendFailureOutcome;
  retryAfterMs?: number;
}

/** A Graph answer (status, body, headers) that is not a success. */
export function describeGraphResponse(status: number, body: unknown, headers: Record<string, unknown> = {}): GraphFailure {
  const parsed = graphErrorBody.safeParse(body);
  const code = parsed.success ? String(parsed.data.error.code) : `http_${status}`;
  const error = parsed.success ? parsed.data.error : undefined;
  const title = error ? [error.message ?? 'Graph API error', error.error_data?.details].filter(Boolean).join(': ') : `HTTP ${status}`;
  const outcome = outcomeOf(code, status);
  const retryAfterMs = outcome === 'retry' ? (retryAfterOf(headers['retry-after']) ?? (code === '131056' ? PAIR_RATE_LIMIT_MS : undefined)) : undefined;
  return retryAfterMs === undefined ? { code, title, outcome } : { code, title, outcome, retryAfterMs };
}

/** Any axios failure: an answer is described by its code; no answer (network, timeout) is worth a retry. */
export function describeAxiosError(err: AxiosError): GraphFailure {
  if (err.response) return describeGraphResponse(err.response.status, err.response.data, err.response.headers as Record<string, unknown>);
  const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
  return { code: timedOut ? 'timeout' : 'network_error', title: err.message || String(err.code ?? 'request failed'), outcome: 'retry' };
}

export function toProviderSendError(err: AxiosError): ProviderSendError {
  const f = describeAxiosError(err);
  return new ProviderSendError(f.code, f.title, f.outcome, f.retryAfterMs);
}

export function toGraphRequestError(err: AxiosError, what: string): ProviderRequestError {
  const f = describeAxiosError(err);
  return new ProviderRequestError(f.code, `${what} failed: ${f.code}: ${f.title}`, f.outcome);
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
