import { Router } from 'express';
import { z } from 'zod';
import type { CannedResponses } from '../../canned/canned-responses.js';
import type { Store } from '../../store/index.js';
import type { CannedResponseDoc } from '../../store/models/canned-response.js';
import { isoTime, messageResponse, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { SEND_REFUSALS } from '../error-codes.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';
import { messageToApi } from '../../representation/public-records.js';

const shortcut = z.string().regex(/^\/[a-z0-9_-]{1,50}$/, 'A slash and 1 to 50 of a-z, 0-9, _ and -, e.g. /thanks');
const title = z.string().trim().min(1).max(200);
const text = z.string().min(1).max(4096);

export const createCannedResponseBody = z.strictObject({ shortcut, title, text });
export const updateCannedResponseBody = z
  .strictObject({ shortcut: shortcut.optional(), title: title.optional(), text: text.optional() })
  .refine((b) => Object.keys(b).length > 0, 'Give at least one field to change');
export const sendCannedBody = z.strictObject({ shortcut });

const cannedResponseResponse = z
  .object({ id: z.string(), shortcut: z.string(), title: z.string(), text: z.string(), createdAt: isoTime, updatedAt: isoTime })
  .meta({ id: 'CannedResponse' });

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const cannedResponseOperations: Operations = {
  '/v1/canned-responses': {
    post: {
      operationId: 'createCannedResponse',
      summary: 'Create a canned response (admin); the shortcut is unique per workspace',
      tags: ['canned-responses'],
      body: createCannedResponseBody,
      responses: { '201': { description: 'Created', schema: cannedResponseResponse } },
      errors: ['admin_required', 'canned_response_exists', 'canned_unknown_variable'],
    },
    get: {
      operationId: 'listCannedResponses',
      summary: 'List canned responses, newest first',
      tags: ['canned-responses'],
      query: paginationQuery,
      responses: { '200': { description: 'A page of canned responses', schema: pageOf(cannedResponseResponse) } },
    },
  },
  '/v1/canned-responses/{id}': {
    get: { operationId: 'getCannedResponse', summary: 'Get a canned response', tags: ['canned-responses'], responses: { '200': { description: 'The canned response', schema: cannedResponseResponse } } },
    patch: {
      operationId: 'updateCannedResponse',
      summary: 'Change a canned response (admin)',
      tags: ['canned-responses'],
      body: updateCannedResponseBody,
      responses: { '200': { description: 'The canned response', schema: cannedResponseResponse } },
      errors: ['admin_required', 'canned_response_exists', 'canned_unknown_variable'],
    },
    delete: { operationId: 'deleteCannedResponse', summary: 'Delete a canned response (admin)', tags: ['canned-responses'], responses: { '204': 'Deleted' }, errors: ['admin_required'] },
  },
  '/v1/conversations/{id}/canned': {
    post: {
      operationId: 'sendCannedResponse',
      summary: 'Send a canned response by its shortcut, rendered with the contact, the agent of the key and the workspace',
      tags: ['conversations'],
      body: sendCannedBody,
      responses: { '202': { description: 'Accepted; the message is queued', schema: messageResponse }, '404': 'not_found: the conversation or the canned response' },
      errors: ['canned_unknown_variable', 'canned_variable_missing', ...SEND_REFUSALS],
    },
  },
};

function cannedToApi(c: CannedResponseDoc) {
  return {
    id: String(c._id),
    shortcut: c.shortcut,
    title: c.title,
    text: c.text,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
type _CannedResponseMatch = Expect<SameShape<ReturnType<typeof cannedToApi>, typeof cannedResponseResponse>>;

export function cannedResponseRoutes(deps: { cannedResponses: CannedResponses; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { cannedResponses } = deps;

  router.post(
    '/canned-responses',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const created = await cannedResponses.create(authOf(res).workspaceId, createCannedResponseBody.parse(req.body));
      return { status: 201, body: cannedToApi(created) };
    }),
  );

  router.get('/canned-responses', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    res.json(page(await cannedResponses.list(authOf(res).workspaceId, q), q.limit, cannedToApi));
  });

  router.get('/canned-responses/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(cannedToApi(await cannedResponses.get(authOf(res).workspaceId, id)));
  });

  router.patch('/canned-responses/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(cannedToApi(await cannedResponses.update(authOf(res).workspaceId, id, updateCannedResponseBody.parse(req.body))));
  });

  router.delete('/canned-responses/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await cannedResponses.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });

  router.post(
    '/conversations/:id/canned',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = sendCannedBody.parse(req.body);
      const { workspaceId, keyId, role } = authOf(res);
      const message = await cannedResponses.send(workspaceId, id, body.shortcut, { keyId, author: role === 'automation' ? 'automation' : 'agent' });
      return { status: 202, body: messageToApi(message) };
    }),
  );
  return router;
}
