import { z } from 'zod';
import {
  assignBody,
  changeStatusBody,
  createAgentBody,
  createWorkspaceBody,
  listConversationsQuery,
  messageReadQuery,
  paginationQuery,
  sendMessageBody,
  transferBody,
  updateAgentBody,
  updateWorkspaceSettingsBody,
} from './schemas.js';
import {
  agentResponse,
  conversationDetailResponse,
  conversationResponse,
  createdWorkspaceResponse,
  errorResponse,
  messageResponse,
  pageOf,
  readinessResponse,
  storedMediaResponse,
  workspaceResponse,
} from './api-schemas.js';
import { apiKeyOperations } from './routes/api-keys.js';
import { automationRuleOperations } from './routes/automation-rules.js';
import { analyticsOperations } from './routes/analytics.js';
import { cannedResponseOperations } from './routes/canned-responses.js';
import { csatOperations } from './routes/csat.js';
import { channelOperations } from './routes/channels.js';
import { outboundConversationOperations } from './routes/outbound-conversations.js';
import { queueOperations } from './routes/queues.js';
import { quarantineOperations } from './routes/quarantine.js';
import { conversationItemOperations, conversationOperations } from './routes/conversations.js';
import { contactOperations } from './routes/contacts.js';
import { labelOperations } from './routes/labels.js';
import { webhookSubscriptionOperations } from './routes/webhook-subscriptions.js';
import { escalationOperations } from './routes/escalations.js';
import { metricsOperations } from './routes/metrics.js';
import { commonErrors, type Operation, type Operations, type ResponseSpec } from './operation.js';

/**
 * The OpenAPI 3.1 description of the REST API. Request bodies and query parameters are generated
 * from the same zod schemas the routes validate with, so the spec cannot drift from them.
 */

const errors = commonErrors;

