import type { AxiosError } from 'axios';
import { ProviderSendError, type SendFailureOutcome, ProviderRequestError } from '../contract.js';
import { classifyErrorCode } from '../support/error-outcome.js';
import { graphErrorBody } from './payload.js';

/**
 * Send API failures in our terms. Decisions are made on Meta's `code` and `error_subcode` alone
 * (messages are not stable); the HTTP status only decides for codes we do not know. Codes are
 * reported as `code/subcode` when Meta gives a subcode, e.g. `10/2018278`.
 */

/** Code 10 is a permission error; with this subcode: sent outside the allowed window. */
const WINDOW_CLOSED_CODES: ReadonlySet<string> = new Set(['10/2018278']);

const RETRY_CODES: ReadonlySet<string> = new Set([
  '2', // temporary downtime or overload
  '4', // app call-rate limit
  '32', // Page call-rate limit
  '613', // Send API rate limit
  '1200', // temporary send message failure
]);

const FINAL_CODES: ReadonlySet<string> = new Set([
  '10', // permission error (other subcodes): not allowed to message this person
  '100', // invalid parameter (2018001: no matching user)
  '190', // access token expired or invalid
  '200', // permission error
  '230', // pages_messaging permission missing
  '368', // temporarily blocked for policy violations
  '551', // this person is not available right now
]);

/** `code/subcode` first, then the code alone, then the HTTP status. */
export function outcomeOf(code: string, subcode: string | undefined, httpStatus?: number): SendFailureOutcome {
  const full = subcode === undefined ? code : `${code}/${subcode}`;
  return classifyErrorCode({ windowClosed: WINDOW_CLOSED_CODES, retry: RETRY_CODES, final: FINAL_CODES }, code, httpStatus, full);
}

export interface GraphFailure {
  code: string;
  title: string;
  outcome: SendFailureOutcome;
}

/** A Graph answer (status and body) that is not a success. */
export function describeGraphResponse(status: number, body: unknown): GraphFailure {
  const parsed = graphErrorBody.safeParse(body);
  if (!parsed.success) return { code: `http_${status}`, title: `HTTP ${status}`, outcome: outcomeOf(`http_${status}`, undefined, status) };
  const { code, error_subcode: subcode, message } = parsed.data.error;
  const sub = subcode === undefined ? undefined : String(subcode);
  return {
    code: sub === undefined ? String(code) : `${code}/${sub}`,
    title: message ?? 'Graph API error',
    outcome: outcomeOf(String(code), sub, status),
  };
}

/** Any axios failure: an answer is described by its code; no answer (network, timeout) is worth a retry. */
export function describeAxiosError(err: AxiosError): GraphFailure {
  if (err.response) return describeGraphResponse(err.response.status, err.response.data);
  const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
  return { code: timedOut ? 'timeout' : 'network_error', title: err.message || String(err.code ?? 'request failed'), outcome: 'retry' };
}

export function toProviderSendError(err: AxiosError): ProviderSendError {
  const f = describeAxiosError(err);
  return new ProviderSendError(f.code, f.title, f.outcome);
}

export function toMessengerRequestError(err: AxiosError, what: string): ProviderRequestError {
  const f = describeAxiosError(err);
  return new ProviderRequestError(f.code, `${what} failed: ${f.code}: ${f.title}`, f.outcome);
}
