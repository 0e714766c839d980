/**
 * Which queue a new conversation lands in: the first queue, by priority, whose rules all match
 * the conversation's facts; the workspace's default queue when none does. Pure: the clock is
 * passed in and business hours are read in the queue's timezone with Intl (no date library).
 */

export interface BusinessHours {
  /** An IANA timezone, e.g. "Europe/Lisbon". */
  timezone: string;
  /** Open ranges by weekday (0 = Sunday), local 'HH:MM'; `to` before `from` runs past midnight. */
  days: { day: number; from: string; to: string }[];
}

/** Every rule given must match; a rule left out matches everything. */
export interface QueueRules {
  channelIds?: string[];
  /** At least one of these tags. */
  tags?: string[];
  /** The conversation's language, by exact tag or its primary subtag ("pt-BR" matches "pt"). */
  languages?: string[];
  /** Each attribute equal (as text) to the contact's. */
  contactAttributes?: Record<string, string>;
  businessHours?: BusinessHours;
}

export interface ConversationFacts {
  channelId: string;
  tags: string[];
  language?: string;
  contactAttributes: Record<string, unknown>;
}

export interface MatchableQueue {
  priority: number;
  isDefault: boolean;
  rules: QueueRules;
}

/**
 * The queue for `facts` at `now`: non-default queues by descending priority (ties keep the given
 * order), else the default one. Undefined only when no queue matches and there is no default.
 */
export function pickQueue<Q extends MatchableQueue>(queues: readonly Q[], facts: ConversationFacts, now: Date): Q | undefined {
  const ranked = queues.filter((q) => !q.isDefault).sort((a, b) => b.priority - a.priority);
  return ranked.find((q) => matches(q.rules, facts, now)) ?? queues.find((q) => q.isDefault);
}

export function matches(rules: QueueRules, facts: ConversationFacts, now: Date): boolean {
  if (rules.channelIds?.length && !rules.channelIds.includes(facts.channelId)) return false;
  if (rules.tags?.length && !rules.tags.some((t) => facts.tags.includes(t))) return false;
  if (rules.languages?.length && !languageMatches(rules.languages, facts.language)) return false;
  for (const [key, value] of Object.entries(rules.contactAttributes ?? {})) {
    const actual = facts.contactAttributes[key];
    if (actual === undefined || actual === null || String(actual) !== value) return false;
  }
  if (rules.businessHours && !withinBusinessHours(rules.businessHours, now)) return false;
  return true;
}

function languageMatches(wanted: readonly string[], language: string | undefined): boolean {
  if (!language) return false;
  const lang = language.toLowerCase();
  const primary = lang.split('-')[0];
  return wanted.some((w) => {
    const l = w.toLowerCase();
    return l === lang || l === primary;
  });
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The weekday (0 = Sunday) and minute of the day at `now` in `timezone`. */
export function localTime(timezone: string, now: Date): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAYS.indexOf(part('weekday')), minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Open at `now`: `from` inclusive, `to` exclusive; an overnight range continues on the next day. */
export function withinBusinessHours(hours: BusinessHours, now: Date): boolean {
  const { day, minute } = localTime(hours.timezone, now);
  return hours.days.some((range) => {
    const from = toMinute(range.from);
    const to = toMinute(range.to);
    if (from <= to) return range.day === day && minute >= from && minute < to;
    return (range.day === day && minute >= from) || ((range.day + 1) % 7 === day && minute < to);
  });
}

/** True when Intl knows the timezone: request validation refuses any other. */
export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
