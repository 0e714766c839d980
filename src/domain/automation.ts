import { startsWorkForPeople, type MessageContent } from './message.js';
import type { ConversationPriority } from './conversation.js';

/**
 * Automation rules, the pure part: what a rule is, how its conditions read the facts of an
 * event (the message, the contact, the conversation) and which of its actions may run. Loading
 * rules, building facts and acting on them is src/automation/.
 */

/** The domain events a rule can listen to. */
export const AUTOMATION_TRIGGERS = ['conversation.created', 'message.received', 'conversation.status_changed', 'conversation.assigned'] as const;
export type AutomationTrigger = (typeof AUTOMATION_TRIGGERS)[number];

export const CONDITION_OPERATORS = [
  'equals',
  'not_equals',
  'contains',
  'not_contains',
  'starts_with',
  'in',
  'not_in',
  'exists',
  'not_exists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export type Scalar = string | number | boolean;

export interface Condition {
  /** A fact path such as `message.text`, `contact.attributes.plan` or `conversation.tags`. */
  field: string;
  operator: ConditionOperator;
  /** Absent for exists/not_exists, a list for in/not_in, a number for gt/gte/lt/lte. */
  value?: Scalar | Scalar[];
}

export const ACTION_TYPES = [
  'assign_agent',
  'assign_team',
  'assign_queue',
  'add_tag',
  'remove_tag',
  'set_priority',
  'reply_text',
  'reply_template',
  'webhook',
] as const;

export type AutomationAction =
  | { type: 'assign_agent'; agentId: string }
  /** An available member of the team with a free slot. */
  | { type: 'assign_team'; team: string }
  | { type: 'assign_queue'; queueId: string }
  | { type: 'add_tag'; tag: string }
  | { type: 'remove_tag'; tag: string }
  | { type: 'set_priority'; priority: ConversationPriority }
  | { type: 'reply_text'; text: string }
  /** `parameters` fill the template body's placeholders in order. */
  | { type: 'reply_template'; name: string; language: string; parameters: string[] }
  | { type: 'webhook'; url: string };
export type ActionType = AutomationAction['type'];

export interface RuleLogic {
  /** all: every condition must hold; any: at least one. No conditions always match. */
  match: 'all' | 'any';
  conditions: Condition[];
  actions: AutomationAction[];
}

export interface MessageFacts {
  /** What the sender wrote: the text, a caption, an email's new text (quoted history cut). */
  text?: string;
  /** Email only. */
  subject?: string;
  type: string;
  direction: string;
  author: string;
  /** Automatic email (auto-replies, lists, bounces): never answered by a rule; only rules naming it see it arrive (ruleListens). */
  automatic: boolean;
}

export interface ContactFacts {
  name?: string;
  email?: string;
  phone?: string;
  attributes: Record<string, unknown>;
}

export interface ConversationFacts {
  status: string;
  channelId: string;
  channelType?: string;
  tags: string[];
  priority: string;
  queueId?: string;
  assigneeId?: string;
  unreadCount: number;
  archived: boolean;
  subject?: string;
}

/** What conditions read. `message` is the event's message, else the conversation's latest inbound one. */
export interface AutomationFacts {
  message?: MessageFacts;
  contact?: ContactFacts;
  conversation?: ConversationFacts;
}

/** The fields a condition may name; any `contact.attributes.<key>` besides. */
const FIELDS: Record<keyof AutomationFacts, readonly string[]> = {
  message: ['text', 'subject', 'type', 'direction', 'author', 'automatic'],
  contact: ['name', 'email', 'phone'],
  conversation: ['status', 'channelId', 'channelType', 'tags', 'priority', 'queueId', 'assigneeId', 'unreadCount', 'archived', 'subject'],
};
const NAMED_FIELDS = Object.entries(FIELDS).flatMap(([root, names]) => names.map((n) => `${root}.${n}`));
/** For error messages and documentation. */
export const FACT_FIELDS: readonly string[] = [...NAMED_FIELDS, 'contact.attributes.<key>'];
const ATTRIBUTE_PATH = /^contact\.attributes(\.[A-Za-z0-9_-]{1,100}){1,5}$/;

export function isKnownField(path: string): boolean {
  return ATTRIBUTE_PATH.test(path) || NAMED_FIELDS.includes(path);
}

/** The value at a dotted path; own properties only, so `constructor` and the like read as absent. */
export function factValue(facts: AutomationFacts, path: string): unknown {
  let current: unknown = facts;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

type PositiveOperator = 'equals' | 'contains' | 'starts_with' | 'in' | 'exists' | 'gt' | 'gte' | 'lt' | 'lte';
/** Each negative operator is exactly "not" its positive one, also for absent facts. */
const NEGATIONS: Partial<Record<ConditionOperator, PositiveOperator>> = {
  not_equals: 'equals',
  not_contains: 'contains',
  not_in: 'in',
  not_exists: 'exists',
};

/** Text compares case-insensitively; other values exactly. */
const same = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b);
/** A list fact (tags) matches when one of its elements does. */
const elements = (fact: unknown): unknown[] => (Array.isArray(fact) ? fact : [fact]);
const present = (fact: unknown) => fact !== undefined && fact !== null && fact !== '' && !(Array.isArray(fact) && fact.length === 0);

/** Numbers, and text that is a number (contact attributes are often stored as text). */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function compare(fact: unknown, value: unknown, test: (a: number, b: number) => boolean): boolean {
  const a = toNumber(fact);
  const b = toNumber(value);
  return a !== undefined && b !== undefined && test(a, b);
}

function holds(operator: PositiveOperator, fact: unknown, value: Condition['value']): boolean {
  const text = typeof value === 'string' ? value.toLowerCase() : undefined;
  switch (operator) {
    case 'equals':
      return elements(fact).some((f) => same(f, value));
    case 'contains':
      // In a list, an element equal to the value; in text, the value anywhere.
      if (Array.isArray(fact)) return fact.some((f) => same(f, value));
      return typeof fact === 'string' && text !== undefined && fact.toLowerCase().includes(text);
    case 'starts_with':
      return text !== undefined && elements(fact).some((f) => typeof f === 'string' && f.toLowerCase().startsWith(text));
    case 'in':
      return Array.isArray(value) && elements(fact).some((f) => value.some((v) => same(f, v)));
    case 'exists':
      return present(fact);
    case 'gt':
      return compare(fact, value, (a, b) => a > b);
    case 'gte':
      return compare(fact, value, (a, b) => a >= b);
    case 'lt':
      return compare(fact, value, (a, b) => a < b);
    case 'lte':
      return compare(fact, value, (a, b) => a <= b);
  }
}

export function evaluateCondition(condition: Condition, facts: AutomationFacts): boolean {
  const fact = factValue(facts, condition.field);
  const positive = NEGATIONS[condition.operator];
  return positive ? !holds(positive, fact, condition.value) : holds(condition.operator as PositiveOperator, fact, condition.value);
}

export function ruleMatches(rule: Pick<RuleLogic, 'match' | 'conditions'>, facts: AutomationFacts): boolean {
  const results = rule.conditions.map((c) => evaluateCondition(c, facts));
  return rule.match === 'all' ? results.every(Boolean) : results.length === 0 || results.some(Boolean);
}

/** The triggers a customer's message sets off: its own arrival and the conversation it opens. */
const MESSAGE_TRIGGERS: readonly AutomationTrigger[] = ['conversation.created', 'message.received'];

/**
 * Whether a rule runs on an event at all, before its conditions are read. A message that starts
 * no work for people (automatic mail) sets off only the rules that ask for automatic messages by
 * naming `message.automatic` in a condition. `message` is the one the facts read.
 */
export function ruleListens(rule: { trigger: AutomationTrigger; conditions: readonly Condition[] }, message: MessageContent | undefined): boolean {
  if (!MESSAGE_TRIGGERS.includes(rule.trigger) || !message || startsWorkForPeople({ content: message })) return true;
  return rule.conditions.some((c) => c.field === 'message.automatic');
}

/**
 * Why a condition cannot be saved, or undefined when it is fine: an unknown field, or a value
 * that does not fit its operator.
 */
export function conditionProblem(c: Condition): string | undefined {
  if (!isKnownField(c.field)) return `Unknown field ${c.field}; known: ${FACT_FIELDS.join(', ')}`;
  switch (c.operator) {
    case 'exists':
    case 'not_exists':
      return c.value === undefined ? undefined : `${c.operator} takes no value`;
    case 'in':
    case 'not_in':
      return Array.isArray(c.value) && c.value.length > 0 ? undefined : `${c.operator} needs a non-empty list as value`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof c.value === 'number' ? undefined : `${c.operator} needs a number as value`;
    default:
      return c.value !== undefined && !Array.isArray(c.value) ? undefined : `${c.operator} needs a single text, number or boolean value`;
  }
}

/** What one action of a rule came to: applied, refused (with the refusal's code), skipped or failed. */
export interface ActionOutcome {
  status: 'applied' | 'refused' | 'skipped' | 'failed';
  code?: string;
  message?: string;
  /** What the action produced or reached: a message id, an agent id, an HTTP status. */
  detail?: Record<string, unknown>;
}

const REPLIES: readonly ActionType[] = ['reply_text', 'reply_template'];

export interface PlannedAction {
  action: AutomationAction;
  /** Set when the action must not run for these facts; recorded as its outcome. */
  skip?: 'automatic_message';
}

/** The rule's actions for these facts, in order: replies to automatic email are skipped (RFC 3834). */
export function planActions(actions: readonly AutomationAction[], facts: AutomationFacts): PlannedAction[] {
  return actions.map((action) => (facts.message?.automatic && REPLIES.includes(action.type) ? { action, skip: 'automatic_message' } : { action }));
}

/**
 * Whether an event is an effect of automation, which must never trigger automation again: a
 * change made by the `automation` actor (rules, routing, automation keys), a message an
 * automation wrote, or an event this module emitted (it carries `automation`).
 */
export function causedByAutomation(data: Record<string, unknown>): boolean {
  if (data.actor === 'automation' || data.automation !== undefined) return true;
  const message = data.message as { author?: unknown } | undefined;
  return message?.author === 'automation';
}

/** The text a condition on `message.text` reads; undefined for content that carries none. */
export function messageText(content: MessageContent): string | undefined {
  switch (content.type) {
    case 'text':
      return content.text;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
    case 'attachments':
      return content.caption;
    case 'email':
      return content.newText || content.text;
    case 'system':
      return content.body;
    case 'interactive_reply':
      return content.reply.title;
    case 'button_reply':
      return content.text;
    case 'interactive':
      return content.interactive.body;
    case 'reaction':
      return content.emoji;
    case 'location':
      return content.name ?? content.address;
    case 'contacts':
    case 'unsupported':
    case 'template':
      return undefined;
  }
}
