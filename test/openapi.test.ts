import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPhoneNumber, postWhatsAppWebhook, receiveText } from './support/customer.js';
import { createHttpApp } from '../src/http/app.js';
import { ERROR_CODES, type ErrorCode } from '../src/http/error-codes.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { EVENT_TYPES } from '../src/events/outbox.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness } from './support/harness.js';
import { OpenApiValidator, openApiValidator, resolveReferences, ResponseMismatchError } from './support/openapi-validator.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { wireFixture } from './support/whatsapp-payloads.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Answers that are not JSON by nature: media bytes, the provider handshake's echo, the metrics exposition. */
const NOT_JSON = new Set([
  'GET /v1/media/{id}',
  'GET /webhooks/{connector}/{channelId}',
  'GET /metrics',
  'GET /webchat/widget.js',
  'GET /webchat/v1/channels/{channelId}/media/{mediaId}',
  'GET /console/',
]);

interface RouterLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** Every route express would serve, as `METHOD /path/{param}`, found by walking the router stack. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? `${prefix}${layer.rawPath}` : prefix);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return [...new Set(found)];
}

/** `/v1/conversations/{id}` and `/v1/conversations/{conversationId}` are the same route. */
const shapeOf = (route: string) => route.replace(/\{[^}]+\}/g, '{}');

interface DocumentedOperation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: object }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: ErrorBodySchema }> }>;
}
interface ErrorBodySchema {
  properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
}
type Document = ReturnType<typeof buildOpenApiDocument>;

/** Every operation of the document, paths and webhooks, as written (references unresolved) or resolved. */
function operationsOf(doc: Document, section: 'paths' | 'webhooks') {
  return Object.entries((doc[section] ?? {}) as Record<string, Record<string, DocumentedOperation>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op, where: `${method.toUpperCase()} ${path}` })),
  );
}

