import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { runAutomation, RUN_BUDGET } from '../src/automation/automation-service.js';
import { reactToEvents } from '../src/app/reactions.js';
import { pageOf } from '../src/http/api-schemas.js';
import { automationRuleResponse, createdAutomationRuleResponse } from '../src/http/routes/automation-rules.js';
import { verifyWebhook } from '../src/webhooks/signature.js';
import { connectRealtime } from './support/realtime-client.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { storeAutomaticReply } from './support/automatic-mail.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
const HOUR = 3_600_000;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** A fresh workspace per test: its own rules, agents and conversations. */
async function workspace() {
  const wa = await createWhatsAppWorkspace(h);
  const workspaceId = new Types.ObjectId(wa.workspaceId);
  const api = (method: string, path: string, body?: unknown, key = wa.key) => h.api(method, path, { key, body });
  let sequence = 0;

  const rule = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/v1/automation-rules', { name: 'rule', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const agent = async (fields: Record<string, unknown> = {}) => {
    const res = await api('POST', '/v1/agents', { name: 'Agent', email: `${new Types.ObjectId().toHexString()}@x.test`, status: 'available', ...fields });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  /** A customer message through the real webhook; resolves to the conversation id once stored. */
  const inbound = async (text: string, from = '15550001234') => {
    const id = `wamid.AUTO${Date.now()}${sequence++}`;
    await postWhatsAppWebhook(h, wa, textMessage(wa.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text }));
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
    return { conversationId: String(message.conversationId), messageId: String(message._id) };
  };
  const conversation = async (id: string) => (await api('GET', `/v1/conversations/${id}`)).body;
  /** The recorded applications of a rule, as automation.rule_applied events. */
  const applied = async (ruleId: string) =>
    (await h.ctx.store.events.find({ workspaceId, type: 'automation.rule_applied', 'data.rule.id': ruleId }).lean()).map((e) => ({ ...e, data: e.data as unknown as RuleApplied }));
  const appliedOnce = (ruleId: string) => eventually(async () => (await applied(ruleId))[0]);
  return { wa, workspaceId, api, rule, agent, inbound, conversation, applied, appliedOnce };
}

/** The data of an automation.rule_applied event. */
interface RuleApplied {
  rule: { id: string; name: string; trigger: string };
  trigger: { eventId: string; type: string };
  conversationId: string;
  actions: { type: string; outcome: { status: string; code?: string; detail?: Record<string, any> } }[];
}

/** Until no events job waits or runs: everything the events caused has been done. */
const settled = () =>
  eventually(async () => {
    const counts = await h.ctx.queues.events.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  });

const graph = (wa: WhatsAppFixture) => nock(GRAPH_BASE_URL).post(`/v23.0/${wa.phoneNumberId}/messages`);

