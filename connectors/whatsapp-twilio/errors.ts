import { isAxiosError, type AxiosError } from 'axios';
import { ProviderSendError, type SendFailureOutcome, ProviderRequestError } from '../contract.js';
import { classifyErrorCode } from '../support/error-outcome.js';

/**
 * Twilio failures in our terms. Decisions are made on Twilio's numeric `code` alone; the HTTP
 * status only decides for codes we do not know. Note that most delivery failures (63016 among
 * them) are not REST errors at all: Twilio accepts the message and reports them later in a
 * status callback with ErrorCode.
 */

const WINDOW_CLOSED_CODES: ReadonlySet<string> = new Set([
  '63016', // free-form message outside the 24-hour window: send a template
]);

const RETRY_CODES: ReadonlySet<string> = new Set([
  '20429', // too many requests
  '20500', // internal server error
  '20503', // service unavailable
  '63018', // rate limit exceeded for the channel
  '63038', // daily message limit of the account reached
]);

const FINAL_CODES: ReadonlySet<string> = new Set([
  '20003', // authentication failed: wrong Account SID or auth token
  '20404', // resource not found (e.g. unknown account)
  '21211', // invalid To number
  '21408', // permission to send to this region not enabled
  '21610', // recipient replied STOP
  '21614', // To is not a valid mobile number
  '21655', // ContentSid invalid
  '21656', // ContentVariables invalid
  '63003', // channel could not find the To address
  '63007', // channel could not find the From address (sender not registered)
  '63024', // invalid message recipient
  '63027', // template does not exist for this language
  '63028', // template parameter count mismatch
  '63032', // user opted out or cannot receive this message (WhatsApp limitation)
  '63049', // Meta chose not to deliver this marketing message
]);

export function outcomeOf(code: string, httpStatus?: number): SendFailureOutcome {
  return classifyErrorCode({ windowClosed: WINDOW_CLOSED_CODES, retry: RETRY_CODES, final: FINAL_CODES }, code, httpStatus);
}

export interface TwilioFailure {
  code: string;
  title: string;
  outcome: SendFailureOutcome;
}

/**
 * What the twilio package throws for an answered error: a RestException (`status`, `code`,
 * `message`) or, for newer APIs, a TwilioServiceException (`status`, `code`, `title`, `detail`).
 */
interface TwilioApiError {
  status: number;
  code?: number | string;
  message?: string;
  title?: string;
  detail?: string;
}

function isTwilioApiError(err: unknown): err is TwilioApiError {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

/** Any failure of a Twilio call, or undefined for what is not one (a bug of ours stays a bug). */
export function describeTwilioError(err: unknown): TwilioFailure | undefined {
  if (isAxiosError(err)) return describeAxiosError(err);
  if (!isTwilioApiError(err)) return undefined;
  const code = err.code === undefined || err.code === '' ? `http_${err.status}` : String(err.code);
  const title = [err.title ?? err.message, err.detail].filter(Boolean).join(': ') || `HTTP ${err.status}`;
  return { code, title, outcome: outcomeOf(code, err.status) };
}

/** An answer is described by its status; no answer at all (network, timeout) is worth a retry. */
function describeAxiosError(err: AxiosError): TwilioFailure {
  if (err.response) {
    const { status } = err.response;
    return { code: `http_${status}`, title: `HTTP ${status}`, outcome: outcomeOf(`http_${status}`, status) };
  }
  const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
  return { code: timedOut ? 'timeout' : 'network_error', title: err.message || String(err.code ?? 'request failed'), outcome: 'retry' };
}

/** A send failure for the core; anything that is not a Twilio failure is passed through unchanged. */
export function toProviderSendError(err: unknown): unknown {
  const f = describeTwilioError(err);
  return f ? new ProviderSendError(f.code, f.title, f.outcome) : err;
}

export function toTwilioRequestError(err: unknown, what: string): unknown {
  const f = describeTwilioError(err);
  return f ? new ProviderRequestError(f.code, `${what} failed: ${f.code}: ${f.title}`, f.outcome) : err;
}