/** The error codes an answer's body allows, from its (resolved) schema. */
const codesOf = (response: DocumentedOperation['responses'][string]) => response.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum;

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument('http://gateway.test');
  const resolved = resolveReferences(doc, doc);
  const operations = operationsOf(doc, 'paths');
  const resolvedOperations = operationsOf(resolved, 'paths');
  const schemas = doc.components!.schemas!;

  it('is structurally an OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const problems: string[] = [];
    for (const { path, method, op, where } of [...operationsOf(resolved, 'paths'), ...operationsOf(resolved, 'webhooks')]) {
      if (!(METHODS as readonly string[]).includes(method)) problems.push(`${where}: unknown method`);
      if (!op.summary) problems.push(`${where}: no summary`);
      if (Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) problems.push(`${where}: path parameter ${name} not declared`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where} ${status}: not a status code`);
        if (!response.description) problems.push(`${where} ${status}: no description`);
      }
      for (const media of [...Object.values(op.requestBody?.content ?? {}), ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}))]) {
        try {
          ajv.compile(media.schema ?? {});
        } catch (err) {
          problems.push(`${where}: invalid schema: ${(err as Error).message}`);
        }
      }
    }
    for (const { path, where } of operations) if (!path.startsWith('/')) problems.push(`${where}: path must start with /`);
    expect(problems).toEqual([]);
  });

  it('names every operation, webhooks included, with a unique camelCase operationId', () => {
    const ids = [...operations, ...operationsOf(doc, 'webhooks')].map(({ op, where }) => op.operationId ?? `(none: ${where})`);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['listConversations', 'getConversation', 'sendMessage', 'listMessages', 'createWebhookSubscription', 'onMessageReceived']));
  });

  it('names the resources as components and refers to them', () => {
    for (const name of ['Conversation', 'Message', 'Contact', 'Channel', 'Queue', 'Agent', 'WebhookSubscription', 'WebhookDelivery', 'Template', 'Label', 'Error', 'ErrorCode', 'WebhookEvent']) {
      expect(schemas[name], name).toBeDefined();
    }
    const schemaOf = (path: string, method: string, status: string) =>
      (doc.paths![path] as Record<string, DocumentedOperation>)[method]!.responses[status]!.content!['application/json']!.schema as Record<string, unknown>;
    expect(schemaOf('/v1/conversations/{id}/messages', 'post', '202')).toEqual({ $ref: '#/components/schemas/Message' });
    expect(schemaOf('/v1/conversations', 'get', '200')).toMatchObject({ properties: { data: { items: { $ref: '#/components/schemas/Conversation' } } } });
    expect(schemaOf('/v1/channels/{id}', 'get', '200')).toEqual({ $ref: '#/components/schemas/Channel' });
    // One record, one component: the webhooks reading records as request bodies split none in two.
    expect(Object.keys(schemas).filter((name) => name.endsWith('Output'))).toEqual([]);
    // Every reference resolves.
    expect(() => resolveReferences(doc, doc)).not.toThrow();
  });

  it("gives each error answer an enum of the operation's codes, each code under its own status", () => {
    const problems: string[] = [];
    for (const { op, where } of resolvedOperations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || !response.content) continue;
        const codes = codesOf(response);
        if (!codes?.length) {
          // Only an answer that is not an error (readiness) may have its own body.
          if (!(where === 'GET /readyz' && status === '503')) problems.push(`${where} ${status}: no code enum`);
          continue;
        }
        for (const code of codes) {
          const known = ERROR_CODES[code as ErrorCode];
          if (!known) problems.push(`${where} ${status}: ${code} is not in src/http/error-codes.ts`);
          else if (String(known.status) !== status) problems.push(`${where} ${status}: ${code} is a ${known.status}`);
        }
      }
    }
    expect(problems).toEqual([]);
    const assign = resolvedOperations.find((o) => o.where === 'POST /v1/conversations/{id}/assign')!.op;
    expect(codesOf(assign.responses['409']!)).toEqual(['idempotency_in_progress', 'invalid_transition', 'already_assigned', 'agent_unavailable', 'agent_at_capacity']);
    expect(codesOf(assign.responses['404']!)).toEqual(['not_found']);
    const send = resolvedOperations.find((o) => o.where === 'POST /v1/conversations/{id}/messages')!.op;
    expect(codesOf(send.responses['422']!)).toEqual(expect.arrayContaining(['window_closed', 'template_required', 'idempotency_key_reused']));
    expect(send.responses['403']).toBeUndefined();
  });

  it('gives every successful JSON answer a schema', () => {
    const missing = operations.flatMap(({ op, where }) =>
      Object.entries(op.responses)
        .filter(([status, r]) => status.startsWith('2') && status !== '204' && !NOT_JSON.has(where) && !r.content?.['application/json']?.schema)
        .map(([status]) => `${where} ${status}`),
    );
    expect(missing, `successful answers without a response schema:\n${missing.join('\n')}`).toEqual([]);
  });

  it('answers 429 rate_limited on every API-key and web chat visitor operation, not on provider webhooks or the admin API', () => {
    for (const { path, op } of resolvedOperations) {
      const keyed = path.startsWith('/v1/') && !path.startsWith('/v1/admin/');
      expect(Boolean(op.responses['429']), path).toBe(keyed || path.startsWith('/webchat/v1/'));
      if (keyed) expect(codesOf(op.responses['401']!), path).toEqual(['unauthorized']);
    }
  });

  it('documents the error shape once with every code, listed by status in the description', () => {
    expect(schemas.Error).toMatchObject({ type: 'object', required: ['error'] });
    expect((schemas.ErrorCode as { enum: string[] }).enum).toEqual(Object.keys(ERROR_CODES));
    for (const code of ['validation_failed', 'unauthorized', 'admin_required', 'not_found', 'idempotency_key_reused', 'rate_limited', 'internal_error']) {
      expect(doc.info.description).toContain(code);
    }
  });

  it('describes the payload of every event type under webhooks', () => {
    expect(Object.keys(doc.webhooks!).sort()).toEqual([...EVENT_TYPES].sort());
    const received = (doc.webhooks!['message.received'] as Record<string, DocumentedOperation>).post!;
    expect(received.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/MessageReceivedEvent' });
    expect(schemas.MessageReceivedEvent).toMatchObject({
      properties: {
        type: { const: 'message.received' },
        data: { properties: { message: { $ref: '#/components/schemas/Message' }, conversation: { $ref: '#/components/schemas/Conversation' } }, required: ['message', 'conversation'] },
      },
    });
    expect(received.parameters).toEqual(expect.arrayContaining([{ $ref: '#/components/parameters/WebhookSignature' }]));
  });
});

/** `ERROR_CODES` against the code: every code thrown is there under its status, and every one there is thrown. */
describe('the error code catalog', () => {
  const ROOT = path.resolve(import.meta.dirname, '..');
  const sources = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
    );
  const code = [...sources('src'), ...sources('connectors')]
    .filter((f) => f !== path.join('src', 'http', 'error-codes.ts'))
    .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
    .join('\n');
  const STATUS_OF_HELPER: Record<string, number> = { badRequest: 400, forbidden: 403, conflict: 409, unprocessable: 422 };

  it('holds every code the code throws, under the status it is thrown with', () => {
    const thrown = [
      ...[...code.matchAll(/\b(badRequest|forbidden|conflict|unprocessable)\(\s*'([a-z_]+)'/g)].map(([, helper, c]) => [c!, STATUS_OF_HELPER[helper!]!] as const),
      ...[...code.matchAll(/new AppError\(\s*(\d{3}),\s*'([a-z_]+)'/g)].map(([, status, c]) => [c!, Number(status)] as const),
      // Error bodies written out: `res.status(404).json({ error: { code: ...` and the like.
      ...[...code.matchAll(/status(?:\(|: )(\d{3})[^;]{0,80}?error: \{ code: '([a-z_]+)'/g)].map(([, status, c]) => [c!, Number(status)] as const),
      ['not_found', 404] as const,
      ['unauthorized', 401] as const,
    ];
    expect(thrown.length).toBeGreaterThan(50);
    // Answers of status 500 from AppError are the code's own bugs (auth_missing, connector_missing), not the API's.
    const missing = thrown.filter(([c, status]) => status !== 500 && (ERROR_CODES as Record<string, { status: number }>)[c]?.status !== status);
    expect(missing.map(([c, status]) => `${c} (${status})`)).toEqual([]);
  });

  it('holds no code the code never answers with', () => {
    expect(Object.keys(ERROR_CODES).filter((c) => !code.includes(`'${c}'`))).toEqual([]);
  });
});

describe('routes and the document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('documents every route express serves', () => {
    const documented = new Set(Object.entries(buildOpenApiDocument('http://gateway.test').paths!).flatMap(([path, methods]) => Object.keys(methods).map((m) => shapeOf(`${m.toUpperCase()} ${path}`))));
    const undocumented = mountedRoutes(createHttpApp(h.ctx)).filter((r) => !documented.has(shapeOf(r)));
    expect(undocumented, `routes missing from the OpenAPI document:\n${undocumented.join('\n')}`).toEqual([]);
  });

  it('finds the walk itself: a known route of each kind is seen', () => {
    const routes = mountedRoutes(createHttpApp(h.ctx));
    expect(routes).toEqual(expect.arrayContaining(['GET /v1/conversations/{id}', 'POST /v1/admin/workspaces', 'POST /webhooks/{connector}/{channelId}', 'GET /healthz']));
  });

  it('serves the document, itself valid against its own entry', async () => {
    const res = await h.api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.paths['/v1/conversations/{id}']).toBeDefined();
  });

  it('validates real answers: success and error bodies match their schemas', async () => {
    const wa = await createWhatsAppWorkspace(h);
    // Each call below is checked by the harness against the document; a mismatch would throw.
    expect((await h.api('GET', `/v1/channels/${wa.channelId}`, { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/channels', { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/conversations', { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/api-keys', { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/workspace', { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/conversations/000000000000000000000000', { key: wa.key })).status).toBe(404);
    expect((await h.api('GET', '/v1/conversations', { key: 'og_wrong' })).status).toBe(401);
    expect((await h.api('GET', '/healthz')).status).toBe(200);
  });
});

describe('real answers across the API', () => {
  let h: Harness;
  useProviderStandIns();
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** Waits for events of these types in the workspace, then checks every one stored as the deliverer sends it (src/webhooks/deliverer.ts). */
  async function checkEventsOf(workspaceId: string, types: string[]) {
    const stored = () => h.ctx.store.events.find({ workspaceId }).lean();
    const missing = async () => {
      const seen = new Set((await stored()).map((e) => e.type));
      return types.filter((type) => !seen.has(type));
    };
    await eventually(async () => (await missing()).length === 0).catch(() => undefined);
    expect(await missing()).toEqual([]);
    for (const event of await stored()) {
      openApiValidator().checkEvent(JSON.parse(JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data })));
    }
  }

  it('match the document through a conversation, and so do the events it sets off', async () => {
    // Every h.api call is validated by the harness; this walks the main resources so a serializer
    // and its documented schema cannot drift apart unnoticed.
    const wa = await createWhatsAppWorkspace(h);
    const rule = await h.api('POST', '/v1/automation-rules', { key: wa.key, body: { name: 'Tag hellos', trigger: 'message.received', actions: [{ type: 'add_tag', tag: 'hello' }] } });
    expect(rule.status).toBe(201);
    const inbound = await receiveText(h, wa, '15550004242', { id: 'wamid.TOUR', text: 'hello' });
    // The rule's work done, so no write of it races the calls below.
    await eventually(() => h.ctx.store.events.exists({ type: 'automation.rule_applied', conversationId: inbound.conversationId }));
    const id = inbound.conversationId;

    const detail = await h.api('GET', `/v1/conversations/${id}`, { key: wa.key });
    expect(detail.status).toBe(200);
    expect(detail.body.messages.data).toHaveLength(1);
    expect(detail.body.reply).toMatchObject({ canReply: true, otherwise: 'template' });

    nock(GRAPH_BASE_URL).post(`/v23.0/${wa.phoneNumberId}/messages`).reply(200, { messaging_product: 'whatsapp', messages: [{ id: 'wamid.TOUR_OUT' }] });
    const sent = await h.api('POST', `/v1/conversations/${id}/messages`, { key: wa.key, body: { type: 'text', text: 'hi there' } });
    expect(sent.status).toBe(202);
    await eventually(async () => (await h.api('GET', `/v1/messages/${sent.body.id}`, { key: wa.key })).body.status === 'accepted');
    expect((await h.api('GET', `/v1/conversations/${id}/messages?limit=1`, { key: wa.key })).body.nextCursor).toEqual(expect.any(String));

    const media = await h.api('POST', '/v1/media', { key: wa.key, body: 'plain bytes', headers: { 'content-type': 'text/plain', 'x-filename': 'note.txt' } });
    expect(media.status).toBe(201);

    const agent = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Ana', email: 'ana@example.test', status: 'available' } });
    expect(agent.status).toBe(201);
    expect((await h.api('GET', `/v1/agents/${agent.body.id}`, { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/agents', { key: wa.key })).status).toBe(200);
    const queue = await h.api('POST', '/v1/queues', { key: wa.key, body: { name: 'Support', agentIds: [agent.body.id] } });
    expect(queue.status).toBe(201);
    expect((await h.api('GET', '/v1/queues', { key: wa.key })).status).toBe(200);
    expect((await h.api('POST', `/v1/conversations/${id}/assign`, { key: wa.key, body: { agentId: agent.body.id } })).status).toBe(200);
    expect((await h.api('POST', `/v1/conversations/${id}/transfer`, { key: wa.key, body: { queueId: queue.body.id, note: 'to support' } })).status).toBe(200);
    expect((await h.api('POST', `/v1/conversations/${id}/notes`, { key: wa.key, body: { text: 'a note' } })).status).toBe(201);
    expect((await h.api('POST', `/v1/conversations/${id}/tags`, { key: wa.key, body: { tags: ['vip'] } })).status).toBe(200);
    expect((await h.api('PATCH', `/v1/contacts/${inbound.contactId}`, { key: wa.key, body: { name: 'Tour Customer' } })).status).toBe(200);
    expect((await h.api('POST', `/v1/conversations/${id}/escalate`, { key: wa.key, body: { note: 'please look' } })).status).toBe(202);
    expect((await h.api('POST', `/v1/conversations/${id}/status`, { key: wa.key, body: { status: 'resolved' } })).status).toBe(200);
    expect((await h.api('GET', `/v1/channels/${wa.channelId}/templates`, { key: wa.key })).status).toBe(200);
    const other = await receiveText(h, wa, newPhoneNumber());
    expect((await h.api('POST', `/v1/contacts/${inbound.contactId}/merge`, { key: wa.key, body: { contactId: other.contactId } })).status).toBe(200);
    await postWhatsAppWebhook(h, wa, wireFixture('value-errors', { '106540352242922': wa.phoneNumberId }));
    await postWhatsAppWebhook(h, wa, wireFixture('template-status-approved', { '102290129340398': `waba${wa.phoneNumberId}` }));
    // Every event it set off is what the document's webhooks say it delivers (checked before the
    // deletion below erases the conversation's events, which it announces by one more).
    await checkEventsOf(wa.workspaceId, [
      'channel.created',
      'conversation.created',
      'message.received',
      'automation.rule_applied',
      'message.sent',
      'message.status_updated',
      'conversation.assigned',
      'conversation.transferred',
      'message.note_added',
      'conversation.updated',
      'contact.updated',
      'conversation.escalated',
      'conversation.status_changed',
      'contact.merged',
      'channel.provider_error',
      'template.status_updated',
    ]);
    expect((await h.api('DELETE', `/v1/conversations/${id}`, { key: wa.key })).status).toBe(200);
    await checkEventsOf(wa.workspaceId, ['conversation.deleted']);

    // Nothing above was missing from the document.
    const seen = openApiValidator().undocumented.filter((u) => u.path.startsWith('/v1/'));
    expect(seen).toEqual([]);
  });
});

describe('the response validator', () => {
  const validator = new OpenApiValidator();
  const channel = {
    id: '65f0a1b2c3d4e5f6a7b8c9d0',
    type: 'whatsapp-cloud',
    name: 'WA',
    accountId: '123',
    settings: {},
    state: 'active',
    stateReason: null,
    webhookUrl: 'http://gateway.test/webhooks/whatsapp-cloud/65f0a1b2c3d4e5f6a7b8c9d0',
    createdAt: '2026-01-15T10:00:00.000Z',
  };

  it('matches concrete paths to their templates, literal segments first', () => {
    expect(validator.operationOf('GET', '/v1/channels/65f0a1b2c3d4e5f6a7b8c9d0?x=1')?.template).toBe('/v1/channels/{id}');
    expect(validator.operationOf('POST', '/v1/channels/65f0a1b2c3d4e5f6a7b8c9d0/templates/sync')?.template).toBe('/v1/channels/{id}/templates/sync');
    expect(validator.operationOf('GET', '/v1/nothing-here')).toBeUndefined();
  });

  it('accepts a body that matches and refuses one that does not, naming the path', () => {
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 200, channel, 'application/json; charset=utf-8')).not.toThrow();
    const cases: unknown[] = [
      { ...channel, createdAt: 'yesterday' }, // not an ISO time
      { ...channel, stateReason: undefined }, // a null field left out
      { ...channel, secrets: { accessToken: 'x' } }, // a field the document does not have
      { ...channel, state: 'sleeping' },
    ];
    for (const body of cases) {
      expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 200, JSON.parse(JSON.stringify(body)), 'application/json')).toThrow(ResponseMismatchError);
    }
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 200, { ...channel, createdAt: 'x' }, 'application/json')).toThrow(/GET \/v1\/channels\/65f0a1b2c3d4e5f6a7b8c9d0 → 200/);
  });

  it("checks an error body against the operation's codes for its status, and any other against every known code", () => {
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 404, { error: { code: 'not_found', message: 'Channel not found' } }, 'application/json')).not.toThrow();
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 404, { message: 'nope' }, 'application/json')).toThrow(ResponseMismatchError);
    // A code the operation does not answer with at this status.
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 404, { error: { code: 'route_not_found', message: 'x' } }, 'application/json')).toThrow(ResponseMismatchError);
    // Undocumented statuses are still errors of the one shape, with a known code.
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 418, { code: 'teapot' }, 'application/json')).toThrow(ResponseMismatchError);
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 418, { error: { code: 'teapot', message: 'x' } }, 'application/json')).toThrow(ResponseMismatchError);
  });

  it('checks a webhook body against its event', () => {
    const at = '2026-01-15T10:00:00.000Z';
    expect(() => validator.checkEvent({ type: 'channel.created', timestamp: at, data: { channelId: channel.id, channel } } as { type: string })).not.toThrow();
    expect(() => validator.checkEvent({ type: 'channel.created', timestamp: at, data: { channelId: channel.id } } as { type: string })).toThrow(ResponseMismatchError);
    expect(() => validator.checkEvent({ type: 'channel.exploded', timestamp: at, data: {} } as { type: string })).toThrow(/No webhook/);
  });

  it('collects what the document does not describe instead of refusing it', () => {
    const v = new OpenApiValidator();
    v.check('GET', '/v1/nothing-here', 200, { ok: true }, 'application/json');
    v.check('GET', `/v1/channels/${channel.id}`, 418, { error: { code: 'internal_error', message: 'x' } }, 'application/json');
    expect(v.undocumented).toEqual([
      { method: 'GET', path: '/v1/nothing-here', status: 200, reason: 'no_operation' },
      { method: 'GET', path: '/v1/channels/{id}', status: 418, reason: 'no_status' },
    ]);
  });
});
