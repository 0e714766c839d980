import { Router } from 'express';
import type { Types } from 'mongoose';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { ACTION_TYPES, AUTOMATION_TRIGGERS, CONDITION_OPERATORS, conditionProblem, FACT_FIELDS, type AutomationAction } from '../../domain/automation.js';
import { badRequest, notFound, unprocessable } from '../../errors.js';
import type { AutomationRuleDoc } from '../../store/models/automation-rule.js';
import { generateWebhookSecret } from '../../webhooks/signature.js';
import { isoTime, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { cursorFilter, page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import { CONVERSATION_PRIORITIES } from '../../domain/conversation.js';

const objectId = idParam.shape.id;
const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

const condition = z
  .strictObject({
    field: z.string().min(1).max(200).describe(`A fact path: ${FACT_FIELDS.join(', ')}`),
    operator: z.enum(CONDITION_OPERATORS).describe('Text compares case-insensitively; on a list (tags) a condition holds when an element matches; not_* is exactly "not" the positive operator'),
    value: z
      .union([scalar, z.array(scalar).max(100)])
      .optional()
      .describe('None for exists/not_exists, a list for in/not_in, a number for gt/gte/lt/lte (numeric text facts compare as numbers), else one value'),
  })
  .superRefine((c, check) => {
    const problem = conditionProblem(c);
    if (problem) check.addIssue({ code: 'custom', message: problem });
  });

const tag = z.string().trim().toLowerCase().min(1).max(50);
const action = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('assign_agent'), agentId: objectId }),
  z.strictObject({ type: z.literal('assign_team'), team: z.string().trim().min(1).max(100) }),
  z.strictObject({ type: z.literal('assign_queue'), queueId: objectId }),
  z.strictObject({ type: z.literal('add_tag'), tag }),
  z.strictObject({ type: z.literal('remove_tag'), tag }),
  z.strictObject({ type: z.literal('set_priority'), priority: z.enum(CONVERSATION_PRIORITIES) }),
  z.strictObject({ type: z.literal('reply_text'), text: z.string().min(1).max(4096) }),
  z.strictObject({
    type: z.literal('reply_template'),
    name: z.string().min(1).max(512),
    language: z.string().min(2).max(20),
    /** The body's placeholders, in order; whether they fit the template is checked when it is sent. */
    parameters: z.array(z.string().min(1).max(1024)).max(20).default([]),
  }),
  z.strictObject({ type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }).max(2048) }),
]);

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  trigger: z.enum(AUTOMATION_TRIGGERS),
  match: z.enum(['all', 'any']),
  conditions: z.array(condition).max(20),
  actions: z.array(action).min(1).max(10),
  /** Run order among the rules of the trigger, lowest first. */
  position: z.number().int().min(0).max(1_000_000),
  enabled: z.boolean(),
  stopAfterMatch: z.boolean(),
};

export const createAutomationRuleBody = z.strictObject({
  ...ruleFields,
  match: ruleFields.match.default('all'),
  conditions: ruleFields.conditions.default([]),
  /** Default: after the trigger's last rule. */
  position: ruleFields.position.optional(),
  enabled: ruleFields.enabled.default(true),
  stopAfterMatch: ruleFields.stopAfterMatch.default(false),
});
export const updateAutomationRuleBody = z
  .strictObject(ruleFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'Give at least one field to change');
export const listAutomationRulesQuery = paginationQuery.extend({ trigger: z.enum(AUTOMATION_TRIGGERS).optional() });

