import { Router } from 'express';
import { z } from 'zod';
import { MAX_TAGS, type ConversationOrganizer } from '../../conversations/conversation-organizer.js';
import type { ConversationQueries } from '../../conversations/conversation-queries.js';
import type { Store } from '../../store/index.js';
import { conversationResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { idParam } from '../schemas.js';

/** Lower-case and trimmed, so "VIP " and "vip" are one tag; no commas (lists are comma-separated in queries). */
const tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(50)
  .regex(/^[^,\p{Cc}]+$/u, 'no commas or control characters');
const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');

export const addTagsBody = z.strictObject({ tags: z.array(tag).min(1).max(20) });
export const tagParams = z.strictObject({ id: objectId, tag });
export const applyLabelBody = z.strictObject({ labelId: objectId });
export const labelParams = z.strictObject({ id: objectId, labelId: objectId });

const answer = { '200': { description: 'The conversation', schema: conversationResponse } };

export const conversationTagOperations: Operations = {
  '/v1/conversations/{id}/tags': {
    post: {
      operationId: 'addConversationTags',
      summary: `Add tags (lower-cased, trimmed, each once; at most ${MAX_TAGS} on a conversation); adding one it has changes nothing`,
      tags: ['conversations'],
      body: addTagsBody,
      responses: answer,
      errors: ['too_many_tags'],
    },
  },
  '/v1/conversations/{id}/tags/{tag}': {
    delete: { operationId: 'removeConversationTag', summary: 'Remove a tag; removing one it does not have changes nothing', tags: ['conversations'], responses: answer },
  },
  '/v1/conversations/{id}/labels': {
    post: { operationId: 'applyConversationLabel', summary: 'Apply a workspace label', tags: ['conversations'], body: applyLabelBody, responses: answer, errors: ['label_not_found'] },
  },
  '/v1/conversations/{id}/labels/{labelId}': {
    delete: { operationId: 'removeConversationLabel', summary: 'Remove a label', tags: ['conversations'], responses: answer },
  },
};

export function conversationTagRoutes(deps: {
  conversationOrganizer: ConversationOrganizer;
  conversationQueries: ConversationQueries;
  idempotencyRecords: Store['idempotencyRecords'];
}): Router {
  const router = Router();
  const { conversationOrganizer: organizer, conversationQueries: queries } = deps;

  router.post(
    '/conversations/:id/tags',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { tags } = addTagsBody.parse(req.body);
      const updated = await organizer.addTags(authOf(res).workspaceId, id, tags);
      return { status: 200, body: await queries.withWindow(updated), conversationId: id };
    }),
  );

  router.delete('/conversations/:id/tags/:tag', async (req, res) => {
    const { id, tag: removed } = tagParams.parse(req.params);
    res.json(await queries.withWindow(await organizer.removeTag(authOf(res).workspaceId, id, removed)));
  });

  router.post(
    '/conversations/:id/labels',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { labelId } = applyLabelBody.parse(req.body);
      const updated = await organizer.applyLabel(authOf(res).workspaceId, id, labelId);
      return { status: 200, body: await queries.withWindow(updated), conversationId: id };
    }),
  );

  router.delete('/conversations/:id/labels/:labelId', async (req, res) => {
    const { id, labelId } = labelParams.parse(req.params);
    res.json(await queries.withWindow(await organizer.removeLabel(authOf(res).workspaceId, id, labelId)));
  });
  return router;
}
