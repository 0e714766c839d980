import { describe, expect, it } from 'vitest';
import { localTime, matches, pickQueue, withinBusinessHours, type BusinessHours, type ConversationFacts } from '../src/domain/queue-matching.js';

const facts = (over: Partial<ConversationFacts> = {}): ConversationFacts => ({ channelId: 'c1', tags: [], contactAttributes: {}, ...over });
const weekdays = (timezone: string, from = '09:00', to = '17:00'): BusinessHours => ({ timezone, days: [1, 2, 3, 4, 5].map((day) => ({ day, from, to })) });

describe('pickQueue', () => {
  const fallback = { name: 'default', priority: 0, isDefault: true, rules: {} };
  const email = { name: 'email', priority: 5, isDefault: false, rules: { channelIds: ['c2'] } };
  const pt = { name: 'pt', priority: 10, isDefault: false, rules: { languages: ['pt'] } };
  const vip = { name: 'vip', priority: 1, isDefault: false, rules: { contactAttributes: { plan: 'gold' } } };
  const queues = [fallback, vip, email, pt];
  const now = new Date('2026-01-15T10:00:00Z');

  it('takes the highest-priority queue whose rules match', () => {
    expect(pickQueue(queues, facts({ channelId: 'c2', language: 'pt-BR' }), now)?.name).toBe('pt');
    expect(pickQueue(queues, facts({ channelId: 'c2', language: 'en' }), now)?.name).toBe('email');
    expect(pickQueue(queues, facts({ contactAttributes: { plan: 'gold' } }), now)?.name).toBe('vip');
  });

  it('falls back to the default queue, which is never matched by rules', () => {
    expect(pickQueue(queues, facts(), now)?.name).toBe('default');
    expect(pickQueue([vip], facts(), now)).toBeUndefined();
  });

  it('needs every rule given, any one of the tags, and compares attributes as text', () => {
    const rules = { channelIds: ['c1'], tags: ['billing', 'refund'], contactAttributes: { tier: '2' } };
    expect(matches(rules, facts({ tags: ['refund'], contactAttributes: { tier: 2 } }), now)).toBe(true);
    expect(matches(rules, facts({ tags: ['other'], contactAttributes: { tier: 2 } }), now)).toBe(false);
    expect(matches(rules, facts({ tags: ['refund'], contactAttributes: {} }), now)).toBe(false);
    expect(matches({ languages: ['pt-br'] }, facts({ language: 'pt-BR' }), now)).toBe(true);
    expect(matches({ languages: ['pt'] }, facts({}), now)).toBe(false);
  });
});

describe('business hours in a timezone', () => {
  it('reads the local weekday and minute', () => {
    // Thursday 10:00 UTC is 19:00 in Tokyo, 05:00 in New York (EST), 15:45 in Kathmandu (+05:45).
    expect(localTime('Asia/Tokyo', new Date('2026-01-15T10:00:00Z'))).toEqual({ day: 4, minute: 19 * 60 });
    expect(localTime('America/New_York', new Date('2026-01-15T10:00:00Z'))).toEqual({ day: 4, minute: 5 * 60 });
    expect(localTime('Asia/Kathmandu', new Date('2026-01-15T10:00:00Z'))).toEqual({ day: 4, minute: 15 * 60 + 45 });
  });

  it('opens at `from` and closes at `to`, in local time across daylight saving', () => {
    const ny = weekdays('America/New_York');
    expect(withinBusinessHours(ny, new Date('2026-01-15T13:59:00Z'))).toBe(false); // 08:59 EST
    expect(withinBusinessHours(ny, new Date('2026-01-15T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(withinBusinessHours(ny, new Date('2026-01-15T22:00:00Z'))).toBe(false); // 17:00 EST
    expect(withinBusinessHours(ny, new Date('2026-07-15T13:00:00Z'))).toBe(true); // 09:00 EDT
    expect(withinBusinessHours(ny, new Date('2026-07-15T12:59:00Z'))).toBe(false); // 08:59 EDT
  });

  it('takes the weekday in the timezone, not in UTC', () => {
    const tokyo = weekdays('Asia/Tokyo', '00:00', '23:59');
    // Friday 15:30 UTC is Saturday 00:30 in Tokyo: closed.
    expect(withinBusinessHours(tokyo, new Date('2026-01-16T15:30:00Z'))).toBe(false);
    expect(withinBusinessHours(tokyo, new Date('2026-01-16T14:30:00Z'))).toBe(true);
  });

  it('runs an overnight range into the next day', () => {
    const night: BusinessHours = { timezone: 'Europe/Lisbon', days: [{ day: 5, from: '22:00', to: '02:00' }] };
    expect(withinBusinessHours(night, new Date('2026-01-16T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(withinBusinessHours(night, new Date('2026-01-17T01:59:00Z'))).toBe(true); // Saturday 01:59
    expect(withinBusinessHours(night, new Date('2026-01-17T02:00:00Z'))).toBe(false);
    expect(withinBusinessHours(night, new Date('2026-01-16T21:59:00Z'))).toBe(false);
    expect(withinBusinessHours(night, new Date('2026-01-18T01:00:00Z'))).toBe(false); // Sunday 01:00
  });
});
