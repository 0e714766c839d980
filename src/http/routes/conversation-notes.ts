import { Router } from 'express';
import { z } from 'zod';
import type { ConversationNotes } from '../../conversations/conversation-notes.js';
import type { Store } from '../../store/index.js';
import { messageResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { idParam } from '../schemas.js';
import { messageToApi } from '../../representation/public-records.js';

export const addNoteBody = z.strictObject({ text: z.string().trim().min(1).max(10_000) });

export const conversationNoteOperations: Operations = {
  '/v1/conversations/{id}/notes': {
    post: {
      operationId: 'addConversationNote',
      summary: 'Add an internal note: a message with internal: true that agents see in the conversation and that is never sent to the customer',
      tags: ['conversations'],
      body: addNoteBody,
      responses: { '201': { description: 'The note', schema: messageResponse } },
    },
  },
};

export function conversationNoteRoutes(deps: { conversationNotes: ConversationNotes; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();

  router.post(
    '/conversations/:id/notes',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { text } = addNoteBody.parse(req.body);
      const { workspaceId, keyId } = authOf(res);
      const note = await deps.conversationNotes.add(workspaceId, id, { text, sentBy: keyId });
      return { status: 201, body: messageToApi(note), conversationId: id };
    }),
  );
  return router;
}