export const automationRuleResponse = z.object({
  id: objectId,
  name: z.string(),
  trigger: z.enum(AUTOMATION_TRIGGERS),
  match: z.enum(['all', 'any']),
  conditions: z.array(z.object({ field: z.string(), operator: z.enum(CONDITION_OPERATORS), value: z.union([scalar, z.array(scalar)]).optional() })),
  actions: z.array(z.looseObject({ type: z.enum(ACTION_TYPES) })),
  position: z.number().int(),
  enabled: z.boolean(),
  stopAfterMatch: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
/** The creation answer: the webhook signing secret is shown once. */
export const createdAutomationRuleResponse = automationRuleResponse.extend({ webhookSecret: z.string().regex(/^whsec_/) });

const adminErrors = { '403': 'admin_required', ...commonErrors } as const;
const references = '422: agent_not_found or queue_not_found (an action names an agent or queue of another workspace, or none); 400: webhook_url_forbidden';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const automationRuleOperations: Operations = {
  '/v1/automation-rules': {
    post: {
      summary: `Create an automation rule (admin): trigger, conditions matched all/any, actions run in order; rules of a trigger run by ascending position. ${references}`,
      tags: ['automation'],
      body: createAutomationRuleBody,
      responses: { '201': { description: 'Created; webhookSecret signs its webhook actions and is shown once', schema: createdAutomationRuleResponse }, '422': 'agent_not_found, queue_not_found', ...adminErrors },
    },
    get: {
      summary: 'List automation rules, newest first; `trigger` filters',
      tags: ['automation'],
      query: listAutomationRulesQuery,
      responses: { '200': { description: 'A page of rules', schema: pageOf(automationRuleResponse) }, ...commonErrors },
    },
  },
  '/v1/automation-rules/{id}': {
    get: { summary: 'Get an automation rule', tags: ['automation'], pathId: true, responses: { '200': { description: 'The rule', schema: automationRuleResponse }, ...commonErrors } },
    patch: {
      summary: `Change an automation rule (admin); conditions and actions given replace the old ones. ${references}`,
      tags: ['automation'],
      pathId: true,
      body: updateAutomationRuleBody,
      responses: { '200': { description: 'The rule', schema: automationRuleResponse }, '422': 'agent_not_found, queue_not_found', ...adminErrors },
    },
    delete: { summary: 'Delete an automation rule (admin)', tags: ['automation'], pathId: true, responses: { '204': 'Deleted', ...adminErrors } },
  },
};

function ruleToApi(r: AutomationRuleDoc) {
  return {
    id: String(r._id),
    name: r.name,
    trigger: r.trigger,
    match: r.match,
    conditions: r.conditions,
    actions: r.actions,
    position: r.position,
    enabled: r.enabled,
    stopAfterMatch: r.stopAfterMatch,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function automationRuleRoutes(ctx: AppContext): Router {
  const router = Router();

  /**
   * What actions name must exist in the workspace now: agents and queues (a template is looked
   * up on the conversation's channel when the rule runs); webhook targets must be public.
   */
  const checkActions = async (workspaceId: Types.ObjectId, actions: AutomationAction[]) => {
    const agentIds = new Set(actions.flatMap((a) => (a.type === 'assign_agent' ? [a.agentId] : [])));
    const queueIds = new Set(actions.flatMap((a) => (a.type === 'assign_queue' ? [a.queueId] : [])));
    if ((await ctx.store.agents.countDocuments({ workspaceId, _id: { $in: [...agentIds] } })) !== agentIds.size) {
      throw unprocessable('agent_not_found', 'An assign_agent action names an agent this workspace does not have');
    }
    if ((await ctx.store.routingQueues.countDocuments({ workspaceId, _id: { $in: [...queueIds] } })) !== queueIds.size) {
      throw unprocessable('queue_not_found', 'An assign_queue action names a queue this workspace does not have');
    }
    const urls = actions.flatMap((a) => (a.type === 'webhook' ? [a.url] : []));
    if (urls.length === 0) return;
    for (const url of urls) {
      await ctx.webhookTargets.assertAllowed(workspaceId, url).catch((err: Error) => {
        throw badRequest('webhook_url_forbidden', err.message);
      });
    }
  };

  router.post(
    '/automation-rules',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const body = createAutomationRuleBody.parse(req.body);
      const { workspaceId, keyId } = authOf(res);
      await checkActions(workspaceId, body.actions);
      const last = await ctx.store.automationRules.findOne({ workspaceId, trigger: body.trigger }, { position: 1 }).sort({ position: -1 }).lean();
      const webhookSecret = generateWebhookSecret();
      const rule = await ctx.store.automationRules.create({
        ...body,
        position: body.position ?? (last ? last.position + 1 : 0),
        workspaceId,
        webhookSecret: ctx.secretBox.seal(webhookSecret),
        createdBy: keyId,
      });
      await ctx.rules.changed(workspaceId);
      return { status: 201, body: { ...ruleToApi(rule.toObject()), webhookSecret } };
    }),
  );

  router.get('/automation-rules', async (req, res) => {
    const q = listAutomationRulesQuery.parse(req.query);
    const docs = await ctx.store.automationRules
      .find({ workspaceId: authOf(res).workspaceId, ...(q.trigger && { trigger: q.trigger }), ...cursorFilter(q.cursor) })
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    res.json(page(docs, q.limit, ruleToApi));
  });

  router.get('/automation-rules/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const rule = await ctx.store.automationRules.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!rule) throw notFound('Automation rule');
    res.json(ruleToApi(rule));
  });

  router.patch('/automation-rules/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateAutomationRuleBody.parse(req.body);
    const { workspaceId } = authOf(res);
    if (!(await ctx.store.automationRules.exists({ _id: id, workspaceId }))) throw notFound('Automation rule');
    if (body.actions) await checkActions(workspaceId, body.actions);
    const updated = await ctx.store.automationRules.findOneAndUpdate({ _id: id, workspaceId }, { $set: body }, { returnDocument: 'after', runValidators: true }).lean();
    if (!updated) throw notFound('Automation rule');
    await ctx.rules.changed(workspaceId);
    res.json(ruleToApi(updated));
  });

  router.delete('/automation-rules/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { deletedCount } = await ctx.store.automationRules.deleteOne({ _id: id, workspaceId: authOf(res).workspaceId });
    if (deletedCount === 0) throw notFound('Automation rule');
    await ctx.rules.changed(authOf(res).workspaceId);
    res.status(204).end();
  });
  return router;
}
