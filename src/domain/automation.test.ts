import { describe, expect, it } from 'vitest';
import {
  causedByAutomation,
  conditionProblem,
  evaluateCondition,
  factValue,
  isKnownField,
  messageText,
  planActions,
  ruleListens,
  ruleMatches,
  type AutomationAction,
  type AutomationFacts,
  type Condition,
} from './automation.js';
import type { MessageContent } from './message.js';

const facts: AutomationFacts = {
  message: { text: 'Hello, I need a REFUND please', type: 'text', direction: 'inbound', author: 'contact', automatic: false },
  contact: { name: 'Ana Lima', email: 'ana@example.com', attributes: { plan: 'Pro', seats: '12', vip: true, empty: '' } },
  conversation: { status: 'queued', channelId: 'c1', channelType: 'whatsapp-cloud', tags: ['Billing', 'new'], priority: 'normal', unreadCount: 2, archived: false },
};

const holds = (field: string, operator: Condition['operator'], value?: Condition['value']) => evaluateCondition({ field, operator, value }, facts);

describe('condition operators', () => {
  it('equals / not_equals: text case-insensitively, other values exactly, lists by any element', () => {
    expect(holds('contact.attributes.plan', 'equals', 'pro')).toBe(true);
    expect(holds('contact.attributes.plan', 'equals', 'basic')).toBe(false);
    expect(holds('conversation.unreadCount', 'equals', 2)).toBe(true);
    expect(holds('conversation.unreadCount', 'equals', '2')).toBe(false);
    expect(holds('contact.attributes.vip', 'equals', true)).toBe(true);
    expect(holds('conversation.tags', 'equals', 'billing')).toBe(true);
    expect(holds('contact.attributes.plan', 'not_equals', 'basic')).toBe(true);
    expect(holds('contact.attributes.plan', 'not_equals', 'PRO')).toBe(false);
    // An absent fact equals nothing, so it is "not equal" to anything.
    expect(holds('contact.phone', 'equals', 'x')).toBe(false);
    expect(holds('contact.phone', 'not_equals', 'x')).toBe(true);
  });

  it('contains / not_contains: a substring of text, an element of a list', () => {
    expect(holds('message.text', 'contains', 'refund')).toBe(true);
    expect(holds('message.text', 'contains', 'invoice')).toBe(false);
    expect(holds('conversation.tags', 'contains', 'BILLING')).toBe(true);
    expect(holds('conversation.tags', 'contains', 'bill')).toBe(false);
    expect(holds('message.text', 'not_contains', 'invoice')).toBe(true);
    expect(holds('conversation.tags', 'not_contains', 'new')).toBe(false);
    expect(holds('contact.phone', 'contains', 'x')).toBe(false);
    expect(holds('contact.phone', 'not_contains', 'x')).toBe(true);
  });

  it('starts_with, case-insensitively', () => {
    expect(holds('message.text', 'starts_with', 'hello')).toBe(true);
    expect(holds('message.text', 'starts_with', 'refund')).toBe(false);
    expect(holds('contact.email', 'starts_with', 'ANA@')).toBe(true);
    expect(holds('conversation.tags', 'starts_with', 'bil')).toBe(true);
    expect(holds('conversation.unreadCount', 'starts_with', '2')).toBe(false);
  });

  it('in / not_in: the fact, or one element of a list fact, is among the values', () => {
    expect(holds('conversation.status', 'in', ['active', 'QUEUED'])).toBe(true);
    expect(holds('conversation.status', 'in', ['active', 'pending'])).toBe(false);
    expect(holds('conversation.tags', 'in', ['vip', 'new'])).toBe(true);
    expect(holds('conversation.status', 'not_in', ['resolved', 'closed'])).toBe(true);
    expect(holds('conversation.status', 'not_in', ['queued'])).toBe(false);
    expect(holds('contact.phone', 'not_in', ['1'])).toBe(true);
  });

  it('exists / not_exists: absent, null, empty text and empty lists do not exist', () => {
    expect(holds('contact.name', 'exists')).toBe(true);
    expect(holds('contact.phone', 'exists')).toBe(false);
    expect(holds('contact.attributes.empty', 'exists')).toBe(false);
    expect(holds('conversation.assigneeId', 'not_exists')).toBe(true);
    expect(holds('contact.attributes.vip', 'not_exists')).toBe(false);
    expect(evaluateCondition({ field: 'conversation.tags', operator: 'exists' }, { conversation: { ...facts.conversation!, tags: [] } })).toBe(false);
  });

  it('gt / gte / lt / lte on numbers and numeric text; anything else does not compare', () => {
    expect(holds('conversation.unreadCount', 'gt', 1)).toBe(true);
    expect(holds('conversation.unreadCount', 'gt', 2)).toBe(false);
    expect(holds('conversation.unreadCount', 'gte', 2)).toBe(true);
    expect(holds('conversation.unreadCount', 'lt', 3)).toBe(true);
    expect(holds('conversation.unreadCount', 'lt', 2)).toBe(false);
    expect(holds('conversation.unreadCount', 'lte', 2)).toBe(true);
    expect(holds('contact.attributes.seats', 'gte', 10)).toBe(true);
    expect(holds('contact.attributes.plan', 'gt', 0)).toBe(false);
    expect(holds('contact.attributes.plan', 'lt', 0)).toBe(false);
    expect(holds('contact.phone', 'lt', 5)).toBe(false);
  });
});

