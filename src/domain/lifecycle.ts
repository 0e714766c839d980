import { isOpen, type ConversationStatus } from './conversation.js';

/**
 * The conversation lifecycle as one pure state machine: which status may follow which, the
 * field changes a transition makes, the timers a status implies and what a customer's message
 * does. No I/O here; `src/conversations/lifecycle-service.ts` applies it atomically.
 *
 * | from      | to                                                        |
 * | --------- | --------------------------------------------------------- |
 * | queued    | active, snoozed, resolved, closed, abandoned              |
 * | active    | pending, snoozed, resolved, queued (unassigned)           |
 * | pending   | active, snoozed, resolved                                 |
 * | snoozed   | queued, active, pending (wake, normally to `snoozedFrom`), resolved |
 * | resolved  | queued (reopened), closed                                 |
 * | closed    | nothing: final                                            |
 * | abandoned | closed                                                    |
 */
export const TRANSITIONS: Readonly<Record<ConversationStatus, readonly ConversationStatus[]>> = {
  queued: ['active', 'snoozed', 'resolved', 'closed', 'abandoned'],
  active: ['pending', 'snoozed', 'resolved', 'queued'],
  pending: ['active', 'snoozed', 'resolved'],
  snoozed: ['queued', 'active', 'pending', 'resolved'],
  resolved: ['queued', 'closed'],
  closed: [],
  abandoned: ['closed'],
};

export function allowedFrom(from: ConversationStatus): readonly ConversationStatus[] {
  return TRANSITIONS[from];
}

