import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, RETRY_DELAYS_MS, nextRetryDelay } from './retry-schedule.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const mid = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999999;

describe('RETRY_DELAYS_MS', () => {
  it('is the Svix-like schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 12 h ×3', () => {
    expect(RETRY_DELAYS_MS).toEqual([
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
    expect(Object.isFrozen(RETRY_DELAYS_MS)).toBe(true);
  });

  it('spans 63 h 35 min 5 s, about 2.65 days, from first to last attempt', () => {
    const total = RETRY_DELAYS_MS.reduce((sum, d) => sum + d, 0);
    expect(total).toBe(63 * HOUR + 35 * MINUTE + 5 * SECOND);
    expect(total / (24 * HOUR)).toBeCloseTo(2.65, 2);
  });
});

describe('nextRetryDelay', () => {
  it('follows the schedule, indexed by attempts made, without jitter at random 0.5', () => {
    RETRY_DELAYS_MS.forEach((delay, attemptsMade) => expect(nextRetryDelay(attemptsMade, undefined, mid)).toBe(delay));
    expect(nextRetryDelay(1, undefined, mid)).toBe(5 * SECOND);
    expect(nextRetryDelay(4, undefined, mid)).toBe(2 * HOUR);
  });

  it('is null once the 11 attempts are used up', () => {
    expect(nextRetryDelay(RETRY_DELAYS_MS.length - 1, undefined, mid)).toBe(12 * HOUR);
    expect(nextRetryDelay(RETRY_DELAYS_MS.length, undefined, mid)).toBeNull();
    expect(nextRetryDelay(RETRY_DELAYS_MS.length, 60 * SECOND, mid)).toBeNull();
    expect(nextRetryDelay(100)).toBeNull();
  });

  it('jitters by at most ±20%', () => {
    expect(nextRetryDelay(2, undefined, lowest)).toBe(4 * MINUTE);
    expect(nextRetryDelay(2, undefined, highest)).toBe(6 * MINUTE);
    expect(nextRetryDelay(6, undefined, lowest)).toBe(8 * HOUR);
    expect(nextRetryDelay(6, undefined, () => 0.75)).toBe(11 * HOUR);
    expect(nextRetryDelay(0, undefined, highest)).toBe(0);
  });

  it('stays within the bounds with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const delay = nextRetryDelay(3);
      expect(delay).toBeGreaterThanOrEqual(24 * MINUTE);
      expect(delay).toBeLessThanOrEqual(36 * MINUTE);
    }
  });

  it('never comes back sooner than Retry-After, but otherwise keeps the schedule', () => {
    expect(nextRetryDelay(1, 120 * SECOND, mid)).toBe(120 * SECOND);
    expect(nextRetryDelay(1, 120 * SECOND, highest)).toBe(120 * SECOND);
    expect(nextRetryDelay(4, 60 * SECOND, lowest)).toBe(1.6 * HOUR);
    expect(nextRetryDelay(1, 0, mid)).toBe(5 * SECOND);
    expect(nextRetryDelay(1, -5 * SECOND, mid)).toBe(5 * SECOND);
    expect(nextRetryDelay(1, 4500.2, lowest)).toBe(4501);
  });

  it('caps Retry-After at 24 h', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(24 * HOUR);
    expect(nextRetryDelay(1, 7 * 24 * HOUR, mid)).toBe(24 * HOUR);
    expect(nextRetryDelay(1, Number.POSITIVE_INFINITY, mid)).toBe(24 * HOUR);
    expect(nextRetryDelay(10, 30 * HOUR, highest)).toBe(24 * HOUR);
  });

  it('refuses a negative or fractional attempt count', () => {
    expect(() => nextRetryDelay(-1)).toThrow(RangeError);
    expect(() => nextRetryDelay(1.5)).toThrow(RangeError);
  });
});