describe('fact paths', () => {
  it('reads nested attributes and never inherited properties', () => {
    expect(factValue({ contact: { attributes: { address: { city: 'Porto' } } } }, 'contact.attributes.address.city')).toBe('Porto');
    expect(factValue(facts, 'contact.attributes.constructor')).toBeUndefined();
    expect(factValue(facts, 'message.text.length')).toBeUndefined();
  });

  it('knows the documented fields and any contact attribute', () => {
    for (const f of ['message.text', 'message.automatic', 'contact.email', 'contact.attributes.plan', 'conversation.tags', 'conversation.channelType']) {
      expect(isKnownField(f), f).toBe(true);
    }
    for (const f of ['message', 'message.content', 'contact.attributes', 'conversation.workspaceId', 'contact.attributes.<key>', 'other.x']) {
      expect(isKnownField(f), f).toBe(false);
    }
  });
});

describe('matching', () => {
  const yes: Condition = { field: 'message.text', operator: 'contains', value: 'refund' };
  const no: Condition = { field: 'conversation.status', operator: 'equals', value: 'closed' };

  it('all needs every condition, any needs one; no conditions always match', () => {
    expect(ruleMatches({ match: 'all', conditions: [yes, yes] }, facts)).toBe(true);
    expect(ruleMatches({ match: 'all', conditions: [yes, no] }, facts)).toBe(false);
    expect(ruleMatches({ match: 'any', conditions: [no, yes] }, facts)).toBe(true);
    expect(ruleMatches({ match: 'any', conditions: [no, no] }, facts)).toBe(false);
    expect(ruleMatches({ match: 'all', conditions: [] }, facts)).toBe(true);
    expect(ruleMatches({ match: 'any', conditions: [] }, facts)).toBe(true);
  });

  it('a condition on a missing part of the facts does not hold', () => {
    expect(ruleMatches({ match: 'all', conditions: [yes] }, { conversation: facts.conversation })).toBe(false);
  });
});

describe('saving conditions', () => {
  it('names what is wrong with a value for its operator', () => {
    expect(conditionProblem({ field: 'message.text', operator: 'contains', value: 'x' })).toBeUndefined();
    expect(conditionProblem({ field: 'message.body', operator: 'contains', value: 'x' })).toMatch(/Unknown field/);
    expect(conditionProblem({ field: 'message.text', operator: 'contains' })).toMatch(/single/);
    expect(conditionProblem({ field: 'message.text', operator: 'equals', value: ['a'] })).toMatch(/single/);
    expect(conditionProblem({ field: 'message.text', operator: 'exists', value: 'x' })).toMatch(/no value/);
    expect(conditionProblem({ field: 'conversation.status', operator: 'in', value: [] })).toMatch(/list/);
    expect(conditionProblem({ field: 'conversation.status', operator: 'in', value: 'queued' })).toMatch(/list/);
    expect(conditionProblem({ field: 'conversation.unreadCount', operator: 'gt', value: '3' })).toMatch(/number/);
    expect(conditionProblem({ field: 'conversation.unreadCount', operator: 'lte', value: 3 })).toBeUndefined();
  });
});

