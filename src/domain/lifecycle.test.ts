import { describe, expect, it } from 'vitest';
import { CONVERSATION_STATUSES, type ConversationStatus } from './conversation.js';
import {
  canTransition,
  DEFAULT_LIFECYCLE_SETTINGS,
  onCustomerMessage,
  TIMER_KINDS,
  timerFor,
  timerTarget,
  transition,
  TRANSITIONS,
  wakeTarget,
} from './lifecycle.js';

const NOW = new Date('2026-01-15T10:00:00Z');
const LATER = new Date('2026-01-16T10:00:00Z');
const HOUR = 3_600_000;

const EXPECTED: Record<ConversationStatus, ConversationStatus[]> = {
  queued: ['active', 'snoozed', 'resolved', 'closed', 'abandoned'],
  active: ['pending', 'snoozed', 'resolved', 'queued'],
  pending: ['active', 'snoozed', 'resolved'],
  snoozed: ['queued', 'active', 'pending', 'resolved'],
  resolved: ['queued', 'closed'],
  closed: [],
  abandoned: ['closed'],
};

describe('the transition table', () => {
  const pairs = CONVERSATION_STATUSES.flatMap((from) => CONVERSATION_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s follows the documented table', (from, to) => {
    const allowed = EXPECTED[from].includes(to);
    expect(canTransition(from, to)).toBe(allowed);
    const result = transition({ status: from, snoozedFrom: 'active' }, to, { now: NOW, snoozeUntil: LATER, openThread: 'key' });
    if (allowed) {
      expect(result.ok).toBe(true);
    } else {
      expect(result).toEqual({ ok: false, error: { code: 'invalid_transition', from, to, allowed: TRANSITIONS[from] } });
    }
  });

  it('never allows staying in the same status, and closed is final', () => {
    for (const s of CONVERSATION_STATUSES) expect(canTransition(s, s)).toBe(false);
    expect(TRANSITIONS.closed).toEqual([]);
  });
});

describe('the field changes of a transition', () => {
  it('snoozing needs a future snoozeUntil and remembers where it came from', () => {
    expect(transition({ status: 'pending' }, 'snoozed', { now: NOW })).toEqual({ ok: false, error: { code: 'snooze_until_required' } });
    expect(transition({ status: 'pending' }, 'snoozed', { now: NOW, snoozeUntil: NOW })).toEqual({
      ok: false,
      error: { code: 'snooze_until_in_past', snoozeUntil: NOW, now: NOW },
    });
    expect(transition({ status: 'pending' }, 'snoozed', { now: NOW, snoozeUntil: LATER })).toEqual({
      ok: true,
      set: { status: 'snoozed', statusChangedAt: NOW, snoozedUntil: LATER, snoozedFrom: 'pending' },
      unset: [],
    });
  });

  it('waking clears the snooze fields', () => {
    expect(transition({ status: 'snoozed', snoozedFrom: 'active', snoozedUntil: LATER }, 'active', { now: NOW })).toEqual({
      ok: true,
      set: { status: 'active', statusChangedAt: NOW },
      unset: ['snoozedUntil', 'snoozedFrom'],
    });
  });

  it('ending states free the openThread slot and stamp their time', () => {
    expect(transition({ status: 'active' }, 'resolved', { now: NOW })).toEqual({
      ok: true,
      set: { status: 'resolved', statusChangedAt: NOW, resolvedAt: NOW },
      unset: ['openThread'],
    });
    expect(transition({ status: 'queued' }, 'closed', { now: NOW })).toEqual({
      ok: true,
      set: { status: 'closed', statusChangedAt: NOW, closedAt: NOW },
      unset: ['openThread'],
    });
    expect(transition({ status: 'queued' }, 'abandoned', { now: NOW })).toEqual({ ok: true, set: { status: 'abandoned', statusChangedAt: NOW }, unset: ['openThread'] });
    expect(transition({ status: 'snoozed' }, 'resolved', { now: NOW })).toEqual({
      ok: true,
      set: { status: 'resolved', statusChangedAt: NOW, resolvedAt: NOW },
      unset: ['snoozedUntil', 'snoozedFrom', 'openThread'],
    });
  });

  it('an ended conversation moving to another ended state does not touch openThread', () => {
    expect(transition({ status: 'resolved' }, 'closed', { now: NOW })).toEqual({ ok: true, set: { status: 'closed', statusChangedAt: NOW, closedAt: NOW }, unset: [] });
    expect(transition({ status: 'abandoned' }, 'closed', { now: NOW })).toEqual({ ok: true, set: { status: 'closed', statusChangedAt: NOW, closedAt: NOW }, unset: [] });
  });

  it('reopening takes the openThread key back and needs it', () => {
    expect(transition({ status: 'resolved' }, 'queued', { now: NOW, openThread: 'ch:contact' })).toEqual({
      ok: true,
      set: { status: 'queued', statusChangedAt: NOW, openThread: 'ch:contact' },
      unset: ['resolvedAt'],
    });
    expect(() => transition({ status: 'resolved' }, 'queued', { now: NOW })).toThrow(/openThread/);
  });
});

