import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { messageResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { idParam } from '../schemas.js';
import { conversationToApi, messageToApi } from '../../representation/public-records.js';
import { findConversation } from './conversation-view.js';

export const addNoteBody = z.strictObject({ text: z.string().trim().min(1).max(10_000) });

export const conversationNoteOperations: Operations = {
  '/v1/conversations/{id}/notes': {
    post: {
      summary: 'Add an internal note: a message with internal: true that agents see in the conversation and that is never sent to the customer',
      tags: ['conversations'],
      pathId: true,
      body: addNoteBody,
      responses: { '201': { description: 'The note', schema: messageResponse }, ...commonErrors },
    },
  },
};

export function conversationNoteRoutes(ctx: AppContext): Router {
  const router = Router();

  /**
   * A note is stored like an agent's message but never goes near the send path: no policy check,
   * no send job, and a status (`sent`, with no sentAt) that neither the send worker nor start-up
   * recovery picks up. It is announced as message.note_added, never as message.sent.
   */
  router.post(
    '/conversations/:id/notes',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { text } = addNoteBody.parse(req.body);
      const { workspaceId, keyId } = authOf(res);
      const conversation = await findConversation(ctx, workspaceId, id);
      const created = await ctx.store.messages.create({
        workspaceId,
        channelId: conversation.channelId,
        conversationId: conversation._id,
        contactId: conversation.contactId,
        direction: 'outbound',
        author: 'agent',
        internal: true,
        type: 'text',
        content: { type: 'text', text },
        status: 'sent',
        sentBy: keyId,
      });
      const note = created.toObject();
      await ctx.outbox.emit({
        type: 'message.note_added',
        workspaceId,
        key: String(note._id),
        conversationId: conversation._id,
        data: { message: messageToApi(note), conversation: conversationToApi(conversation) },
      });
      return { status: 201, body: messageToApi(note) };
    }),
  );
  return router;
}
