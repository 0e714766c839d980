import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { updateConversation } from '../../conversations/conversation-update.js';
import { notFound, unprocessable } from '../../errors.js';
import { conversationResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { idParam } from '../schemas.js';
import { conversationWithWindow, findConversation } from './conversation-view.js';

/** Tags a conversation carries at most; a longer list is a category system, which labels are for. */
export const MAX_TAGS = 50;

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
      summary: `Add tags (lower-cased, trimmed, each once; at most ${MAX_TAGS} on a conversation); adding one it has changes nothing`,
      tags: ['conversations'],
      pathId: true,
      body: addTagsBody,
      responses: { ...answer, '422': 'too_many_tags', ...commonErrors },
    },
  },
  '/v1/conversations/{id}/tags/{tag}': {
    delete: { summary: 'Remove a tag; removing one it does not have changes nothing', tags: ['conversations'], pathId: true, responses: { ...answer, ...commonErrors } },
  },
  '/v1/conversations/{id}/labels': {
    post: { summary: 'Apply a workspace label', tags: ['conversations'], pathId: true, body: applyLabelBody, responses: { ...answer, '422': 'label_not_found', ...commonErrors } },
  },
  '/v1/conversations/{id}/labels/{labelId}': {
    delete: { summary: 'Remove a label', tags: ['conversations'], pathId: true, responses: { ...answer, ...commonErrors } },
  },
};

/** Tags and labels: each change is an $addToSet or $pull of that one field, then conversation.updated. */
export function conversationTagRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post(
    '/conversations/:id/tags',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { tags } = addTagsBody.parse(req.body);
      const { workspaceId } = authOf(res);
      const current = await findConversation(ctx, workspaceId, id);
      // Checked before the write: two concurrent additions may pass it together and end a few over.
      const total = new Set([...(current.tags ?? []), ...tags]).size;
      if (total > MAX_TAGS) throw unprocessable('too_many_tags', `A conversation carries at most ${MAX_TAGS} tags`, { max: MAX_TAGS, wouldHave: total });
      const updated = await updateConversation(ctx, workspaceId, id, ['tags'], { $addToSet: { tags: { $each: [...new Set(tags)] } } });
      return { status: 200, body: await conversationWithWindow(ctx, updated) };
    }),
  );

  router.delete('/conversations/:id/tags/:tag', async (req, res) => {
    const { id, tag: removed } = tagParams.parse(req.params);
    const updated = await updateConversation(ctx, authOf(res).workspaceId, id, ['tags'], { $pull: { tags: removed } });
    res.json(await conversationWithWindow(ctx, updated));
  });

  router.post(
    '/conversations/:id/labels',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { labelId } = applyLabelBody.parse(req.body);
      const { workspaceId } = authOf(res);
      await findConversation(ctx, workspaceId, id);
      if (!(await ctx.store.labels.exists({ _id: labelId, workspaceId }))) throw unprocessable('label_not_found', 'labelId is not a label of this workspace');
      const updated = await updateConversation(ctx, workspaceId, id, ['labelIds'], { $addToSet: { labelIds: labelId } });
      return { status: 200, body: await conversationWithWindow(ctx, updated) };
    }),
  );

  router.delete('/conversations/:id/labels/:labelId', async (req, res) => {
    const { id, labelId } = labelParams.parse(req.params);
    const { workspaceId } = authOf(res);
    await findConversation(ctx, workspaceId, id);
    if (!(await ctx.store.labels.exists({ _id: labelId, workspaceId }))) throw notFound('Label');
    const updated = await updateConversation(ctx, workspaceId, id, ['labelIds'], { $pull: { labelIds: labelId } });
    res.json(await conversationWithWindow(ctx, updated));
  });
  return router;
}