export function canTransition(from: ConversationStatus, to: ConversationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Per-workspace lifecycle settings and their defaults. */
export interface LifecycleSettings {
  /** Resolve an active or pending conversation after this long without a customer message. */
  autoResolveAfterHours: number;
  /** Abandon a queued conversation after this long without a customer message. */
  abandonAfterMinutes: number;
  /** A customer writing to a resolved conversation reopens it (true) or starts a linked new one. */
  reopenResolved: boolean;
  /** Sent to the customer when the auto-resolve timer resolves a conversation, if the channel allows it then. */
  closingMessage?: string;
}

export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = { autoResolveAfterHours: 24, abandonAfterMinutes: 60, reopenResolved: false };

/** What the state machine reads of a conversation. */
export interface LifecycleState {
  status: ConversationStatus;
  snoozedFrom?: ConversationStatus | null;
  snoozedUntil?: Date | null;
  lastCustomerMessageAt?: Date | null;
  statusChangedAt?: Date | null;
  createdAt?: Date | null;
}

export interface TransitionOptions {
  now: Date;
  /** Required when going to `snoozed`; must be after `now`. */
  snoozeUntil?: Date;
  /** Required when an ended conversation opens again: the key it holds while open. */
  openThread?: string;
}

/** The stored fields a transition sets and unsets. */
export interface TransitionFields {
  status: ConversationStatus;
  statusChangedAt: Date;
  snoozedUntil?: Date;
  snoozedFrom?: ConversationStatus;
  resolvedAt?: Date;
  closedAt?: Date;
  openThread?: string;
}
export type UnsetField = 'openThread' | 'snoozedUntil' | 'snoozedFrom' | 'resolvedAt';

export type TransitionError =
  | { code: 'invalid_transition'; from: ConversationStatus; to: ConversationStatus; allowed: readonly ConversationStatus[] }
  | { code: 'snooze_until_required' }
  | { code: 'snooze_until_in_past'; snoozeUntil: Date; now: Date };

export type TransitionResult = { ok: true; set: TransitionFields; unset: UnsetField[] } | { ok: false; error: TransitionError };

export function transition(c: LifecycleState, to: ConversationStatus, opts: TransitionOptions): TransitionResult {
  const from = c.status;
  if (!canTransition(from, to)) return { ok: false, error: { code: 'invalid_transition', from, to, allowed: allowedFrom(from) } };
  const set: TransitionFields = { status: to, statusChangedAt: opts.now };
  const unset: UnsetField[] = [];
  if (to === 'snoozed') {
    if (!opts.snoozeUntil) return { ok: false, error: { code: 'snooze_until_required' } };
    if (opts.snoozeUntil.getTime() <= opts.now.getTime()) {
      return { ok: false, error: { code: 'snooze_until_in_past', snoozeUntil: opts.snoozeUntil, now: opts.now } };
    }
    Object.assign(set, { snoozedUntil: opts.snoozeUntil, snoozedFrom: from });
  }
  if (from === 'snoozed') unset.push('snoozedUntil', 'snoozedFrom');
  if (to === 'resolved') set.resolvedAt = opts.now;
  if (to === 'closed') set.closedAt = opts.now;
  // An ended conversation frees the (channel, contact) or thread slot of the unique openThread
  // index; opening it again takes the slot back (and may collide with a newer open one).
  if (isOpen(from) && !isOpen(to)) unset.push('openThread');
  if (!isOpen(from) && isOpen(to)) {
    if (!opts.openThread) throw new Error('reopening a conversation needs its openThread key');
    set.openThread = opts.openThread;
    unset.push('resolvedAt');
  }
  return { ok: true, set, unset };
}

/** Where a snoozed conversation goes when it wakes: back to the state it was snoozed from. */
export function wakeTarget(c: LifecycleState): ConversationStatus {
  const from = c.snoozedFrom;
  return from === 'active' || from === 'pending' ? from : 'queued';
}

export type CustomerMessageOutcome =
  | { action: 'continue' }
  | { action: 'wake'; to: ConversationStatus }
  | { action: 'reopen' }
  | { action: 'new' };

/**
 * What a customer's message does to the conversation it reaches: an open one continues, a
 * snoozed one wakes, a resolved one reopens or gives way to a new linked conversation (per the
 * workspace setting), a closed or abandoned one always gives way to a new one.
 */
export function onCustomerMessage(c: LifecycleState, settings: Pick<LifecycleSettings, 'reopenResolved'>): CustomerMessageOutcome {
  switch (c.status) {
    case 'queued':
    case 'active':
    case 'pending':
      return { action: 'continue' };
    case 'snoozed':
      return { action: 'wake', to: wakeTarget(c) };
    case 'resolved':
      return settings.reopenResolved ? { action: 'reopen' } : { action: 'new' };
    case 'closed':
    case 'abandoned':
      return { action: 'new' };
  }
}

export const TIMER_KINDS = ['snooze-wake', 'auto-resolve', 'abandon'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
export interface TimerSpec {
  kind: TimerKind;
  at: Date;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * The timer a conversation's status implies: at most one, since each timed status has its own
 * kind. Inactivity counts from the later of the customer's last message and the moment the
 * status was entered, so a conversation reopened or set pending long after the customer last
 * wrote still gets the full wait.
 */
export function timerFor(c: LifecycleState, settings: LifecycleSettings): TimerSpec | null {
  const since = Math.max(c.lastCustomerMessageAt?.getTime() ?? 0, c.statusChangedAt?.getTime() ?? 0, c.createdAt?.getTime() ?? 0);
  switch (c.status) {
    case 'snoozed':
      return c.snoozedUntil ? { kind: 'snooze-wake', at: c.snoozedUntil } : null;
    case 'queued':
      return { kind: 'abandon', at: new Date(since + settings.abandonAfterMinutes * MINUTE) };
    case 'active':
    case 'pending':
      return { kind: 'auto-resolve', at: new Date(since + settings.autoResolveAfterHours * HOUR) };
    case 'resolved':
    case 'closed':
    case 'abandoned':
      return null;
  }
}

/** The status a due timer moves the conversation to, or null when it no longer applies. */
export function timerTarget(kind: TimerKind, c: LifecycleState): ConversationStatus | null {
  switch (kind) {
    case 'snooze-wake':
      return c.status === 'snoozed' ? wakeTarget(c) : null;
    case 'auto-resolve':
      return c.status === 'active' || c.status === 'pending' ? 'resolved' : null;
    case 'abandon':
      return c.status === 'queued' ? 'abandoned' : null;
  }
}
