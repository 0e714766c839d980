import { Router } from 'express';
import type { MessageReader } from '../../messages/message-reader.js';
import type { SendService } from '../../outbound/send-service.js';
import type { Store } from '../../store/index.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { idParam, messageReadQuery } from '../schemas.js';
import { messageToApi } from '../../representation/public-records.js';

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
      return { status: 202, body: messageToApi(await sender.retry(authOf(res).workspaceId, id)) };
    }),
  );
  return router;
}
