import { Router } from 'express';
import { z } from 'zod';
import { MAX_CONVERSATIONS_READ, type AnalyticsService } from '../../analytics/analytics-service.js';
import type { Clock } from '../../clock.js';
import { isTimezone } from '../../domain/queue-matching.js';
import { badRequest } from '../../errors.js';
import { isoTime } from '../api-schemas.js';
import { authOf } from '../auth.js';
import type { Operations } from '../operation.js';

const DAY = 86_400_000;
/** Without `from`, the report covers the 30 days before `to`. */
const DEFAULT_RANGE_DAYS = 30;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');

export const analyticsQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe(`Start of the range, inclusive (default: ${DEFAULT_RANGE_DAYS} days before \`to\`)`),
  to: z.iso.datetime({ offset: true }).optional().describe('End of the range, exclusive (default: now)'),
  channelId: objectId.optional(),
  queueId: objectId.optional(),
  agentId: objectId.optional().describe("The conversations' assignee"),
  timezone: z.string().refine(isTimezone, { message: 'must be an IANA timezone' }).default('UTC').describe('IANA timezone of "today" (resolvedToday)'),
});

const seconds = z.number().nullable();
const score = z.number().int().min(0);

export const analyticsResponse = z.object({
  from: isoTime,
  to: isoTime,
  timezone: z.string(),
  filters: z.object({ channelId: z.string().nullable(), queueId: z.string().nullable(), agentId: z.string().nullable() }),
  conversations: z.object({
    total: z.number().int().describe('Conversations created in [from, to) matching the filters'),
    open: z.number().int().describe('Of those, the ones now queued, active, pending or snoozed'),
    resolvedToday: z.number().int().describe('Conversations matching the filters (whenever created) whose resolvedAt is in the current day of `timezone`'),
  }),
  firstResponseTime: z
    .object({ count: z.number().int(), averageSeconds: seconds, p90Seconds: seconds.describe('Nearest rank: the smallest time with 90% of them at or below it') })
    .describe(
      'firstResponseAt - createdAt over conversations created in the range that have had a first response: the first agent or automation message accepted for sending while the conversation was open and after the customer wrote (reactions, notes, surveys and replies typed in the provider\'s own app do not count)',
    ),
  resolutionTime: z
    .object({ count: z.number().int(), averageSeconds: seconds })
    .describe('resolvedAt - createdAt over conversations created in the range that are resolved (or closed after being resolved; reopening clears it)'),
  messages: z
    .object({ inbound: z.number().int(), outbound: z.number().int() })
    .describe("Messages created in the range by direction, of the filters' conversations; internal notes excluded, business echoes counted as outbound"),
  csat: z
    .object({
      ratings: z.number().int().describe('Ratings received in the range'),
      average: z.number().nullable().describe('Their mean, 2 decimals'),
      distribution: z.object({ '1': score, '2': score, '3': score, '4': score, '5': score }),
      requests: z.number().int().describe('Rating requests sent in the range (skipped ones, e.g. window closed, are not counted)'),
      responded: z.number().int().describe('Of those requests, how many have been rated'),
      responseRate: z.number().nullable().describe('responded / requests, 4 decimals; null without requests'),
    })
    .describe("Customer satisfaction; the filters apply to the rated conversation's channel, queue and agent"),
}).meta({ id: 'Analytics' });

export function analyticsRoutes(deps: { analytics: AnalyticsService; clock: Clock }): Router {
  const router = Router();
  router.get('/analytics', async (req, res) => {
    const q = analyticsQuery.parse(req.query);
    const to = q.to ? new Date(q.to) : deps.clock.now();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY);
    if (from.getTime() >= to.getTime()) throw badRequest('invalid_range', '`from` must be before `to`', { from: from.toISOString(), to: to.toISOString() });
    const { channelId, queueId, agentId, timezone } = q;
    const report = await deps.analytics.report({ workspaceId: authOf(res).workspaceId, from, to, timezone, channelId, queueId, agentId });
    res.json({
      from: from.toISOString(),
      to: to.toISOString(),
      timezone,
      filters: { channelId: channelId ?? null, queueId: queueId ?? null, agentId: agentId ?? null },
      ...report,
    });
  });
  return router;
}

export const analyticsOperations: Operations = {
  '/v1/analytics': {
    get: {
      operationId: 'getAnalytics',
      summary:
        'Workspace metrics over [from, to), optionally for one channel, queue and/or agent (assignee): conversations, first response and resolution times, messages, CSAT. Each field of the answer says how it is defined',
      tags: ['analytics'],
      query: analyticsQuery,
      responses: {
        '200': { description: 'The metrics; durations in seconds, null where nothing qualifies', schema: analyticsResponse },
        '404': 'not_found: the channel, queue or agent filtered on is not in this workspace',
        '422': `analytics_range_too_large: more than ${MAX_CONVERSATIONS_READ} conversations to read; narrow the range or filter`,
      },
      errors: ['invalid_range', 'not_found', 'analytics_range_too_large'],
    },
  },
};