const OPERATIONS: Operations = {
  ...cannedResponseOperations,
  ...analyticsOperations,
  ...csatOperations,
  ...automationRuleOperations,
  ...outboundConversationOperations,
  ...apiKeyOperations,
  ...channelOperations,
  ...conversationOperations,
  ...contactOperations,
  ...labelOperations,
  ...quarantineOperations,
  '/v1/admin/workspaces': {
    post: { summary: 'Create a workspace and its first admin API key', tags: ['admin'], body: createWorkspaceBody, auth: 'adminToken', responses: { '201': { description: 'Created; the key is shown once', schema: createdWorkspaceResponse }, ...errors } },
  },
  '/v1/workspace': {
    get: { summary: "The caller's workspace with its settings, defaults filled in (admin)", tags: ['workspace'], responses: { '200': { description: 'The workspace', schema: workspaceResponse }, '403': 'Admin key required', ...errors } },
  },
  '/v1/workspace/settings': {
    patch: {
      summary: 'Change lifecycle settings (admin); timers already scheduled keep their delays',
      tags: ['workspace'],
      body: updateWorkspaceSettingsBody,
      responses: { '200': { description: 'The workspace', schema: workspaceResponse }, '403': 'Admin key required', ...errors },
    },
  },
  '/v1/agents': {
    post: { summary: 'Create an agent (admin); email is unique per workspace', tags: ['agents'], body: createAgentBody, responses: { '201': { description: 'Created', schema: agentResponse }, '403': 'Admin key required', '409': 'agent_exists', '422': 'api_key_not_found', ...errors } },
    get: { summary: 'List agents, newest first', tags: ['agents'], query: paginationQuery, responses: { '200': { description: 'A page of agents', schema: pageOf(agentResponse) }, ...errors } },
  },
  '/v1/agents/{id}': {
    get: { summary: 'Get an agent with its load (conversations held)', tags: ['agents'], pathId: true, responses: { '200': { description: 'The agent', schema: agentResponse }, ...errors } },
    patch: {
      summary: "Change an agent (admin; the agent's own key may change its status only); a lowered capacity applies to new assignments",
      tags: ['agents'],
      pathId: true,
      body: updateAgentBody,
      responses: { '200': { description: 'The agent', schema: agentResponse }, '403': 'admin_required', '409': 'agent_exists', '422': 'api_key_not_found', ...errors },
    },
    delete: {
      summary: 'Delete an agent that holds no conversation (admin); it leaves its queues, and conversations it handled keep its id',
      tags: ['agents'],
      pathId: true,
      responses: { '204': 'Deleted', '403': 'admin_required', '409': 'agent_has_conversations (details.held)', ...errors },
    },
  },
  ...queueOperations,
  '/v1/conversations': {
    get: { summary: 'List conversations, newest first, filtered (status, channel, queue, assignee or none, tags, label, contact, priority, unread, dates) and searched with q over message text and contact name, email and phone; archived ones only with archived=true', tags: ['conversations'], query: listConversationsQuery, responses: { '200': { description: 'A page of conversations', schema: pageOf(conversationResponse) }, ...errors } },
  },
  '/v1/conversations/{id}': {
    ...conversationItemOperations,
    get: {
      summary: 'Get a conversation with its latest messages, what may be sent now and, while queued, its queuePosition (1-based, oldest first in its queue)',
      tags: ['conversations'],
      pathId: true,
      responses: { '200': { description: 'The conversation', schema: conversationDetailResponse }, ...errors },
    },
  },
  '/v1/conversations/{id}/status': {
    post: {
      summary: 'Change the status (snoozed needs a future snoozeUntil); replaces the lifecycle timers',
      tags: ['conversations'],
      pathId: true,
      body: changeStatusBody,
      responses: {
        '200': { description: 'The conversation', schema: conversationResponse },
        '409': 'invalid_transition (details: from, to, allowed) or conflict_open_conversation (reopening while another conversation with the contact is open)',
        '422': 'snooze_until_in_past',
        ...errors,
      },
    },
  },
  '/v1/conversations/{id}/assign': {
    post: {
      summary: 'Assign a queued conversation to an available agent within its capacity; it becomes active with assigneeId',
      tags: ['conversations'],
      pathId: true,
      body: assignBody,
      responses: { '200': { description: 'The conversation', schema: conversationResponse }, '409': 'already_assigned, invalid_transition (not queued), agent_unavailable, agent_at_capacity', ...errors },
    },
  },
  '/v1/conversations/{id}/unassign': {
    post: {
      summary: "Back to queued: clears assigneeId and frees the agent's slot; an automatic queue routes it to another member",
      tags: ['conversations'],
      pathId: true,
      responses: { '200': { description: 'The conversation', schema: conversationResponse }, '409': 'invalid_transition (not active)', ...errors },
    },
  },
  '/v1/conversations/{id}/transfer': {
    post: {
      summary: 'Transfer a queued or active conversation to an agent (assigned now) or to a queue (routed there), with an optional note kept in transfers',
      tags: ['conversations'],
      pathId: true,
      body: transferBody,
      responses: { '200': { description: 'The conversation', schema: conversationResponse }, '409': 'invalid_transition, agent_unavailable, agent_at_capacity, already_assigned', ...errors },
    },
  },
  '/v1/conversations/{id}/accept': {
    post: {
      summary: "The calling agent takes a queued conversation (the key must be linked to an agent by apiKeyId)",
      tags: ['conversations'],
      pathId: true,
      responses: { '200': { description: 'The conversation', schema: conversationResponse }, '403': 'agent_key_required', '409': 'As for assign', ...errors },
    },
  },
  '/v1/conversations/{id}/archive': {
    post: { summary: 'Archive: hide from the default list (the status is unchanged)', tags: ['conversations'], pathId: true, responses: { '200': { description: 'The conversation', schema: conversationResponse }, ...errors } },
  },
  '/v1/conversations/{id}/unarchive': {
    post: { summary: 'Show in the default list again', tags: ['conversations'], pathId: true, responses: { '200': { description: 'The conversation', schema: conversationResponse }, ...errors } },
  },
  '/v1/conversations/{id}/messages': {
    get: { summary: "A page of the conversation's messages, newest first", tags: ['messages'], pathId: true, query: paginationQuery, responses: { '200': { description: 'Messages', schema: pageOf(messageResponse) }, ...errors } },
    post: {
      summary: 'Send a message (honours Idempotency-Key)',
      tags: ['messages'],
      pathId: true,
      body: sendMessageBody,
      responses: { '202': { description: 'Queued for sending', schema: messageResponse }, '409': 'Idempotency-Key in use', '422': 'Refused by the channel rules: window_closed, template_required, template_not_found, template_not_approved, template_invalid, unsupported_content', ...errors },
    },
  },
  '/v1/messages/{id}': {
    get: {
      summary: "Get a message; a mail's HTML is sanitised, its remote images blocked unless remoteContent=allow",
      tags: ['messages'],
      pathId: true,
      query: messageReadQuery,
      responses: { '200': { description: 'The message', schema: messageResponse }, ...errors },
    },
  },
  '/v1/messages/{id}/retry': {
    post: { summary: 'Send a failed message again', tags: ['messages'], pathId: true, responses: { '202': { description: 'Queued again', schema: messageResponse }, '409': 'Not failed', '422': 'Refused by the channel rules', ...errors } },
  },
  '/v1/media': { post: { summary: 'Upload a file (raw body with its Content-Type) to send as media', tags: ['media'], responses: { '201': { description: 'Stored', schema: storedMediaResponse }, ...errors } } },
  '/v1/media/{id}': { get: { summary: 'Download stored media', tags: ['media'], pathId: true, responses: { '200': 'The bytes', ...errors } } },
  ...webhookSubscriptionOperations,
  ...escalationOperations,
  '/webhooks/{connector}/{channelId}': {
    get: { summary: 'Provider subscription handshake (e.g. hub.challenge)', tags: ['provider webhooks'], auth: 'provider', responses: { '200': 'Challenge echoed', '403': 'Verify token mismatch', '404': 'Unknown channel' } },
    post: {
      summary: 'Provider webhook; acknowledged only once recorded',
      tags: ['provider webhooks'],
      auth: 'provider',
      responses: { '200': { description: "Recorded; the acknowledgement in the provider's own format", schema: z.unknown() }, '400': 'Unreadable payload', '401': 'Bad signature', '404': 'Unknown channel', '413': 'Body too large', '503': 'Not recorded; retry' },
    },
  },
  '/healthz': { get: { summary: 'The process is up', tags: ['health'], auth: 'provider', responses: { '200': { description: 'Up', schema: z.object({ status: z.literal('ok') }) } } } },
  '/openapi.json': { get: { summary: 'This document', tags: ['health'], auth: 'none', responses: { '200': { description: 'The OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.literal('3.1.0') }) } } } },
  ...metricsOperations,
  '/readyz': { get: { summary: 'MongoDB and Redis are reachable', tags: ['health'], auth: 'provider', responses: { '200': { description: 'Ready', schema: readinessResponse }, '503': { description: 'Not ready', schema: readinessResponse } } } },
};

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

/** A response body's schema, as the API produces it; the document's own dialect (2020-12) applies. */
function outputSchema(schema: z.ZodType) {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return rest;
}

function responseObject(code: string, spec: ResponseSpec) {
  if (typeof spec !== 'string') {
    return { description: spec.description, content: { 'application/json': { schema: outputSchema(spec.schema) } } };
  }
  return { description: spec, ...(Number(code) >= 400 && { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }) };
}

/** What every API-key operation may also answer (the per-key limit of src/http/rate-limit.ts). */
const RATE_LIMITED = {
  description: 'rate_limited: too many requests with this API key; retry after Retry-After seconds',
  headers: {
    'Retry-After': { description: 'Seconds until a request will be accepted', schema: { type: 'integer' } },
    'RateLimit-Limit': { description: 'Requests allowed in a burst', schema: { type: 'integer' } },
    'RateLimit-Remaining': { description: 'Requests left in the current burst', schema: { type: 'integer' } },
  },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const DESCRIPTION = `One API for WhatsApp, Messenger and email conversations.

Conventions: ids are 24 hex characters; times are ISO 8601 strings in UTC, null when unset; lists
are newest first in pages of \`{data, nextCursor}\` (pass nextCursor back as \`cursor\`; null on
the last page); every POST that creates something honours an \`Idempotency-Key\` header (the same
key and body replays the first answer); requests are limited per API key (429 \`rate_limited\`
with \`Retry-After\`; provider webhooks and the admin API are not limited).

Errors are \`{"error": {"code", "message", "details"}}\` with a stable \`code\`:
400 validation_failed (details: path and message per issue), invalid_json, invalid_request,
invalid_media, invalid_idempotency_key; 401 unauthorized; 403 admin_required, agent_key_required,
webhook_url_forbidden; 404 not_found, route_not_found; 409 idempotency_key_reused,
idempotency_in_progress, channel_exists, channel_has_open_conversations, channel_pulled,
invalid_transition, conflict_open_conversation, already_assigned, agent_unavailable,
agent_at_capacity, agent_exists, canned_response_exists, template_exists,
cannot_revoke_own_key, agent_has_conversations, default_queue, queue_in_use, queue_not_empty,
delivery_pending, subscription_disabled, merge_in_progress, already_rated; 413 payload_too_large; 415 unsupported_media_type; 422 send-policy
refusals (window_closed, template_required, template_not_found, template_not_approved,
template_invalid, unsupported_content), provider_refused (details.providerCode) and
operation-specific codes named in each operation; 429 rate_limited; 500 internal_error;
502 provider_error (a provider call failed; details.providerCode); 503 service_unavailable (the
store or the queue is unreachable for a moment; retry). A message or change accepted while the
queue is away is kept and queued by the recovery sweep within a minute of its return.

Real-time events are not an HTTP operation: open a WebSocket to \`/v1/realtime\` with an API key
(\`Authorization: Bearer\`, \`X-API-Key\`, the subprotocols \`omnigate.v1\` + \`bearer.<key>\`,
or a \`key\` query parameter; a browser page of an origin not in CORS_ORIGINS is refused with 403
\`origin_not_allowed\`), subscribe with \`{"type":"subscribe","all":true}\` (or
\`conversationId\` / \`queueId\`), and receive frames \`{id, type, occurredAt, conversationId,
queueId, data}\`; reconnect with \`?lastEventId=<id>\` (and the subscriptions as query
parameters) to receive what was missed, or \`replay.incomplete\` when it is older than what is kept.`;

/** Operations called with a workspace API key (the default). */
const isKeyed = (op: Operation) => op.auth === undefined || op.auth === 'apiKey';

function securityOf(op: Operation) {
  if (isKeyed(op)) return [{ bearerKey: [] }, { apiKeyHeader: [] }];
  if (op.auth === 'adminToken') return [{ adminToken: [] }];
  // Only when METRICS_TOKEN is set; the empty requirement says it may be open.
  if (op.auth === 'metricsToken') return [{ metricsToken: [] }, {}];
  return [];
}

export function buildOpenApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const parameters = [
        ...[...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(op.query
          ? Object.entries(op.query.shape).map(([name, s]) => ({ name, in: 'query', required: false, schema: jsonSchema(s as z.ZodType) }))
          : []),
        ...(method === 'post' && op.auth !== 'provider' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
      ];
      paths[path][method] = {
        summary: op.summary,
        tags: op.tags,
        ...(parameters.length > 0 && { parameters }),
        ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }),
        responses: {
          ...Object.fromEntries(Object.entries(op.responses).map(([code, spec]) => [code, responseObject(code, spec)])),
          ...(isKeyed(op) && { '429': RATE_LIMITED }),
          ...(!op.responses['503'] && { '503': responseObject('503', 'service_unavailable: the store or the queue is unreachable; retry later') }),
        },
        security: securityOf(op),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Omnigate API', version: '1', description: DESCRIPTION },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'A workspace API key' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The instance admin token (OMNIGATE_ADMIN_TOKEN)' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The metrics token (METRICS_TOKEN), when one is set' },
      },
      schemas: {
        Error: outputSchema(errorResponse),
      },
    },
  };
}