describe('automation rules API', () => {
  it('creates, lists, reads, changes and deletes rules, in the documented shapes', async () => {
    const w = await workspace();
    const created = await w.api('POST', '/v1/automation-rules', {
      name: 'Refunds',
      trigger: 'message.received',
      conditions: [{ field: 'message.text', operator: 'contains', value: 'refund' }],
      actions: [{ type: 'add_tag', tag: ' Billing ' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    createdAutomationRuleResponse.parse(created.body);
    expect(created.body).toMatchObject({ match: 'all', position: 0, enabled: true, stopAfterMatch: false, actions: [{ type: 'add_tag', tag: 'billing' }] });

    // Without a position, a rule goes after the trigger's last one.
    const second = await w.api('POST', '/v1/automation-rules', { name: 'Second', trigger: 'message.received', actions: [{ type: 'set_priority', priority: 'high' }] });
    expect(second.body.position).toBe(1);
    expect(second.body.webhookSecret).not.toBe(created.body.webhookSecret);

    const list = await w.api('GET', '/v1/automation-rules?trigger=message.received&limit=1');
    pageOf(automationRuleResponse).parse(list.body);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([second.body.id]);
    const next = await w.api('GET', `/v1/automation-rules?trigger=message.received&cursor=${list.body.nextCursor}`);
    expect(next.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.id]);

    const one = await w.api('GET', `/v1/automation-rules/${created.body.id}`);
    expect(automationRuleResponse.parse(one.body)).not.toHaveProperty('webhookSecret');

    const patched = await w.api('PATCH', `/v1/automation-rules/${created.body.id}`, { enabled: false, position: 5, match: 'any' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, position: 5, match: 'any', conditions: created.body.conditions });

    expect((await w.api('DELETE', `/v1/automation-rules/${created.body.id}`)).status).toBe(204);
    expect((await w.api('GET', `/v1/automation-rules/${created.body.id}`)).status).toBe(404);
  });

  it('refuses bad rules with a clear error and stores nothing', async () => {
    const w = await workspace();
    const base = { name: 'r', trigger: 'message.received', actions: [{ type: 'add_tag', tag: 'x' }] };
    const refused = async (body: Record<string, unknown>, status: number, code: string) => {
      const res = await w.api('POST', '/v1/automation-rules', { ...base, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      return res.body.error;
    };
    await refused({ conditions: [{ field: 'message.text', operator: 'resembles', value: 'x' }] }, 400, 'validation_failed');
    const unknownField = await refused({ conditions: [{ field: 'message.body', operator: 'equals', value: 'x' }] }, 400, 'validation_failed');
    expect(JSON.stringify(unknownField.details)).toContain('Unknown field message.body');
    await refused({ conditions: [{ field: 'conversation.status', operator: 'in', value: 'queued' }] }, 400, 'validation_failed');
    await refused({ conditions: [{ field: 'contact.name', operator: 'exists', value: 'x' }] }, 400, 'validation_failed');
    await refused({ trigger: 'message.sent' }, 400, 'validation_failed');
    await refused({ actions: [] }, 400, 'validation_failed');
    await refused({ actions: [{ type: 'set_priority', priority: 'critical' }] }, 400, 'validation_failed');
    await refused({ actions: [{ type: 'add_tag', tag: 'x', extra: 1 }] }, 400, 'validation_failed');
    await refused({ actions: [{ type: 'webhook', url: 'http://10.1.2.3/hook' }] }, 400, 'webhook_url_forbidden');

    // Agents and queues named by actions must be this workspace's.
    const other = await workspace();
    const foreignAgent = await other.agent();
    const foreignQueue = await other.api('POST', '/v1/queues', { name: 'Q' });
    await refused({ actions: [{ type: 'assign_agent', agentId: foreignAgent }] }, 422, 'agent_not_found');
    await refused({ actions: [{ type: 'assign_queue', queueId: foreignQueue.body.id }] }, 422, 'queue_not_found');
    expect(await h.ctx.store.automationRules.countDocuments({ workspaceId: w.workspaceId })).toBe(0);
  });

  it('hides other workspaces’ rules and keeps writes to admin keys', async () => {
    const w = await workspace();
    const other = await workspace();
    const theirs = await other.rule({ trigger: 'conversation.created', actions: [{ type: 'add_tag', tag: 'x' }] });
    expect((await w.api('GET', `/v1/automation-rules/${theirs}`)).status).toBe(404);
    expect((await w.api('PATCH', `/v1/automation-rules/${theirs}`, { enabled: false })).status).toBe(404);
    expect((await w.api('DELETE', `/v1/automation-rules/${theirs}`)).status).toBe(404);
    expect((await w.api('GET', '/v1/automation-rules')).body.data).toEqual([]);

    const agentKey = (await w.api('POST', '/v1/api-keys', { name: 'agent', role: 'agent' })).body.key as string;
    const mine = await w.rule({ trigger: 'conversation.created', actions: [{ type: 'add_tag', tag: 'x' }] });
    const body = { name: 'r', trigger: 'conversation.created', actions: [{ type: 'add_tag', tag: 'x' }] };
    expect((await w.api('POST', '/v1/automation-rules', body, agentKey)).body.error.code).toBe('admin_required');
    expect((await w.api('PATCH', `/v1/automation-rules/${mine}`, { enabled: false }, agentKey)).status).toBe(403);
    expect((await w.api('DELETE', `/v1/automation-rules/${mine}`, undefined, agentKey)).status).toBe(403);
    expect((await w.api('GET', `/v1/automation-rules/${mine}`, undefined, agentKey)).status).toBe(200);
  });
});

describe('running rules', () => {
  it('tags and prioritizes a conversation whose message matches, and records what it did', async () => {
    const w = await workspace();
    const ruleId = await w.rule({
      name: 'Refunds are urgent',
      trigger: 'message.received',
      conditions: [
        { field: 'message.text', operator: 'contains', value: 'REFUND' },
        { field: 'conversation.channelType', operator: 'equals', value: 'whatsapp-cloud' },
      ],
      actions: [
        { type: 'add_tag', tag: 'refund' },
        { type: 'set_priority', priority: 'urgent' },
      ],
    });
    const disabled = await w.rule({ trigger: 'message.received', enabled: false, actions: [{ type: 'add_tag', tag: 'disabled' }] });

    // The conversation exists and is routed before the matching message arrives.
    const { conversationId } = await w.inbound('hello');
    await eventually(async () => (await w.conversation(conversationId)).queueId);
    const { messageId } = await w.inbound('I want a refund please');

    const event = await w.appliedOnce(ruleId);
    expect(event.data).toMatchObject({
      rule: { id: ruleId, name: 'Refunds are urgent', trigger: 'message.received' },
      trigger: { eventId: `message_received-${messageId}`, type: 'message.received' },
      conversationId,
      actions: [
        { type: 'add_tag', tag: 'refund', outcome: { status: 'applied' } },
        { type: 'set_priority', priority: 'urgent', outcome: { status: 'applied' } },
      ],
    });
    const c = await eventually(async () => {
      const view = await w.conversation(conversationId);
      return view.priority === 'urgent' && view.tags.includes('refund') ? view : null;
    });
    expect(c.tags).toEqual(['refund']);
    await settled();
    expect(await w.applied(ruleId)).toHaveLength(1);
    expect(await w.applied(disabled)).toHaveLength(0);
  });

  it('assigns a new conversation to a queue, before default routing', async () => {
    const w = await workspace();
    const agentId = await w.agent();
    const queue = await w.api('POST', '/v1/queues', { name: 'VIP', strategy: 'round_robin', agentIds: [agentId] });
    const ruleId = await w.rule({ trigger: 'conversation.created', actions: [{ type: 'assign_queue', queueId: queue.body.id }] });
    const { conversationId } = await w.inbound('hi');
    const c = await eventually(async () => {
      const view = await w.conversation(conversationId);
      return view.status === 'active' ? view : null;
    });
    expect(c).toMatchObject({ queueId: queue.body.id, assigneeId: agentId });
    expect((await w.appliedOnce(ruleId)).data.actions[0]?.outcome).toEqual({ status: 'applied', detail: { queueId: queue.body.id, assigneeId: agentId } });
  });

  it('assigns to an agent, and records a refusal when the agent is at capacity', async () => {
    const w = await workspace();
    const agentId = await w.agent({ capacity: 1 });
    const ruleId = await w.rule({ trigger: 'conversation.created', actions: [{ type: 'assign_agent', agentId }] });

    const first = await w.inbound('hi', '15550000001');
    await eventually(async () => (await w.conversation(first.conversationId)).assigneeId === agentId);

    const second = await w.inbound('hi', '15550000002');
    const refusal = await eventually(async () => (await w.applied(ruleId)).find((e) => e.conversationId?.equals(second.conversationId)));
    expect(refusal.data.actions).toEqual([expect.objectContaining({ type: 'assign_agent', outcome: expect.objectContaining({ status: 'refused', code: 'agent_at_capacity' }) })]);
    await settled();
    expect(await w.conversation(second.conversationId)).toMatchObject({ status: 'queued', assigneeId: null });
  });

  it('assigns to the least busy available member of a team', async () => {
    const w = await workspace();
    await w.agent({ teams: ['sales'], status: 'busy' });
    const loaded = await w.agent({ teams: ['sales'] });
    const free = await w.agent({ teams: ['sales'] });
    await w.agent({ teams: ['support'] });
    // `loaded` already holds a conversation.
    const held = await w.inbound('first', '15550000011');
    expect((await w.api('POST', `/v1/conversations/${held.conversationId}/assign`, { agentId: loaded })).status).toBe(200);

    const ruleId = await w.rule({ trigger: 'conversation.created', actions: [{ type: 'assign_team', team: 'sales' }] });
    const { conversationId } = await w.inbound('hi', '15550000012');
    await eventually(async () => (await w.conversation(conversationId)).assigneeId === free);
    expect((await w.appliedOnce(ruleId)).data.actions[0]?.outcome).toEqual({ status: 'applied', detail: { agentId: free } });
  });

  it('replies with text through the send path, and records window_closed outside the window', async () => {
    const w = await workspace();
    let sent: any;
    graph(w.wa).reply(200, (_uri, body) => {
      sent = body;
      return { messages: [{ id: 'wamid.AUTOREPLY1' }] };
    });
    const greeting = await w.rule({ trigger: 'conversation.created', actions: [{ type: 'reply_text', text: 'Thanks, we are on it' }] });
    const onResolve = await w.rule({
      trigger: 'conversation.status_changed',
      conditions: [{ field: 'conversation.status', operator: 'equals', value: 'resolved' }],
      actions: [{ type: 'reply_text', text: 'Glad we could help' }],
    });

    const { conversationId } = await w.inbound('hi', '15550000021');
    const messageId = (await w.appliedOnce(greeting)).data.actions[0]?.outcome.detail?.messageId as string;
    const reply = await eventually(async () => {
      const m = await h.ctx.store.messages.findById(messageId).lean();
      return m?.status === 'accepted' ? m : null;
    });
    expect(reply).toMatchObject({ author: 'automation', direction: 'outbound', providerMessageId: 'wamid.AUTOREPLY1', content: { type: 'text', text: 'Thanks, we are on it' } });
    expect(sent).toMatchObject({ to: '15550000021', type: 'text', text: { body: 'Thanks, we are on it' } });

    h.clock.advance(25 * HOUR);
    expect((await w.api('POST', `/v1/conversations/${conversationId}/status`, { status: 'resolved' })).status).toBe(200);
    const refused = await w.appliedOnce(onResolve);
    expect(refused.data.actions[0]?.outcome).toMatchObject({ status: 'refused', code: 'window_closed' });
    expect(await h.ctx.store.messages.countDocuments({ conversationId, author: 'automation' })).toBe(1);
  });

  it('never answers automatic email, even for a rule that asks for automatic messages', async () => {
    const w = await workspace();
    // Naming message.automatic is what lets a rule see automatic mail at all (test/email-platform-rules.test.ts).
    const ruleId = await w.rule({
      trigger: 'message.received',
      conditions: [{ field: 'message.automatic', operator: 'exists' }],
      actions: [{ type: 'reply_text', text: 'Thanks' }, { type: 'add_tag', tag: 'auto' }],
    });
    const { conversationId } = await w.inbound('hello');
    await w.appliedOnce(ruleId);
    const autoReply = await storeAutomaticReply(h, conversationId);
    const event = await eventually(async () => (await w.applied(ruleId)).find((e) => e.data.trigger.eventId === `message_received-${String(autoReply._id)}`));
    expect(event.data.actions.map((a: { outcome: unknown }) => a.outcome)).toEqual([{ status: 'skipped', code: 'automatic_message' }, { status: 'applied' }]);
  });
});

describe('loop safety', () => {
  it('a rule whose action triggers its own trigger runs once', async () => {
    const w = await workspace();
    const a = await w.agent();
    const b = await w.agent();
    // Each would hand the conversation to the other on every assignment, forever, if effects of automation counted.
    const toB = await w.rule({ trigger: 'conversation.assigned', stopAfterMatch: true, conditions: [{ field: 'conversation.assigneeId', operator: 'equals', value: a }], actions: [{ type: 'assign_agent', agentId: b }] });
    const toA = await w.rule({ trigger: 'conversation.assigned', conditions: [{ field: 'conversation.assigneeId', operator: 'equals', value: b }], actions: [{ type: 'assign_agent', agentId: a }] });

    const { conversationId } = await w.inbound('hi');
    await eventually(async () => (await w.conversation(conversationId)).queueId);
    expect((await w.api('POST', `/v1/conversations/${conversationId}/assign`, { agentId: a })).status).toBe(200);
    await w.appliedOnce(toB);
    await eventually(async () => (await w.conversation(conversationId)).assigneeId === b);
    await settled();
    expect(await w.applied(toB)).toHaveLength(1);
    expect(await w.applied(toA)).toHaveLength(0);
    expect((await w.conversation(conversationId)).assigneeId).toBe(b);
  });

  it('fires on assignments routing makes, but not on those it makes for a rule', async () => {
    const w = await workspace();
    const first = await w.agent();
    const second = await w.agent();
    expect((await w.api('POST', '/v1/queues', { name: 'Main', strategy: 'least_busy', agentIds: [first] })).status).toBe(201);
    const other = await w.api('POST', '/v1/queues', { name: 'Other', strategy: 'least_busy', agentIds: [second], rules: { tags: ['never-matches'] } });
    // Every routed assignment sends the conversation to the other queue: a loop if the assignment
    // routing makes for the rule's own transfer triggered the rule again.
    const ruleId = await w.rule({ trigger: 'conversation.assigned', actions: [{ type: 'add_tag', tag: 'routed' }, { type: 'assign_queue', queueId: other.body.id }] });

    const { conversationId } = await w.inbound('hi');
    const applied = await w.appliedOnce(ruleId);
    expect(applied.data.actions.map((a) => a.outcome.status)).toEqual(['applied', 'applied']);
    await settled();
    expect(await w.conversation(conversationId)).toMatchObject({ status: 'active', assigneeId: second, queueId: other.body.id, tags: ['routed'] });
    expect(await w.applied(ruleId)).toHaveLength(1);
    const assigned = await h.ctx.store.events.find({ conversationId, type: 'conversation.assigned' }).sort({ occurredAt: 1, _id: 1 }).lean();
    expect(assigned.map((e) => [e.data.agentId, e.data.actor])).toEqual([
      [first, 'routing'],
      [second, 'automation'],
    ]);
  });

  it('applies a rule once however often its event is processed', async () => {
    const w = await workspace();
    graph(w.wa).reply(200, { messages: [{ id: 'wamid.ONCE1' }] });
    const ruleId = await w.rule({ trigger: 'message.received', actions: [{ type: 'reply_text', text: 'Once' }, { type: 'add_tag', tag: 'once' }] });
    const { conversationId, messageId } = await w.inbound('hello');
    await w.appliedOnce(ruleId);
    const event = (await h.ctx.store.events.findById(`message_received-${messageId}`).lean())!;

    // The events job re-run after a crash, twice at once.
    await Promise.all([reactToEvents(h.ctx, [event]), reactToEvents(h.ctx, [event]), runAutomation(h.ctx, event)]);
    await settled();
    expect(await w.applied(ruleId)).toHaveLength(1);
    expect(await h.ctx.store.messages.countDocuments({ conversationId, author: 'automation' })).toBe(1);
    expect(await h.ctx.store.automationRuns.countDocuments({ ruleId })).toBe(1);
  });

  it('stops at the budget of a conversation', async () => {
    const w = await workspace();
    const ruleId = await w.rule({ trigger: 'message.received', actions: [{ type: 'add_tag', tag: 'seen' }] });
    const first = await w.inbound('one');
    await w.appliedOnce(ruleId);
    const conversationId = new Types.ObjectId(first.conversationId);
    await h.ctx.store.automationRuns.insertMany(
      Array.from({ length: RUN_BUDGET }, (_, i) => ({ _id: `spent-${first.conversationId}-${i}`, workspaceId: w.workspaceId, ruleId: new Types.ObjectId(), eventId: `e${i}`, conversationId, at: h.clock.now() })),
    );
    await w.inbound('two');
    await settled();
    expect(await w.applied(ruleId)).toHaveLength(1);

    // The budget is per hour: later, rules run again.
    h.clock.advance(HOUR + 1000);
    await w.inbound('three');
    await eventually(async () => (await w.applied(ruleId)).length === 2);
  });
});

describe('webhook action', () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers the trigger event, signed with the rule’s secret, once', async () => {
    const w = await workspace();
    const created = await w.api('POST', '/v1/automation-rules', { name: 'Notify CRM', trigger: 'message.received', actions: [{ type: 'webhook', url }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { messageId } = await w.inbound('hello crm');
    const event = await w.appliedOnce(created.body.id);
    expect(event.data.actions[0]?.outcome).toMatchObject({ status: 'applied', detail: { httpStatus: 200 } });

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.headers['webhook-id']).toBe(`${created.body.id}-message_received-${messageId}`);
    const signedAt = Math.floor(h.clock.now().getTime() / 1000);
    expect(verifyWebhook({ headers: request!.headers as Record<string, string>, body: request!.body, secret: created.body.webhookSecret, now: signedAt })).toBe(true);
    const otherSecret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(verifyWebhook({ headers: request!.headers as Record<string, string>, body: request!.body, secret: otherSecret, now: signedAt })).toBe(false);
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'message.received',
      data: { rule: { id: created.body.id, name: 'Notify CRM' }, message: { id: messageId, content: { type: 'text', text: 'hello crm' } } },
    });
  });
  it('a rule’s slow webhook call does not hold back the live feed', async () => {
    const w = await workspace();
    // A receiver that takes the request and never answers (the call times out after 10 s).
    const held: IncomingMessage[] = [];
    const slow = createServer((req) => held.push(req));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const client = await connectRealtime(h, { key: w.wa.key, query: { all: 'true' } });
    try {
      const ruleId = await w.rule({ trigger: 'message.received', actions: [{ type: 'webhook', url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook` }] });
      const { messageId } = await w.inbound('hello live');
      // The client has the message while the rule's call is still open: its outcome is not recorded yet.
      await eventually(async () => client.events().some((f) => f.type === 'message.received' && f.data.message.id === messageId) && held.length === 1);
      expect(await w.applied(ruleId)).toEqual([]);
    } finally {
      await client.close();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

});
