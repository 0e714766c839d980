import { Router } from 'express';
import { z } from 'zod';
import type { ConversationQueries } from '../../conversations/conversation-queries.js';
import { renderTranscriptText } from '../../conversations/transcript.js';
import { transcriptResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import type { Operations } from '../operation.js';
import { idParam } from '../schemas.js';

export const transcriptQuery = z.strictObject({
  format: z.enum(['json', 'text']).default('json'),
  /** Internal notes are in by default (marked); `false` leaves them out, e.g. for a copy the customer gets. */
  notes: z.enum(['true', 'false']).default('true'),
});

export const conversationTranscriptOperations: Operations = {
  '/v1/conversations/{id}/transcript': {
    get: {
      operationId: 'getConversationTranscript',
      summary: 'Export the whole conversation, oldest first: JSON (format=json) or plain text (format=text, text/plain), as a download',
      tags: ['conversations'],
      query: transcriptQuery,
      responses: { '200': { description: 'The transcript (JSON; with format=text the same as text/plain)', schema: transcriptResponse } },
    },
  },
};

export function conversationTranscriptRoutes(deps: { conversationQueries: ConversationQueries }): Router {
  const router = Router();

  router.get('/conversations/:id/transcript', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = transcriptQuery.parse(req.query);
    const transcript = await deps.conversationQueries.transcript(authOf(res).workspaceId, id, { notes: q.notes === 'true' });
    const extension = q.format === 'text' ? 'txt' : 'json';
    res.set('Content-Disposition', `attachment; filename="conversation-${id}.${extension}"`);
    if (q.format === 'text') res.type('text/plain; charset=utf-8').send(renderTranscriptText(transcript));
    else res.json(transcript);
  });
  return router;
}
