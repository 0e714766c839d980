import type { Express } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { createHttpApp } from '../src/http/app.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness } from './support/harness.js';
import { OpenApiValidator, openApiValidator, ResponseMismatchError } from './support/openapi-validator.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Answers that are not JSON by nature: media bytes, the provider handshake's echo, the metrics exposition. */
const NOT_JSON = new Set(['GET /v1/media/{id}', 'GET /webhooks/{connector}/{channelId}', 'GET /metrics']);

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

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument('http://gateway.test');
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op as { summary?: string; tags?: string[]; parameters?: { name: string; in: string }[]; responses: Record<string, { description?: string; content?: Record<string, { schema?: object }> }> } })),
  );

  it('is structurally an OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const problems: string[] = [];
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!path.startsWith('/')) problems.push(`${where}: path must start with /`);
      if (!(METHODS as readonly string[]).includes(method)) problems.push(`${where}: unknown method`);
      if (!op.summary) problems.push(`${where}: no summary`);
      if (Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) problems.push(`${where}: path parameter ${name} not declared`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[1-5]\d\d$/.test(status)) problems.push(`${where} ${status}: not a status code`);
        if (!response.description) problems.push(`${where} ${status}: no description`);
        for (const media of Object.values(response.content ?? {})) {
          const schema = JSON.parse(JSON.stringify(media.schema ?? {}).replaceAll('"#/components/schemas/Error"', '"#/$defs/Error"'));
          try {
            ajv.compile({ ...schema, $defs: { ...(schema.$defs ?? {}), Error: doc.components.schemas.Error } });
          } catch (err) {
            problems.push(`${where} ${status}: invalid schema: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents the error shape once, with the stable codes listed', () => {
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error'] });
    for (const code of ['validation_failed', 'unauthorized', 'admin_required', 'not_found', 'idempotency_key_reused', 'rate_limited', 'internal_error']) {
      expect(doc.info.description).toContain(code);
    }
  });

  it('gives every successful JSON answer a schema', () => {
    const missing = operations.flatMap(({ path, method, op }) =>
      Object.entries(op.responses)
        .filter(([status, r]) => status.startsWith('2') && status !== '204' && !NOT_JSON.has(`${method.toUpperCase()} ${path}`) && !r.content?.['application/json']?.schema)
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect(missing, `successful answers without a response schema:\n${missing.join('\n')}`).toEqual([]);
  });

  it('answers 429 rate_limited on every API-key operation, not on provider webhooks or the admin API', () => {
    for (const { path, op } of operations) {
      const keyed = path.startsWith('/v1/') && !path.startsWith('/v1/admin/');
      expect(Boolean(op.responses['429']), path).toBe(keyed);
    }
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
    const documented = new Set(Object.entries(buildOpenApiDocument('http://gateway.test').paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => shapeOf(`${m.toUpperCase()} ${path}`))));
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

  it('match the document through a conversation: inbound, detail, send, message, media, agents, queues', async () => {
    // Every h.api call is validated by the harness; this walks the main resources so a serializer
    // and its documented schema cannot drift apart unnoticed.
    const wa = await createWhatsAppWorkspace(h);
    await postWhatsAppWebhook(h, wa, textMessage(wa.phoneNumberId, { id: 'wamid.TOUR', from: '15550004242', timestamp: unix(h.clock.now()), text: 'hello' }));
    const conversation = await eventually(() => h.ctx.store.conversations.findOne({ channelId: wa.channelId }).lean());
    const id = String(conversation._id);

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

    const agent = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Ana', email: 'ana@example.test' } });
    expect(agent.status).toBe(201);
    expect((await h.api('GET', `/v1/agents/${agent.body.id}`, { key: wa.key })).status).toBe(200);
    expect((await h.api('GET', '/v1/agents', { key: wa.key })).status).toBe(200);
    const queue = await h.api('POST', '/v1/queues', { key: wa.key, body: { name: 'Support', agentIds: [agent.body.id] } });
    expect(queue.status).toBe(201);
    expect((await h.api('GET', '/v1/queues', { key: wa.key })).status).toBe(200);
    expect((await h.api('POST', `/v1/conversations/${id}/status`, { key: wa.key, body: { status: 'resolved' } })).status).toBe(200);
    expect((await h.api('GET', `/v1/channels/${wa.channelId}/templates`, { key: wa.key })).status).toBe(200);

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

  it('checks every error body against the one Error schema', () => {
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 404, { error: { code: 'not_found', message: 'Channel not found' } }, 'application/json')).not.toThrow();
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 404, { message: 'nope' }, 'application/json')).toThrow(ResponseMismatchError);
    // Undocumented statuses are still errors of the one shape.
    expect(() => validator.check('GET', `/v1/channels/${channel.id}`, 418, { code: 'teapot' }, 'application/json')).toThrow(ResponseMismatchError);
  });

  it('collects what the document does not describe instead of refusing it', () => {
    const v = new OpenApiValidator();
    v.check('GET', '/v1/nothing-here', 200, { ok: true }, 'application/json');
    v.check('GET', `/v1/channels/${channel.id}`, 418, { error: { code: 'teapot', message: 'x' } }, 'application/json');
    expect(v.undocumented).toEqual([
      { method: 'GET', path: '/v1/nothing-here', status: 200, reason: 'no_operation' },
      { method: 'GET', path: '/v1/channels/{id}', status: 418, reason: 'no_status' },
    ]);
  });
});
