import { Router } from 'express';
import { z } from 'zod';
import type { ConversationQueries } from '../../conversations/conversation-queries.js';
import { renderTranscriptText, type Transcript } from '../../conversations/transcript.js';
import { contactResponse, conversationResponse, identityResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { commonErrors, type Operations } from '../operation.js';
import { idParam } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

export const transcriptQuery = z.strictObject({
  format: z.enum(['json', 'text']).default('json'),
  /** Internal notes are in by default (marked); `false` leaves them out, e.g. for a copy the customer gets. */
  notes: z.enum(['true', 'false']).default('true'),
});

const transcriptResponse = z.object({
  conversation: conversationResponse,
  contact: contactResponse.extend({ identities: z.array(identityResponse) }).nullable(),
  messages: z.array(
    z.object({
      id: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      author: z.string(),
      internal: z.boolean(),
      type: z.string(),
      text: z.string().nullable(),
      caption: z.string().nullable(),
      subject: z.string().nullable(),
      attachments: z.array(z.string()),
      status: z.string(),
      at: z.iso.datetime(),
      createdAt: z.iso.datetime(),
    }),
  ),
});
type _TranscriptMatch = Expect<SameShape<Transcript, typeof transcriptResponse>>;

export const conversationTranscriptOperations: Operations = {
  '/v1/conversations/{id}/transcript': {
    get: {
      summary: 'Export the whole conversation, oldest first: JSON (format=json) or plain text (format=text, text/plain), as a download',
      tags: ['conversations'],
      pathId: true,
      query: transcriptQuery,
      responses: { '200': { description: 'The transcript (JSON; with format=text the same as text/plain)', schema: transcriptResponse }, ...commonErrors },
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
