import { Router } from 'express';
import { z } from 'zod';
import { QUARANTINE_STATES } from '../../domain/quarantine.js';
import type { QuarantineService } from '../../quarantine/quarantine-service.js';
import { quarantinedMailToApi } from '../../representation/public-records.js';
import type { Store } from '../../store/index.js';
import { pageOf, quarantinedMailResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';

const listQuarantineQuery = paginationQuery.extend({
  state: z.enum(QUARANTINE_STATES).optional().describe('held: waiting for a decision; released: ingested since'),
});

export const quarantineOperations: Operations = {
  '/v1/quarantine': {
    get: {
      operationId: 'listQuarantinedMail',
      summary: 'Mail held back from conversations (admin): mailing-list and bulk mail (List-Id, Precedence: bulk, list or junk), newest first',
      tags: ['quarantine'],
      query: listQuarantineQuery,
      responses: { '200': { description: 'A page of held mail', schema: pageOf(quarantinedMailResponse) } },
      errors: ['admin_required'],
    },
  },
  '/v1/quarantine/{id}/release': {
    post: {
      operationId: 'releaseQuarantinedMail',
      summary: 'Release a held mail (admin): ingested like any mail, into its conversation (opened and routed when new); releasing again answers the same',
      tags: ['quarantine'],
      responses: { '200': { description: 'The released mail, with its conversationId and messageId', schema: quarantinedMailResponse } },
      errors: ['admin_required'],
    },
  },
};

export function quarantineRoutes(deps: { quarantine: QuarantineService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { quarantine } = deps;
  router.get('/quarantine', requireAdmin, async (req, res) => {
    const q = listQuarantineQuery.parse(req.query);
    res.json(page(await quarantine.list(authOf(res).workspaceId, q), q.limit, quarantinedMailToApi));
  });
  router.post(
    '/quarantine/:id/release',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      return { status: 200, body: quarantinedMailToApi(await quarantine.release(authOf(res).workspaceId, id)) };
    }),
  );
  return router;
}