describe('waking and the customer-wrote rule', () => {
  it('wakes back to the state it was snoozed from, queued when unknown', () => {
    expect(wakeTarget({ status: 'snoozed', snoozedFrom: 'active' })).toBe('active');
    expect(wakeTarget({ status: 'snoozed', snoozedFrom: 'pending' })).toBe('pending');
    expect(wakeTarget({ status: 'snoozed', snoozedFrom: 'queued' })).toBe('queued');
    expect(wakeTarget({ status: 'snoozed' })).toBe('queued');
  });

  it.each([
    ['queued', false, { action: 'continue' }],
    ['active', false, { action: 'continue' }],
    ['pending', true, { action: 'continue' }],
    ['snoozed', false, { action: 'wake', to: 'pending' }],
    ['resolved', false, { action: 'new' }],
    ['resolved', true, { action: 'reopen' }],
    ['closed', true, { action: 'new' }],
    ['abandoned', true, { action: 'new' }],
  ] as const)('%s (reopenResolved=%s) -> %j', (status, reopenResolved, outcome) => {
    expect(onCustomerMessage({ status, snoozedFrom: 'pending' }, { reopenResolved })).toEqual(outcome);
  });
});

describe('timers', () => {
  const settings = { ...DEFAULT_LIFECYCLE_SETTINGS, autoResolveAfterHours: 2, abandonAfterMinutes: 30 };
  const lastCustomer = new Date(NOW.getTime() - HOUR);

  it('default settings: 24 h auto-resolve, 60 min abandonment, new linked conversations', () => {
    expect(DEFAULT_LIFECYCLE_SETTINGS).toEqual({ autoResolveAfterHours: 24, abandonAfterMinutes: 60, reopenResolved: false });
  });

  it('each status implies its timers', () => {
    expect(timerFor({ status: 'snoozed', snoozedUntil: LATER }, settings)).toEqual({ kind: 'snooze-wake', at: LATER });
    expect(timerFor({ status: 'queued', lastCustomerMessageAt: NOW }, settings)).toEqual({ kind: 'abandon', at: new Date(NOW.getTime() + 30 * 60_000) });
    for (const status of ['active', 'pending'] as const) {
      expect(timerFor({ status, lastCustomerMessageAt: NOW }, settings)).toEqual({ kind: 'auto-resolve', at: new Date(NOW.getTime() + 2 * HOUR) });
    }
    for (const status of ['resolved', 'closed', 'abandoned'] as const) expect(timerFor({ status, lastCustomerMessageAt: NOW }, settings)).toBeNull();
  });

  it('counts inactivity from the later of the last customer message and entering the state', () => {
    expect(timerFor({ status: 'pending', lastCustomerMessageAt: lastCustomer, statusChangedAt: NOW }, settings)).toEqual({ kind: 'auto-resolve', at: new Date(NOW.getTime() + 2 * HOUR) });
    expect(timerFor({ status: 'pending', lastCustomerMessageAt: NOW, statusChangedAt: lastCustomer }, settings)).toEqual({ kind: 'auto-resolve', at: new Date(NOW.getTime() + 2 * HOUR) });
  });

  it('a due timer applies only while its status still holds', () => {
    const targets = Object.fromEntries(
      TIMER_KINDS.map((kind) => [kind, Object.fromEntries(CONVERSATION_STATUSES.map((status) => [status, timerTarget(kind, { status, snoozedFrom: 'active' })]))]),
    );
    expect(targets).toEqual({
      'snooze-wake': { queued: null, active: null, pending: null, snoozed: 'active', resolved: null, closed: null, abandoned: null },
      'auto-resolve': { queued: null, active: 'resolved', pending: 'resolved', snoozed: null, resolved: null, closed: null, abandoned: null },
      abandon: { queued: 'abandoned', active: null, pending: null, snoozed: null, resolved: null, closed: null, abandoned: null },
    });
    // Every target a timer picks is an allowed transition.
    for (const kind of TIMER_KINDS) {
      for (const status of CONVERSATION_STATUSES) {
        const to = timerTarget(kind, { status, snoozedFrom: 'pending' });
        if (to) expect(canTransition(status, to)).toBe(true);
      }
    }
  });
});
