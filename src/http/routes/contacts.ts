import { Router } from 'express';
import { z } from 'zod';
import type { ContactMerger } from '../../contacts/contact-merger.js';
import type { ContactService } from '../../contacts/contact-service.js';
import type { Store } from '../../store/index.js';
import { contactDetailResponse, contactMergeResponse, contactResponse, pageOf } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import { contactToApi, conversationToApi, identityToApi } from '../../representation/public-records.js';

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


export const contactOperations: Operations = {
  '/v1/contacts': {
    get: {
      operationId: 'listContacts',
      summary: 'List contacts, newest first; q searches name, email and phone',
      tags: ['contacts'],
      query: listContactsQuery,
      responses: { '200': { description: 'A page of contacts', schema: pageOf(contactResponse) } },
    },
  },
  '/v1/contacts/{id}': {
    get: {
      operationId: 'getContact',
      summary: 'Get a contact with its channel identities and a page of its conversations (newest first, archived included; limit and cursor page them)',
      tags: ['contacts'],
      query: paginationQuery,
      responses: { '200': { description: 'The contact', schema: contactDetailResponse } },
    },
    patch: {
      operationId: 'updateContact',
      summary: 'Change name, email, phone (null removes one) and attributes (merged key by key; a null value deletes the key)',
      tags: ['contacts'],
      body: updateContactBody,
      responses: { '200': { description: 'The contact', schema: contactResponse } },
    },
  },
  '/v1/contacts/{id}/merge': {
    post: {
      operationId: 'mergeContacts',
      summary:
        'Merge another contact into this one: its identities, conversations and messages move here and it is removed. Where both have an open conversation on one channel, the other one is resolved and this one stays open',
      tags: ['contacts'],
      body: mergeContactBody,
      responses: { '200': { description: 'The kept contact and what moved', schema: contactMergeResponse } },
      errors: ['merge_in_progress', 'merge_same_contact'],
    },
  },
};

export function contactRoutes(deps: { contactService: ContactService; contactMerger: ContactMerger; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { contactService } = deps;

  router.get('/contacts', async (req, res) => {
    const q = listContactsQuery.parse(req.query);
    res.json(page(await contactService.list(authOf(res).workspaceId, q), q.limit, contactToApi));
  });

  router.get('/contacts/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = paginationQuery.parse(req.query);
    const { contact, identities, conversations } = await contactService.get(authOf(res).workspaceId, id, q);
    res.json({ ...contactToApi(contact), identities: identities.map(identityToApi), conversations: page(conversations, q.limit, (c) => conversationToApi(c)) });
  });

  router.patch('/contacts/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(contactToApi(await contactService.update(authOf(res).workspaceId, id, updateContactBody.parse(req.body))));
  });

  router.post(
    '/contacts/:id/merge',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { contactId } = mergeContactBody.parse(req.body);
      const result = await deps.contactMerger.merge(authOf(res).workspaceId, id, contactId);
      return { status: 200, body: { ...result, contact: contactToApi(result.contact) } };
    }),
  );
  return router;
}
