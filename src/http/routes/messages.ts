import { Router } from 'express';
import type { MessageReader } from '../../messages/message-reader.js';
import type { SendService } from '../../outbound/send-service.js';
import type { Store } from '../../store/index.js';
import { messageResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { SEND_REFUSALS } from '../error-codes.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { idParam, messageReadQuery } from '../schemas.js';
import { messageToApi } from '../../representation/public-records.js';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const messageOperations: Operations = {
  '/v1/messages/{id}': {
    get: {
      operationId: 'getMessage',
      summary: "Get a message; a mail's HTML is sanitised, its remote images blocked unless remoteContent=allow",
      tags: ['messages'],
      query: messageReadQuery,
      responses: { '200': { description: 'The message', schema: messageResponse } },
    },
  },
  '/v1/messages/{id}/retry': {
    post: {
      operationId: 'retryMessage',
      summary: 'Send a failed message again; the channel rules decide as for a new one',
      tags: ['messages'],
      responses: { '202': { description: 'Queued again', schema: messageResponse } },
      errors: ['invalid_state', ...SEND_REFUSALS],
    },
  },
};

export function messageRoutes(deps: { messageReader: MessageReader; sender: SendService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { messageReader, sender } = deps;
  router.get('/messages/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { remoteContent } = messageReadQuery.parse(req.query);
    res.json(messageToApi(await messageReader.get(authOf(res).workspaceId, id, remoteContent)));
  });
  router.post(
    '/messages/:id/retry',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const message = await sender.retry(authOf(res).workspaceId, id);
      return { status: 202, body: messageToApi(message), conversationId: String(message.conversationId) };
    }),
  );
  return router;
}
