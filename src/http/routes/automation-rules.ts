import { Router } from 'express';
import { z } from 'zod';
import type { RuleService } from '../../automation/rule-service.js';
import { ACTION_TYPES, AUTOMATION_TRIGGERS, CONDITION_OPERATORS, conditionProblem, FACT_FIELDS } from '../../domain/automation.js';
import type { Store } from '../../store/index.js';
import type { AutomationRuleDoc } from '../../store/models/automation-rule.js';
import { isoTime, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { idParam, paginationQuery } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';
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
}).meta({ id: 'AutomationRule' });
/** The creation answer: the webhook signing secret is shown once. */
export const createdAutomationRuleResponse = automationRuleResponse.extend({ webhookSecret: z.string().regex(/^whsec_/) }).meta({ id: 'CreatedAutomationRule' });

/** A rule's actions name agents and queues of the workspace, and webhook URLs it may reach. */
const writeErrors = ['admin_required', 'agent_not_found', 'queue_not_found', 'webhook_url_forbidden'] as const;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const automationRuleOperations: Operations = {
  '/v1/automation-rules': {
    post: {
      operationId: 'createAutomationRule',
      summary: 'Create an automation rule (admin): trigger, conditions matched all/any, actions run in order; rules of a trigger run by ascending position',
      tags: ['automation'],
      body: createAutomationRuleBody,
      responses: { '201': { description: 'Created; webhookSecret signs its webhook actions and is shown once', schema: createdAutomationRuleResponse } },
      errors: writeErrors,
    },
    get: {
      operationId: 'listAutomationRules',
      summary: 'List automation rules, newest first; `trigger` filters',
      tags: ['automation'],
      query: listAutomationRulesQuery,
      responses: { '200': { description: 'A page of rules', schema: pageOf(automationRuleResponse) } },
    },
  },
  '/v1/automation-rules/{id}': {
    get: { operationId: 'getAutomationRule', summary: 'Get an automation rule', tags: ['automation'], responses: { '200': { description: 'The rule', schema: automationRuleResponse } } },
    patch: {
      operationId: 'updateAutomationRule',
      summary: 'Change an automation rule (admin); conditions and actions given replace the old ones',
      tags: ['automation'],
      body: updateAutomationRuleBody,
      responses: { '200': { description: 'The rule', schema: automationRuleResponse } },
      errors: writeErrors,
    },
    delete: { operationId: 'deleteAutomationRule', summary: 'Delete an automation rule (admin)', tags: ['automation'], responses: { '204': 'Deleted' }, errors: ['admin_required'] },
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
type _AutomationRuleMatch = Expect<SameShape<ReturnType<typeof ruleToApi>, typeof automationRuleResponse>>;

export function automationRuleRoutes(deps: { ruleService: RuleService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { ruleService } = deps;

  router.post(
    '/automation-rules',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const body = createAutomationRuleBody.parse(req.body);
      const { workspaceId, keyId } = authOf(res);
      const { rule, webhookSecret } = await ruleService.create(workspaceId, body, keyId);
      return { status: 201, body: { ...ruleToApi(rule), webhookSecret } };
    }),
  );

  router.get('/automation-rules', async (req, res) => {
    const q = listAutomationRulesQuery.parse(req.query);
    res.json(page(await ruleService.list(authOf(res).workspaceId, q), q.limit, ruleToApi));
  });

  router.get('/automation-rules/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(ruleToApi(await ruleService.get(authOf(res).workspaceId, id)));
  });

  router.patch('/automation-rules/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateAutomationRuleBody.parse(req.body);
    res.json(ruleToApi(await ruleService.update(authOf(res).workspaceId, id, body)));
  });

  router.delete('/automation-rules/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await ruleService.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });
  return router;
}
