import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { conflict, isDuplicateKeyError, notFound } from '../../errors.js';
import type { LabelDoc } from '../../store/models/label.js';
import { pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { cursorFilter, page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';

const name = z.string().trim().min(1).max(50);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb').transform((c) => c.toLowerCase());
const description = z.string().max(500);

export const createLabelBody = z.strictObject({ name, color: color.default('#6b7280'), description: description.optional() });
export const updateLabelBody = z
  .strictObject({ name, color, description: description.nullable() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });

export const labelResponse = z.object({
  id: z.string(),
  name: z.string(),
  color: z.string(),
  description: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export function labelToApi(l: LabelDoc) {
  return { id: String(l._id), name: l.name, color: l.color, description: l.description ?? null, createdAt: l.createdAt.toISOString(), updatedAt: l.updatedAt.toISOString() };
}

export const labelOperations: Operations = {
  '/v1/labels': {
    post: {
      summary: 'Create a label (admin); the name is unique per workspace, ignoring case',
      tags: ['labels'],
      body: createLabelBody,
      responses: { '201': { description: 'Created', schema: labelResponse }, '403': 'admin_required', '409': 'label_exists', ...commonErrors },
    },
    get: { summary: "List the workspace's labels, newest first", tags: ['labels'], query: paginationQuery, responses: { '200': { description: 'A page of labels', schema: pageOf(labelResponse) }, ...commonErrors } },
  },
  '/v1/labels/{id}': {
    get: { summary: 'Get a label', tags: ['labels'], pathId: true, responses: { '200': { description: 'The label', schema: labelResponse }, ...commonErrors } },
    patch: {
      summary: 'Change a label (admin)',
      tags: ['labels'],
      pathId: true,
      body: updateLabelBody,
      responses: { '200': { description: 'The label', schema: labelResponse }, '403': 'admin_required', '409': 'label_exists', ...commonErrors },
    },
    delete: { summary: 'Delete a label (admin); it is removed from every conversation', tags: ['labels'], pathId: true, responses: { '204': 'Deleted', '403': 'admin_required', ...commonErrors } },
  },
};

export function labelRoutes(ctx: AppContext): Router {
  const router = Router();

  /** The unique (workspace, lower-cased name) index decides; this names the clash. */
  const stored = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('label_exists', 'A label with this name exists');
      throw err;
    }
  };

  router.post(
    '/labels',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const body = createLabelBody.parse(req.body);
      const created = await stored(() => ctx.store.labels.create({ ...body, nameKey: body.name.toLowerCase(), workspaceId: authOf(res).workspaceId }));
      return { status: 201, body: labelToApi(created.toObject()) };
    }),
  );

  router.get('/labels', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    const docs = await ctx.store.labels
      .find({ workspaceId: authOf(res).workspaceId, ...cursorFilter(q.cursor) })
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    res.json(page(docs, q.limit, labelToApi));
  });

  router.get('/labels/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const found = await ctx.store.labels.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!found) throw notFound('Label');
    res.json(labelToApi(found));
  });

  router.patch('/labels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { description: newDescription, ...body } = updateLabelBody.parse(req.body);
    const update = {
      $set: { ...body, ...(body.name && { nameKey: body.name.toLowerCase() }), ...(newDescription && { description: newDescription }) },
      ...(newDescription === null && { $unset: { description: '' } }),
    };
    const updated = await stored(() => ctx.store.labels.findOneAndUpdate({ _id: id, workspaceId: authOf(res).workspaceId }, update, { returnDocument: 'after' }).lean());
    if (!updated) throw notFound('Label');
    res.json(labelToApi(updated));
  });

  router.delete('/labels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId } = authOf(res);
    const { deletedCount } = await ctx.store.labels.deleteOne({ _id: id, workspaceId });
    if (deletedCount === 0) throw notFound('Label');
    // After the label is gone: from now on applying it is refused, so nothing adds it back.
    await ctx.store.conversations.updateMany({ workspaceId, labelIds: id }, { $pull: { labelIds: id } });
    res.status(204).end();
  });
  return router;
}
