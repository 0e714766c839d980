import { createHash } from 'node:crypto';
import type { Types } from 'mongoose';
import { notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { contactToApi } from '../representation/public-records.js';
import { contactMatch } from '../search/text-search.js';
import type { Store } from '../store/index.js';
import type { ContactIdentityDoc } from '../store/models/contact-identity.js';
import type { ContactDoc } from '../store/models/contact.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { newestFirst, type PageRequest } from '../store/workspace-records.js';

/** A contact's own fields as the API takes them; null removes one. Attributes are merged key by key, a null value deletes that key. */
export interface ContactInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  attributes?: Record<string, string | number | boolean | null>;
}

/** A contact with its channel identities and a page of its conversations (`limit + 1`, see newestFirst). */
export interface ContactDetail {
  contact: ContactDoc;
  identities: ContactIdentityDoc[];
  conversations: ConversationDoc[];
}

/**
 * The contacts of a workspace as the API lists, shows and edits them; every edit is a
 * `contact.updated` event. Contacts are created by inbound messages (resolveIdentity) and merged
 * by ContactMerger.
 */
export class ContactService {
  constructor(private readonly deps: { store: Store; outbox: Outbox }) {}

  /** Newest first, `limit + 1` of them; `q` is part of the name, email or phone, taken literally. */
  async list(workspaceId: Types.ObjectId, opts: PageRequest & { q?: string }): Promise<ContactDoc[]> {
    const { store } = this.deps;
    return newestFirst(store.contacts, { workspaceId, ...(opts.q && (await contactMatch(store, workspaceId, opts.q))) }, opts);
  }

  /** Conversations newest first, archived included. */
  async get(workspaceId: Types.ObjectId, id: string, conversations: PageRequest): Promise<ContactDetail> {
    const { store } = this.deps;
    const contact = await store.contacts.findOne({ _id: id, workspaceId }).lean();
    if (!contact) throw notFound('Contact');
    const [identities, page] = await Promise.all([
      store.contactIdentities.find({ workspaceId, contactId: contact._id }).sort({ _id: 1 }).lean(),
      newestFirst(store.conversations, { workspaceId, contactId: contact._id }, conversations),
    ]);
    return { contact, identities, conversations: page };
  }

  async update(workspaceId: Types.ObjectId, id: string, input: ContactInput): Promise<ContactDoc> {
    const updated = await this.deps.store.contacts.findOneAndUpdate({ _id: id, workspaceId }, writeOf(input), { returnDocument: 'after' }).lean();
    if (!updated) throw notFound('Contact');
    await this.deps.outbox.emit({
      type: 'contact.updated',
      workspaceId,
      key: `${id}-${updated.updatedAt.getTime()}-${changeDigest(input)}`,
      data: { contact: contactToApi(updated), changed: Object.keys(input) },
    });
    return updated;
  }
}

/** The update for an input: one path per attribute, so other attributes, and concurrent changes of them, are left alone. */
function writeOf(input: ContactInput): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  const unset: Record<string, ''> = {};
  for (const field of ['name', 'email', 'phone'] as const) {
    if (input[field] === null) unset[field] = '';
    else if (input[field] !== undefined) set[field] = input[field];
  }
  for (const [key, value] of Object.entries(input.attributes ?? {})) {
    if (value === null) unset[`attributes.${key}`] = '';
    else set[`attributes.${key}`] = value;
  }
  return { ...(Object.keys(set).length > 0 && { $set: set }), ...(Object.keys(unset).length > 0 && { $unset: unset }) };
}

/** Two different changes made in the same millisecond still get two events. */
function changeDigest(input: ContactInput): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
}
