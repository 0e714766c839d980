import type { Types } from 'mongoose';
import type { Store } from '../store/index.js';

/**
 * Search without a text index (the test server has none): a case-insensitive regular expression
 * built from the ESCAPED query, so what the user typed is matched literally. Such a regex cannot
 * use an index, so each search is bounded: the newest MESSAGE_SCAN_LIMIT matching messages and
 * CONTACT_SCAN_LIMIT matching contacts (and as many identities) of the workspace.
 */
export const MESSAGE_SCAN_LIMIT = 500;
export const CONTACT_SCAN_LIMIT = 500;

/** Where a message's readable words are, for every content type that has some. */
const MESSAGE_TEXT_FIELDS = ['content.text', 'content.caption', 'content.subject', 'content.reply.title', 'content.interactive.body', 'content.name', 'content.address'];

export function literalPattern(query: string): RegExp {
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}

/** Phones are stored as digits (wa_id) or E.164: "+1 (555) 010-0" finds "15550100". */
function phonePattern(query: string): RegExp | undefined {
  if (!/^[\d\s+().-]+$/.test(query)) return undefined;
  const digits = query.replace(/\D/g, '');
  return digits.length >= 3 ? new RegExp(digits) : undefined;
}

/**
 * Contacts whose name, email or phone contains the query, as a filter: on the contact itself, or
 * on one of its channel identities (an email channel knows a contact's address only as the
 * identity's externalId; a username identity has no phone).
 */
export async function contactMatch(store: Store, workspaceId: Types.ObjectId, query: string): Promise<Record<string, unknown>> {
  const pattern = literalPattern(query);
  const phone = phonePattern(query);
  const byPhone = phone ? [{ phone }] : [];
  const identities = await store.contactIdentities
    .find({ workspaceId, $or: [{ externalId: pattern }, { displayName: pattern }, { username: pattern }, { phone: pattern }, ...byPhone] }, { contactId: 1 })
    .sort({ _id: -1 })
    .limit(CONTACT_SCAN_LIMIT)
    .lean();
  return { $or: [{ name: pattern }, { email: pattern }, { phone: pattern }, ...byPhone, { _id: { $in: identities.map((i) => i.contactId) } }] };
}

/**
 * The conversations a query finds, as a filter to combine with the others: those with a message
 * (internal notes included: they are agents' own text) or a contact that matches.
 */
export async function conversationMatch(store: Store, workspaceId: Types.ObjectId, query: string): Promise<Record<string, unknown>> {
  const pattern = literalPattern(query);
  const [messages, contacts] = await Promise.all([
    store.messages
      .find({ workspaceId, $or: MESSAGE_TEXT_FIELDS.map((field) => ({ [field]: pattern })) }, { conversationId: 1 })
      .sort({ _id: -1 })
      .limit(MESSAGE_SCAN_LIMIT)
      .lean(),
    contactMatch(store, workspaceId, query).then((match) =>
      store.contacts.find({ workspaceId, ...match }, { _id: 1 }).sort({ _id: -1 }).limit(CONTACT_SCAN_LIMIT).lean(),
    ),
  ]);
  return {
    $or: [{ _id: { $in: [...new Set(messages.map((m) => String(m.conversationId)))] } }, { contactId: { $in: contacts.map((c) => c._id) } }],
  };
}
