import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { contactMatch } from '../../search/text-search.js';
import { notFound } from '../../errors.js';
import type { ContactIdentityDoc } from '../../store/models/contact-identity.js';
import { contactResponse, conversationResponse, pageOf } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { cursorFilter, page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import { contactToApi, conversationToApi } from '../../representation/public-records.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');

export const listContactsQuery = paginationQuery.extend({
  /** Part of the name, email or phone; case-insensitive, taken literally. */
  q: z.string().trim().min(1).max(200).optional(),
});

/** Attribute names are plain words: they become field paths in the store. */
const attributeName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64');
const attributeValue = z.union([z.string().max(2000), z.number(), z.boolean()]);

/** A contact's own fields; null removes one. Attributes are merged key by key, a null value deletes that key. */
export const updateContactBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).nullable(),
    email: z.email().max(320).nullable(),
    phone: z.string().regex(/^\+?[0-9]{3,20}$/, 'digits, optionally after +').nullable(),
    attributes: z
      .record(attributeName, attributeValue.nullable())
      .refine((a) => Object.keys(a).length <= 100, { message: 'at most 100 attributes at once' }),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });

export const mergeContactBody = z.strictObject({ contactId: objectId });

const identityResponse = z.object({
  channelId: z.string(),
  externalId: z.string(),
  phone: z.string().nullable(),
  displayName: z.string().nullable(),
  username: z.string().nullable(),
});
const contactDetailResponse = contactResponse.extend({ identities: z.array(identityResponse), conversations: pageOf(conversationResponse) });
const mergeResponse = z.object({
  contact: contactResponse,
  mergedContactId: z.string(),
  identities: z.number().int(),
  conversationIds: z.array(z.string()),
  messages: z.number().int(),
  resolvedConversationIds: z.array(z.string()),
});

export const contactOperations: Operations = {
  '/v1/contacts': {
    get: { summary: 'List contacts, newest first; q searches name, email and phone', tags: ['contacts'], query: listContactsQuery, responses: { '200': { description: 'A page of contacts', schema: pageOf(contactResponse) }, ...commonErrors } },
  },
  '/v1/contacts/{id}': {
    get: {
      summary: "Get a contact with its channel identities and a page of its conversations (newest first, archived included; limit and cursor page them)",
      tags: ['contacts'],
      pathId: true,
      query: paginationQuery,
      responses: { '200': { description: 'The contact', schema: contactDetailResponse }, ...commonErrors },
    },
    patch: {
      summary: 'Change name, email, phone (null removes one) and attributes (merged key by key; a null value deletes the key)',
      tags: ['contacts'],
      pathId: true,
      body: updateContactBody,
      responses: { '200': { description: 'The contact', schema: contactResponse }, ...commonErrors },
    },
  },
  '/v1/contacts/{id}/merge': {
    post: {
      summary:
        'Merge another contact into this one: its identities, conversations and messages move here and it is removed. Where both have an open conversation on one channel, the other one is resolved and this one stays open',
      tags: ['contacts'],
      pathId: true,
      body: mergeContactBody,
      responses: { '200': { description: 'The kept contact and what moved', schema: mergeResponse }, '409': 'merge_in_progress (one of the two is being merged into another contact)', '422': 'merge_same_contact', ...commonErrors },
    },
  },
};

function identityToApi(i: ContactIdentityDoc) {
  return { channelId: String(i.channelId), externalId: i.externalId, phone: i.phone ?? null, displayName: i.displayName ?? null, username: i.username ?? null };
}

export function contactRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/contacts', async (req, res) => {
    const q = listContactsQuery.parse(req.query);
    const { workspaceId } = authOf(res);
    const filter = { workspaceId, ...cursorFilter(q.cursor), ...(q.q && (await contactMatch(ctx.store, workspaceId, q.q))) };
    const docs = await ctx.store.contacts.find(filter).sort({ _id: -1 }).limit(q.limit + 1).lean();
    res.json(page(docs, q.limit, contactToApi));
  });

  router.get('/contacts/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = paginationQuery.parse(req.query);
    const { workspaceId } = authOf(res);
    const contact = await ctx.store.contacts.findOne({ _id: id, workspaceId }).lean();
    if (!contact) throw notFound('Contact');
    const [identities, conversations] = await Promise.all([
      ctx.store.contactIdentities.find({ workspaceId, contactId: contact._id }).sort({ _id: 1 }).lean(),
      ctx.store.conversations
        .find({ workspaceId, contactId: contact._id, ...cursorFilter(q.cursor) })
        .sort({ _id: -1 })
        .limit(q.limit + 1)
        .lean(),
    ]);
    res.json({ ...contactToApi(contact), identities: identities.map(identityToApi), conversations: page(conversations, q.limit, (c) => conversationToApi(c)) });
  });

  router.patch('/contacts/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateContactBody.parse(req.body);
    const { workspaceId } = authOf(res);
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    for (const field of ['name', 'email', 'phone'] as const) {
      if (body[field] === null) unset[field] = '';
      else if (body[field] !== undefined) set[field] = body[field];
    }
    // One path per attribute: other attributes, and concurrent changes of them, are left alone.
    for (const [key, value] of Object.entries(body.attributes ?? {})) {
      if (value === null) unset[`attributes.${key}`] = '';
      else set[`attributes.${key}`] = value;
    }
    const updated = await ctx.store.contacts
      .findOneAndUpdate({ _id: id, workspaceId }, { ...(Object.keys(set).length > 0 && { $set: set }), ...(Object.keys(unset).length > 0 && { $unset: unset }) }, { returnDocument: 'after' })
      .lean();
    if (!updated) throw notFound('Contact');
    await ctx.outbox.emit({
      type: 'contact.updated',
      workspaceId,
      key: `${id}-${updated.updatedAt.getTime()}-${changeDigest(body)}`,
      data: { contact: contactToApi(updated), changed: Object.keys(body) },
    });
    res.json(contactToApi(updated));
  });

  router.post(
    '/contacts/:id/merge',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { contactId } = mergeContactBody.parse(req.body);
      const result = await ctx.contactMerger.merge(authOf(res).workspaceId, id, contactId);
      return { status: 200, body: { ...result, contact: contactToApi(result.contact) } };
    }),
  );
  return router;
}

/** Two different changes made in the same millisecond still get two events. */
function changeDigest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}
