const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delay before each attempt, counted from the previous attempt; entry 0 is the first attempt.
 * Svix's schedule (the Standard Webhooks example) with the tail stretched to 12 h steps, giving
 * 11 attempts. The last one starts 63 h 35 min 5 s after the first, about 2.65 days (between
 * 2.1 and 3.2 days with ±20% jitter, later if endpoints send Retry-After).
 */
export const RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
  12 * HOUR,
  12 * HOUR,
  12 * HOUR,
]);

/** Spreads retries so endpoints that failed together are not hit together again. */
const JITTER = 0.2;
/** An endpoint may ask to wait, but not to park an event for longer than a day. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/**
 * Delay before the next attempt after `attemptsMade` attempts (0: the first attempt), or null
 * when the schedule is exhausted. The scheduled delay is jittered ±20% and raised to the
 * endpoint's Retry-After (capped at 24 h) when one is given.
 */
export function nextRetryDelay(attemptsMade: number, retryAfterMs?: number, random: () => number = Math.random): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  const scheduled = RETRY_DELAYS_MS[attemptsMade];
  if (scheduled === undefined) return null;
  const jittered = Math.round(scheduled * (1 + JITTER * (2 * random() - 1)));
  if (retryAfterMs === undefined || Number.isNaN(retryAfterMs)) return jittered;
  return Math.max(jittered, Math.ceil(Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS)));
}
