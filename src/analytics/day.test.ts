import { describe, expect, it } from 'vitest';
import { dayContaining } from './day.js';

const iso = (d: { start: Date; end: Date }) => ({ start: d.start.toISOString(), end: d.end.toISOString() });

describe('dayContaining', () => {
  it('is the UTC day in UTC', () => {
    expect(iso(dayContaining(new Date('2026-01-15T10:00:00Z'), 'UTC'))).toEqual({ start: '2026-01-15T00:00:00.000Z', end: '2026-01-16T00:00:00.000Z' });
  });

  it('is the local day elsewhere, which may be another UTC date', () => {
    // 02:00 UTC is still the evening before in New York (UTC-5 in January).
    expect(iso(dayContaining(new Date('2026-01-15T02:00:00Z'), 'America/New_York'))).toEqual({
      start: '2026-01-14T05:00:00.000Z',
      end: '2026-01-15T05:00:00.000Z',
    });
    // 20:00 UTC is already the next day in Tokyo (UTC+9).
    expect(iso(dayContaining(new Date('2026-01-15T20:00:00Z'), 'Asia/Tokyo'))).toEqual({
      start: '2026-01-15T15:00:00.000Z',
      end: '2026-01-16T15:00:00.000Z',
    });
    expect(iso(dayContaining(new Date('2026-01-15T10:00:00Z'), 'Asia/Kolkata'))).toEqual({
      start: '2026-01-14T18:30:00.000Z',
      end: '2026-01-15T18:30:00.000Z',
    });
  });

  it('has 23 or 25 hours on a daylight-saving change', () => {
    // Europe/Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.
    const spring = dayContaining(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(iso(spring)).toEqual({ start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' });
    const autumn = dayContaining(new Date('2026-10-25T12:00:00Z'), 'Europe/Berlin');
    expect(iso(autumn)).toEqual({ start: '2026-10-24T22:00:00.000Z', end: '2026-10-25T23:00:00.000Z' });
  });

  it('includes its start and excludes its end', () => {
    const day = dayContaining(new Date('2026-01-15T00:00:00Z'), 'UTC');
    expect(day.start.toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(iso(dayContaining(new Date('2026-01-15T23:59:59.999Z'), 'UTC')).end).toBe('2026-01-16T00:00:00.000Z');
  });

  it('crosses month and year ends', () => {
    expect(iso(dayContaining(new Date('2026-12-31T12:00:00Z'), 'UTC'))).toEqual({ start: '2026-12-31T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  });
});
