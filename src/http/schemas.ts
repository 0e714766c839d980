import { z } from 'zod';
import { webhookAllowedHostsSchema } from '../webhooks/allowlist.js';
import { CONVERSATION_STATUSES } from '../domain/conversation.js';
import { isTimezone } from '../domain/queue-matching.js';
import { MESSAGE_SCAN_LIMIT } from '../search/text-search.js';
import { csatSettingsBody } from '../csat/csat-settings.js';
import { MESSAGE_TAGS } from '../domain/channel.js';
import { AGENT_ROLES, AGENT_STATUSES } from '../domain/agent.js';
import { API_KEY_ROLES } from '../domain/api-key.js';
import { CONVERSATION_PRIORITIES } from '../domain/conversation.js';
import { ROUTING_STRATEGIES } from '../domain/queue.js';

/** Request shapes of the REST API. Objects are strict: an unknown field is a 400, not ignored. */

export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');

const mediaSource = z
  .strictObject({
    url: z.url().optional(),
    storedId: objectId.optional(),
    providerMediaId: z.string().min(1).optional(),
  })
  .refine((m) => [m.url, m.storedId, m.providerMediaId].filter(Boolean).length === 1, {
    message: 'give exactly one of url, storedId, providerMediaId',
  });

const templateParameter = z.looseObject({
  type: z.enum(['text', 'currency', 'date_time', 'image', 'document', 'video', 'payload']),
  text: z.string().optional(),
  payload: z.string().optional(),
  parameter_name: z.string().optional(),
});

/** Fields every sendable message may carry. */
const common = {
  replyToMessageId: objectId.optional(),
  /** Messenger only: a message tag for sending outside the standard 24-hour window. */
  tag: z.enum(MESSAGE_TAGS).optional(),
};

export const sendMessageBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(4096), ...common }),
  ...(['image', 'video', 'audio', 'document', 'sticker'] as const).map((type) =>
    z.strictObject({
      type: z.literal(type),
      media: mediaSource,
      caption: z.string().max(1024).optional(),
      filename: z.string().max(240).optional(),
      ...common,
    }),
  ),
  z.strictObject({
    type: z.literal('location'),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().optional(),
    address: z.string().optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('contacts'),
    contacts: z.array(z.looseObject({ name: z.looseObject({ formatted_name: z.string() }) })).min(1),
    ...common,
  }),
  z.strictObject({
    type: z.literal('template'),
    template: z.strictObject({
      name: z.string().min(1),
      language: z.string().min(2),
      components: z
        .array(
          z.strictObject({
            type: z.enum(['header', 'body', 'button']),
            sub_type: z.enum(['quick_reply', 'url', 'copy_code']).optional(),
            index: z.number().int().min(0).optional(),
            parameters: z.array(templateParameter),
          }),
        )
        .default([]),
    }),
    ...common,
  }),
  z.strictObject({
    type: z.literal('interactive'),
    interactive: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('buttons'),
        body: z.string().min(1).max(1024),
        header: z.string().max(60).optional(),
        footer: z.string().max(60).optional(),
        buttons: z.array(z.strictObject({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) })).min(1).max(3),
      }),
      z.strictObject({
        kind: z.literal('list'),
        body: z.string().min(1).max(4096),
        header: z.string().max(60).optional(),
        footer: z.string().max(60).optional(),
        buttonText: z.string().min(1).max(20),
        sections: z
          .array(
            z.strictObject({
              title: z.string().max(24).optional(),
              rows: z.array(z.strictObject({ id: z.string().min(1).max(200), title: z.string().min(1).max(24), description: z.string().max(72).optional() })).min(1),
            }),
          )
          .min(1)
          .refine((sections) => sections.reduce((n, s) => n + s.rows.length, 0) <= 10, { message: 'at most 10 rows in all' }),
      }),
    ]),
    ...common,
  }),
  z.strictObject({ type: z.literal('reaction'), messageId: objectId, emoji: z.string().max(16) }),
]);
export type SendMessageBody = z.infer<typeof sendMessageBody>;

/** How a message is read: a mail's remote images stay blocked unless the reader asks for them. */
export const messageReadQuery = z.strictObject({
  remoteContent: z
    .enum(['block', 'allow'])
    .default('block')
    .describe("allow: a mail's blocked remote images (kept in data-remote-src) are shown again, as src"),
});

export const paginationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: objectId.optional(),
});

/** A query value given repeated (`?status=a&status=b`) or comma-separated (`?status=a,b`). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v.flatMap((s: unknown) => (typeof s === 'string' ? s.split(',') : [s])) : v),
    z.array(item).min(1).max(50),
  );

export const listConversationsQuery = paginationQuery.extend({
  status: oneOrMany(z.enum(CONVERSATION_STATUSES)).optional().describe('One or several statuses (repeated or comma-separated)'),
  channelId: objectId.optional(),
  queueId: objectId.optional(),
  assigneeId: z.union([objectId, z.literal('none')]).optional().describe("An agent's id, or `none` for conversations nobody is assigned to"),
  tags: oneOrMany(z.string().trim().toLowerCase().min(1).max(50)).optional().describe('Conversations carrying all of these tags (any case)'),
  labelId: objectId.optional(),
  contactId: objectId.optional(),
  priority: oneOrMany(z.enum(CONVERSATION_PRIORITIES)).optional().describe('One or several priorities'),
  unread: z.enum(['true', 'false']).optional().describe('true: with customer messages since it was last marked read'),
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
  archived: z.enum(['true', 'false']).default('false').describe('Archived conversations are hidden unless asked for: true lists only them'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe(
      `Text in a message (internal notes included) or the contact's name, email or phone; case-insensitive and literal; the newest ${MESSAGE_SCAN_LIMIT} matching messages are searched`,
    ),
});

/** A status change; `snoozeUntil` belongs to `snoozed` only, where it is required. */
export const changeStatusBody = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('snoozed'), snoozeUntil: z.iso.datetime({ offset: true }) }),
  z.strictObject({ status: z.enum(['queued', 'active', 'pending', 'resolved', 'closed', 'abandoned']) }),
]);