describe('planned actions', () => {
  const actions: AutomationAction[] = [
    { type: 'add_tag', tag: 'x' },
    { type: 'reply_text', text: 'hi' },
    { type: 'reply_template', name: 't', language: 'en', parameters: [] },
  ];

  it('runs everything for a person and skips replies to automatic email', () => {
    expect(planActions(actions, facts).map((p) => p.skip)).toEqual([undefined, undefined, undefined]);
    const automatic = { ...facts, message: { ...facts.message!, automatic: true } };
    expect(planActions(actions, automatic).map((p) => p.skip)).toEqual([undefined, 'automatic_message', 'automatic_message']);
  });
});

describe('automatic mail', () => {
  const email = (automatic: boolean): MessageContent => ({ type: 'email', subject: 'Automatic reply', text: 'Away', newText: 'Away', from: 'a@x', to: [], cc: [], attachments: [], automatic });
  const autoReply = email(true);
  const person = email(false);
  const plain = { trigger: 'message.received', conditions: [{ field: 'message.text', operator: 'contains', value: 'refund' }] } as const;
  const asking = { trigger: 'message.received', conditions: [{ field: 'message.automatic', operator: 'equals', value: true }] } as const;

  it('sets off, as it arrives or opens a conversation, only the rules naming message.automatic', () => {
    expect(ruleListens(plain, autoReply)).toBe(false);
    expect(ruleListens({ ...plain, trigger: 'conversation.created' }, autoReply)).toBe(false);
    expect(ruleListens({ trigger: 'conversation.created', conditions: [] }, autoReply)).toBe(false);
    expect(ruleListens(asking, autoReply)).toBe(true);
    expect(ruleListens({ ...asking, trigger: 'conversation.created' }, autoReply)).toBe(true);
  });

  it('leaves everything else to the conditions', () => {
    expect(ruleListens(plain, person)).toBe(true);
    expect(ruleListens(plain, { type: 'text', text: 'refund' })).toBe(true);
    expect(ruleListens(plain, undefined)).toBe(true);
    // An agent resolving or assigning is no message arriving, whatever the customer last sent.
    expect(ruleListens({ ...plain, trigger: 'conversation.status_changed' }, autoReply)).toBe(true);
    expect(ruleListens({ ...plain, trigger: 'conversation.assigned' }, autoReply)).toBe(true);
  });
});

describe('loop safety', () => {
  it('recognizes the effects of automation', () => {
    expect(causedByAutomation({ actor: 'automation' })).toBe(true);
    expect(causedByAutomation({ automation: { ruleId: 'r' } })).toBe(true);
    expect(causedByAutomation({ message: { author: 'automation' } })).toBe(true);
    expect(causedByAutomation({ actor: 'agent' })).toBe(false);
    expect(causedByAutomation({ message: { author: 'contact' } })).toBe(false);
  });
});

describe('message text', () => {
  it('is what the sender wrote, whatever the content type', () => {
    expect(messageText({ type: 'text', text: 'hi' })).toBe('hi');
    expect(messageText({ type: 'image', media: {}, caption: 'look' })).toBe('look');
    expect(messageText({ type: 'button_reply', payload: 'P', text: 'Yes' })).toBe('Yes');
    expect(messageText({ type: 'interactive_reply', reply: { kind: 'button', id: 'b', title: 'Option 1' } })).toBe('Option 1');
    expect(
      messageText({ type: 'email', subject: 's', text: 'new\n> old', newText: 'new', from: 'a@x', to: [], cc: [], attachments: [], automatic: false }),
    ).toBe('new');
    expect(messageText({ type: 'unsupported' })).toBeUndefined();
  });
});
