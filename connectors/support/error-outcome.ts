import type { SendFailureOutcome } from '../contract.js';

/** A provider's error codes by what they mean for a send; codes not listed fall back on the HTTP status. */
export interface ErrorCodeTable {
  windowClosed: ReadonlySet<string>;
  retry: ReadonlySet<string>;
  final: ReadonlySet<string>;
}

/**
 * A provider error in our terms: a known code decides; an unknown one is retried on 5xx, 429
 * and 408, final otherwise. `windowKey` is what the window-closed codes are keyed by, when a
 * provider needs more than the code for it (Messenger: `code/subcode`).
 */
export function classifyErrorCode(table: ErrorCodeTable, code: string, httpStatus?: number, windowKey = code): SendFailureOutcome {
  if (table.windowClosed.has(windowKey)) return 'window_closed';
  if (table.retry.has(code)) return 'retry';
  if (table.final.has(code)) return 'final';
  if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408)) return 'retry';
  return 'final';
}