export const createWorkspaceBody = z.strictObject({ name: z.string().min(1).max(200) });
/** The workspace's lifecycle settings (src/domain/lifecycle.ts); at least one, each within a year. */
export const updateWorkspaceSettingsBody = z
  .strictObject({
    autoResolveAfterHours: z.number().min(0).max(8760),
    abandonAfterMinutes: z.number().min(0).max(525_600),
    reopenResolved: z.boolean(),
    /** Sent to the customer when the auto-resolve timer resolves a conversation; null removes it. */
    closingMessage: z.string().trim().min(1).max(4096).nullable(),
    /** The satisfaction survey sent after a resolution: `enabled`, `message` (with {{link}}). */
    csat: csatSettingsBody,
    /** Among the private or loopback targets the operator allows, the only ones this workspace's webhooks may reach (empty: all of those). */
    webhookAllowedHosts: webhookAllowedHostsSchema,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one setting' });
export const createApiKeyBody = z.strictObject({ name: z.string().min(1).max(200), role: z.enum(API_KEY_ROLES).default('agent') });
export const createChannelBody = z.strictObject({
  type: z.string().min(1),
  name: z.string().min(1).max(200),
  settings: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), z.unknown()),
});
export const createSubscriptionBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.string().min(1)).min(1).default(['*']),
  description: z.string().max(500).optional(),
});
export const idParam = z.strictObject({ id: objectId });

const tags = z.array(z.string().min(1).max(100)).max(50);
/** An agent's editable fields; `apiKeyId` links the key `accept` acts with (null unlinks it). */
const agentFields = {
  name: z.string().min(1).max(200),
  role: z.enum(AGENT_ROLES),
  status: z.enum(AGENT_STATUSES),
  capacity: z.number().int().min(1).max(1000),
  skills: tags,
  languages: tags,
  teams: tags,
};
export const createAgentBody = z.strictObject({
  ...agentFields,
  email: z.email().max(320),
  role: agentFields.role.default('agent'),
  status: agentFields.status.default('offline'),
  capacity: agentFields.capacity.default(3),
  skills: tags.default([]),
  languages: tags.default([]),
  teams: tags.default([]),
  apiKeyId: objectId.optional(),
});
export const updateAgentBody = z
  .strictObject({ ...agentFields, apiKeyId: objectId.nullable() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });
export const assignBody = z.strictObject({ agentId: objectId });

/** A transfer names exactly one target: an agent (assigned now) or a queue (routed there). */
export const transferBody = z
  .strictObject({ agentId: objectId.optional(), queueId: objectId.optional(), note: z.string().min(1).max(2000).optional() })
  .refine((b) => (b.agentId === undefined) !== (b.queueId === undefined), { message: 'give exactly one of agentId, queueId' });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
/** Match rules of a queue (src/domain/queue-matching.ts); every rule given must match. */
const queueRules = z.strictObject({
  channelIds: z.array(objectId).max(100).optional(),
  tags: tags.optional(),
  languages: tags.optional(),
  contactAttributes: z.record(z.string().min(1).max(100), z.string().max(500)).optional(),
  businessHours: z
    .strictObject({
      timezone: z.string().refine(isTimezone, { message: 'must be an IANA timezone' }),
      days: z.array(z.strictObject({ day: z.number().int().min(0).max(6), from: hhmm, to: hhmm })).min(1).max(50),
    })
    .optional(),
});
const queueFields = {
  name: z.string().min(1).max(200),
  priority: z.number().int().min(-1000).max(1000),
  rules: queueRules,
  strategy: z.enum(ROUTING_STRATEGIES),
  agentIds: z.array(objectId).max(1000),
  redistributeOnOffline: z.boolean(),
  /** A conversation waiting longer than this in the queue moves to overflowQueueId (null: never). */
  maxWaitSeconds: z.number().int().min(1).max(30 * 86_400).nullable(),
  overflowQueueId: objectId.nullable(),
};
export const createQueueBody = z.strictObject({
  ...queueFields,
  priority: queueFields.priority.default(0),
  rules: queueRules.default({}),
  strategy: queueFields.strategy.default('manual'),
  agentIds: queueFields.agentIds.default([]),
  redistributeOnOffline: queueFields.redistributeOnOffline.default(false),
  maxWaitSeconds: queueFields.maxWaitSeconds.optional(),
  overflowQueueId: queueFields.overflowQueueId.optional(),
});
export const updateQueueBody = z
  .strictObject(queueFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });
