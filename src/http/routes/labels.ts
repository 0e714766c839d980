import { Router } from 'express';
import { z } from 'zod';
import type { LabelService } from '../../conversations/label-service.js';
import type { Store } from '../../store/index.js';
import type { LabelDoc } from '../../store/models/label.js';
import { isoTime, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

const name = z.string().trim().min(1).max(50);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb').transform((c) => c.toLowerCase());
const description = z.string().max(500);

export const createLabelBody = z.strictObject({ name, color: color.default('#6b7280'), description: description.optional() });
export const updateLabelBody = z
  .strictObject({ name, color, description: description.nullable() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });

export const labelResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    color: z.string(),
    description: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Label' });

function labelToApi(l: LabelDoc) {
  return { id: String(l._id), name: l.name, color: l.color, description: l.description ?? null, createdAt: l.createdAt.toISOString(), updatedAt: l.updatedAt.toISOString() };
}
type _LabelMatch = Expect<SameShape<ReturnType<typeof labelToApi>, typeof labelResponse>>;

export const labelOperations: Operations = {
  '/v1/labels': {
    post: {
      operationId: 'createLabel',
      summary: 'Create a label (admin); the name is unique per workspace, ignoring case',
      tags: ['labels'],
      body: createLabelBody,
      responses: { '201': { description: 'Created', schema: labelResponse } },
      errors: ['admin_required', 'label_exists'],
    },
    get: {
      operationId: 'listLabels',
      summary: "List the workspace's labels, newest first",
      tags: ['labels'],
      query: paginationQuery,
      responses: { '200': { description: 'A page of labels', schema: pageOf(labelResponse) } },
    },
  },
  '/v1/labels/{id}': {
    get: { operationId: 'getLabel', summary: 'Get a label', tags: ['labels'], responses: { '200': { description: 'The label', schema: labelResponse } } },
    patch: {
      operationId: 'updateLabel',
      summary: 'Change a label (admin)',
      tags: ['labels'],
      body: updateLabelBody,
      responses: { '200': { description: 'The label', schema: labelResponse } },
      errors: ['admin_required', 'label_exists'],
    },
    delete: { operationId: 'deleteLabel', summary: 'Delete a label (admin); it is removed from every conversation', tags: ['labels'], responses: { '204': 'Deleted' }, errors: ['admin_required'] },
  },
};

export function labelRoutes(deps: { labelService: LabelService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { labelService } = deps;

  router.post(
    '/labels',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const created = await labelService.create(authOf(res).workspaceId, createLabelBody.parse(req.body));
      return { status: 201, body: labelToApi(created) };
    }),
  );

  router.get('/labels', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    res.json(page(await labelService.list(authOf(res).workspaceId, q), q.limit, labelToApi));
  });

  router.get('/labels/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(labelToApi(await labelService.get(authOf(res).workspaceId, id)));
  });

  router.patch('/labels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(labelToApi(await labelService.update(authOf(res).workspaceId, id, updateLabelBody.parse(req.body))));
  });

  router.delete('/labels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await labelService.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });
  return router;
}
