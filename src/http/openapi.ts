import { z } from 'zod';
import {
  assignBody,
  changeStatusBody,
  createAgentBody,
  createApiKeyBody,
  createChannelBody,
  createQueueBody,
  createSubscriptionBody,
  createWorkspaceBody,
  listConversationsQuery,
  paginationQuery,
  sendMessageBody,
  transferBody,
  updateAgentBody,
  updateQueueBody,
  updateWorkspaceSettingsBody,
} from './schemas.js';
import { cannedResponseOperations } from './routes/canned-responses.js';
import { outboundConversationOperations } from './routes/outbound-conversations.js';
import { commonErrors, type Operations, type ResponseSpec } from './operation.js';

/**
 * The OpenAPI 3.1 description of the REST API. Request bodies and query parameters are generated
 * from the same zod schemas the routes validate with, so the spec cannot drift from them.
 */

const errors = commonErrors;

const OPERATIONS: Operations = {
  ...cannedResponseOperations,
  ...outboundConversationOperations,
  '/v1/admin/workspaces': {
    post: { summary: 'Create a workspace and its first admin API key', tags: ['admin'], body: createWorkspaceBody, auth: 'adminToken', responses: { '201': 'Created; the key is shown once', ...errors } },
  },
  '/v1/api-keys': {
    post: { summary: 'Create an API key (admin)', tags: ['workspace'], body: createApiKeyBody, responses: { '201': 'Created; the key is shown once', '403': 'Admin key required', ...errors } },
    get: { summary: 'List API keys (admin)', tags: ['workspace'], responses: { '200': 'Keys, without secrets', ...errors } },
  },
  '/v1/workspace': {
    get: { summary: "The caller's workspace with its lifecycle settings, defaults filled in (admin)", tags: ['workspace'], responses: { '200': 'The workspace', '403': 'Admin key required', ...errors } },
  },
  '/v1/workspace/settings': {
    patch: {
      summary: 'Change lifecycle settings (admin); timers already scheduled keep their delays',
      tags: ['workspace'],
      body: updateWorkspaceSettingsBody,
      responses: { '200': 'The workspace', '403': 'Admin key required', ...errors },
    },
  },
  '/v1/agents': {
    post: { summary: 'Create an agent (admin); email is unique per workspace', tags: ['agents'], body: createAgentBody, responses: { '201': 'Created', '403': 'Admin key required', '409': 'agent_exists', '422': 'api_key_not_found', ...errors } },
    get: { summary: 'List agents, newest first', tags: ['agents'], query: paginationQuery, responses: { '200': 'A page of agents', ...errors } },
  },
  '/v1/agents/{id}': {
    get: { summary: 'Get an agent with its load (conversations held)', tags: ['agents'], pathId: true, responses: { '200': 'The agent', ...errors } },
    patch: {
      summary: "Change an agent (admin; the agent's own key may change its status only); a lowered capacity applies to new assignments",
      tags: ['agents'],
      pathId: true,
      body: updateAgentBody,
      responses: { '200': 'The agent', '403': 'admin_required', '409': 'agent_exists', '422': 'api_key_not_found', ...errors },
    },
  },
  '/v1/queues': {
    post: { summary: 'Create a routing queue (admin): match rules, priority, strategy, member agents', tags: ['queues'], body: createQueueBody, responses: { '201': 'Created', '403': 'Admin key required', '422': 'agent_not_found', ...errors } },
    get: { summary: 'List queues, highest priority first, the default queue last', tags: ['queues'], responses: { '200': 'Queues', ...errors } },
  },
  '/v1/queues/{id}': {
    get: { summary: 'Get a queue', tags: ['queues'], pathId: true, responses: { '200': 'The queue', ...errors } },
    patch: { summary: 'Change a queue (admin)', tags: ['queues'], pathId: true, body: updateQueueBody, responses: { '200': 'The queue', '403': 'Admin key required', '422': 'agent_not_found', ...errors } },
  },
  '/v1/channels': {
    post: { summary: 'Connect a channel (admin); secrets are encrypted and never returned', tags: ['channels'], body: createChannelBody, responses: { '201': 'Created, with its webhook URL', '409': 'Channel exists', ...errors } },
    get: { summary: 'List channels', tags: ['channels'], responses: { '200': 'Channels', ...errors } },
  },
  '/v1/channels/{id}': { get: { summary: 'Get a channel', tags: ['channels'], pathId: true, responses: { '200': 'The channel', ...errors } } },
  '/v1/channels/{id}/templates': { get: { summary: "List a channel's templates", tags: ['templates'], pathId: true, responses: { '200': 'Templates', ...errors } } },
  '/v1/channels/{id}/templates/sync': {
    post: { summary: "Sync templates from the provider's list (admin)", tags: ['templates'], pathId: true, responses: { '200': 'How many were synced', ...errors } },
  },
  '/v1/conversations': {
    get: { summary: 'List conversations, newest first; archived ones only with archived=true', tags: ['conversations'], query: listConversationsQuery, responses: { '200': 'A page of conversations', ...errors } },
  },
  '/v1/conversations/{id}': {
    get: {
      summary: 'Get a conversation with its latest messages, what may be sent now and, while queued, its queuePosition (1-based, oldest first in its queue)',
      tags: ['conversations'],
      pathId: true,
      responses: { '200': 'The conversation', ...errors },
    },
  },
  '/v1/conversations/{id}/status': {
    post: {
      summary: 'Change the status (snoozed needs a future snoozeUntil); replaces the lifecycle timers',
      tags: ['conversations'],
      pathId: true,
      body: changeStatusBody,
      responses: {
        '200': 'The conversation',
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
      responses: { '200': 'The conversation', '409': 'already_assigned, invalid_transition (not queued), agent_unavailable, agent_at_capacity', ...errors },
    },
  },
  '/v1/conversations/{id}/unassign': {
    post: {
      summary: "Back to queued: clears assigneeId and frees the agent's slot; an automatic queue routes it to another member",
      tags: ['conversations'],
      pathId: true,
      responses: { '200': 'The conversation', '409': 'invalid_transition (not active)', ...errors },
    },
  },
  '/v1/conversations/{id}/transfer': {
    post: {
      summary: 'Transfer a queued or active conversation to an agent (assigned now) or to a queue (routed there), with an optional note kept in transfers',
      tags: ['conversations'],
      pathId: true,
      body: transferBody,
      responses: { '200': 'The conversation', '409': 'invalid_transition, agent_unavailable, agent_at_capacity, already_assigned', ...errors },
    },
  },
  '/v1/conversations/{id}/accept': {
    post: {
      summary: "The calling agent takes a queued conversation (the key must be linked to an agent by apiKeyId)",
      tags: ['conversations'],
      pathId: true,
      responses: { '200': 'The conversation', '403': 'agent_key_required', '409': 'As for assign', ...errors },
    },
  },
  '/v1/conversations/{id}/archive': {
    post: { summary: 'Archive: hide from the default list (the status is unchanged)', tags: ['conversations'], pathId: true, responses: { '200': 'The conversation', ...errors } },
  },
  '/v1/conversations/{id}/unarchive': {
    post: { summary: 'Show in the default list again', tags: ['conversations'], pathId: true, responses: { '200': 'The conversation', ...errors } },
  },
  '/v1/conversations/{id}/messages': {
    get: { summary: "A page of the conversation's messages, newest first", tags: ['messages'], pathId: true, query: paginationQuery, responses: { '200': 'Messages', ...errors } },
    post: {
      summary: 'Send a message (honours Idempotency-Key)',
      tags: ['messages'],
      pathId: true,
      body: sendMessageBody,
      responses: { '202': 'Queued for sending', '409': 'Idempotency-Key in use', '422': 'Refused by the channel rules: window_closed, template_required, template_not_found, template_not_approved, template_invalid, unsupported_content', ...errors },
    },
  },
  '/v1/messages/{id}': { get: { summary: 'Get a message', tags: ['messages'], pathId: true, responses: { '200': 'The message', ...errors } } },
  '/v1/messages/{id}/retry': {
    post: { summary: 'Send a failed message again', tags: ['messages'], pathId: true, responses: { '202': 'Queued again', '409': 'Not failed', '422': 'Refused by the channel rules', ...errors } },
  },
  '/v1/media': { post: { summary: 'Upload a file (raw body with its Content-Type) to send as media', tags: ['media'], responses: { '201': 'Stored', ...errors } } },
  '/v1/media/{id}': { get: { summary: 'Download stored media', tags: ['media'], pathId: true, responses: { '200': 'The bytes', ...errors } } },
  '/v1/webhook-subscriptions': {
    post: { summary: 'Subscribe a helpdesk URL to events (admin); the signing secret is shown once', tags: ['webhooks'], body: createSubscriptionBody, responses: { '201': 'Created', ...errors } },
    get: { summary: 'List webhook subscriptions', tags: ['webhooks'], responses: { '200': 'Subscriptions', ...errors } },
  },
  '/v1/webhook-subscriptions/{id}': { delete: { summary: 'Delete a subscription (admin)', tags: ['webhooks'], pathId: true, responses: { '204': 'Deleted', ...errors } } },
  '/v1/webhook-subscriptions/{id}/deliveries': {
    get: { summary: 'The delivery log of a subscription, every attempt', tags: ['webhooks'], pathId: true, responses: { '200': 'Deliveries', ...errors } },
  },
  '/webhooks/{connector}/{channelId}': {
    get: { summary: 'Provider subscription handshake (e.g. hub.challenge)', tags: ['provider webhooks'], auth: 'provider', responses: { '200': 'Challenge echoed', '403': 'Verify token mismatch', '404': 'Unknown channel' } },
    post: {
      summary: 'Provider webhook; acknowledged only once recorded',
      tags: ['provider webhooks'],
      auth: 'provider',
      responses: { '200': 'Recorded', '400': 'Unreadable payload', '401': 'Bad signature', '404': 'Unknown channel', '413': 'Body too large', '503': 'Not recorded; retry' },
    },
  },
  '/healthz': { get: { summary: 'The process is up', tags: ['health'], auth: 'provider', responses: { '200': 'Up' } } },
  '/readyz': { get: { summary: 'MongoDB and Redis are reachable', tags: ['health'], auth: 'provider', responses: { '200': 'Ready', '503': 'Not ready' } } },
};

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

function responseObject(code: string, spec: ResponseSpec) {
  if (typeof spec !== 'string') {
    return { description: spec.description, content: { 'application/json': { schema: z.toJSONSchema(spec.schema, { io: 'output', unrepresentable: 'any' }) } } };
  }
  return { description: spec, ...(Number(code) >= 400 && { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }) };
}

export function buildOpenApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const parameters = [
        ...(op.pathId ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
        ...(path.includes('{connector}')
          ? ['connector', 'channelId'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
          : []),
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
        responses: Object.fromEntries(Object.entries(op.responses).map(([code, spec]) => [code, responseObject(code, spec)])),
        security: op.auth === 'provider' || op.auth === 'none' ? [] : op.auth === 'adminToken' ? [{ adminToken: [] }] : [{ bearerKey: [] }, { apiKeyHeader: [] }],
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Omnigate API', version: '1', description: 'One API for WhatsApp, Messenger and email conversations.' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'A workspace API key' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The instance admin token (OMNIGATE_ADMIN_TOKEN)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}
