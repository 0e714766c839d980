import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiReplyJobId } from '../src/ai-agent/ai-agent-service.js';
import { HANDOFF_TOOL } from '../src/ai-agent/backends/openai-chat.js';
import { verifyWebhook } from '../src/webhooks/signature.js';
import { postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness } from './support/harness.js';
import { pageWebhook, userText } from './support/messenger-payloads.js';
import { startModelStandIn, type ModelStandIn } from './support/model-stand-in.js';
import { storeAutomaticReply } from './support/automatic-mail.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let model: ModelStandIn;
const HOUR = 3_600_000;

useProviderStandIns();
beforeAll(async () => {
  model = await startModelStandIn();
  // Short timeouts and backoff: a hanging model is given up on quickly.
  h = await startHarness({ config: { AI_AGENT_TIMEOUT_MS: '1500', AI_AGENT_ATTEMPTS: '2', AI_AGENT_BACKOFF_MS: '20' } });
});
afterAll(async () => {
  await h.close();
  await model.close();
});

let sequence = 0;

/** A workspace with a WhatsApp channel whose conversations start with Agent replies on, answered by `modelName`. */
async function workspace(fields: Record<string, unknown> = {}) {
  const wa = await createWhatsAppWorkspace(h);
  const workspaceId = new Types.ObjectId(wa.workspaceId);
  const api = (method: string, path: string, body?: unknown, key = wa.key) => h.api(method, path, { key, body });
  const modelName = `model-${sequence++}`;
  const config = await api('PUT', '/v1/ai-agent', {
    enabled: true,
    backend: { type: 'openai', baseUrl: model.baseUrl, model: modelName, apiKey: 'sk-test-secret', temperature: 0.2 },
    instructions: 'You are the help desk of Acme. Be brief.',
    knowledge: [{ title: 'Opening hours', text: 'We open 9 to 17, Monday to Friday.' }],
    handoffPhrases: ['hablar con una persona'],
    defaultChannelIds: [wa.channelId],
    ...fields,
  });
  expect(config.status, JSON.stringify(config.body)).toBe(200);
  // Every send to Graph is accepted.
  nock(GRAPH_BASE_URL)
    .persist()
    .post(`/v23.0/${wa.phoneNumberId}/messages`)
    .reply(200, () => ({ messaging_product: 'whatsapp', contacts: [], messages: [{ id: `wamid.OUT${sequence++}` }] }));
  /** A customer message through the signed webhook; resolves once stored. */
  const inbound = async (text: string, opts: { from?: string; at?: Date } = {}) => {
    const id = `wamid.AI${Date.now()}${sequence++}`;
    const payload = textMessage(wa.phoneNumberId, { id, from: opts.from ?? '15550002222', timestamp: unix(opts.at ?? h.clock.now()), text });
    await postWhatsAppWebhook(h, wa, payload);
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
    return { conversationId: String(message.conversationId), messageId: String(message._id) };
  };
  const conversation = async (id: string) => (await api('GET', `/v1/conversations/${id}`)).body;
  /** The handoff event of the conversation, once emitted. */
  const handedOff = (conversationId: string) => eventually(() => h.ctx.store.events.findOne({ type: 'conversation.handed_off', conversationId }).lean());
  /** Handed off and routed: in the default queue, Agent replies off. */
  const routed = (conversationId: string) =>
    eventually(async () => {
      const c = await conversation(conversationId);
      return c.queueId && c.aiAgent?.replies === false ? c : null;
    });
  const aiReplies = (conversationId: string) => h.ctx.store.messages.find({ conversationId, aiAgent: true }).lean();
  return { wa, workspaceId, api, modelName, inbound, conversation, handedOff, routed, aiReplies };
}

const requestsOf = (modelName: string) => model.requests.filter((r) => r.body.model === modelName);

/** Until no events or AI agent job waits, runs or waits for a retry (a bot's answer deadline, minutes away, aside). */
const settled = () =>
  eventually(async () => {
    for (const queue of [h.ctx.queues.events, h.ctx.queues.aiAgent]) {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return false;
      if ((await queue.getDelayed()).some((job) => job.name !== 'bot-deadline')) return false;
    }
    return true;
  });

describe('AI agent configuration', () => {
  it('is set and read by admins; the API key is sealed and never answered', async () => {
    const w = await workspace();
    const read = await w.api('GET', '/v1/ai-agent');
    expect(read.status).toBe(200);
    expect(read.body.backend).toEqual({ type: 'openai', baseUrl: model.baseUrl, model: w.modelName, apiKeySet: true, temperature: 0.2, maxTokens: null });
    expect(JSON.stringify(read.body)).not.toContain('sk-test-secret');
    const stored = (await h.ctx.store.aiAgentConfigs.findOne({ workspaceId: w.workspaceId }).lean())!;
    expect(JSON.stringify(stored)).not.toContain('sk-test-secret');
    expect(read.body).toMatchObject({ enabled: true, historyMessages: 20, maxRepliesPerHour: 30, defaultChannelIds: [w.wa.channelId] });

    // Saved again without the key: the stored key is kept.
    const again = await w.api('PUT', '/v1/ai-agent', { enabled: false, backend: { type: 'openai', baseUrl: model.baseUrl, model: 'other' } });
    expect(again.body).toMatchObject({ enabled: false, backend: { apiKeySet: true, model: 'other' }, defaultChannelIds: [], webhookSecret: null });
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const put = (body: unknown) => h.api('PUT', '/v1/ai-agent', { key: wa.key, body });
    const good = { enabled: true, backend: { type: 'openai', baseUrl: model.baseUrl, model: 'm' } };
    expect((await put({ ...good, backend: { type: 'openai', baseUrl: 'ftp://x', model: 'm' } })).body.error.code).toBe('validation_failed');
    expect((await put({ ...good, maxRepliesPerHour: 0 })).body.error.code).toBe('validation_failed');
    const unknownChannel = await put({ ...good, defaultChannelIds: [new Types.ObjectId().toHexString()] });
    expect(unknownChannel.status).toBe(422);
    expect(unknownChannel.body.error.code).toBe('channel_not_found');
    const privateUrl = await put({ ...good, backend: { type: 'openai', baseUrl: 'http://10.1.2.3/v1', model: 'm' } });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.error.code).toBe('webhook_url_forbidden');
    expect(await h.ctx.store.aiAgentConfigs.countDocuments({ workspaceId: wa.workspaceId })).toBe(0);
    expect((await h.api('GET', '/v1/ai-agent', { key: wa.key })).status).toBe(404);
  });
});

describe('Agent replies with an OpenAI-compatible model', () => {
  it('answers a customer end to end, with instructions, knowledge and history, and keeps people out', async () => {
    const w = await workspace();
    model.behave(w.modelName, (r) => ({ text: `We open 9 to 17. (${r.body.messages.length} messages seen)` }));
    const { conversationId, messageId } = await w.inbound('When do you open?');

    const [reply] = await eventually(async () => {
      const sent = (await w.aiReplies(conversationId)).filter((m) => m.status === 'accepted');
      return sent.length > 0 ? sent : null;
    });
    expect(reply).toMatchObject({ author: 'automation', aiAgent: true, content: { type: 'text', text: 'We open 9 to 17. (2 messages seen)' } });
    // The answer is stored under the id its customer message names.
    expect(String((await h.ctx.store.messages.findById(messageId).lean())!.aiReplyId)).toBe(String(reply!._id));
    expect(reply!.tag).toBeUndefined();

    const [request] = requestsOf(w.modelName);
    expect(request!.headers.authorization).toBe('Bearer sk-test-secret');
    expect(request!.body.messages[0]).toMatchObject({ role: 'system' });
    expect(request!.body.messages[0]!.content).toContain('You are the help desk of Acme');
    expect(request!.body.messages[0]!.content).toContain('We open 9 to 17, Monday to Friday.');
    expect(request!.body.messages.slice(1)).toEqual([{ role: 'user', content: 'When do you open?' }]);
    expect(request!.body.tools?.map((t) => t.function.name)).toEqual([HANDOFF_TOOL]);
    expect(request!.body.temperature).toBe(0.2);

    // The conversation shows the switch and who answered; nobody routed it to people.
    const view = await w.conversation(conversationId);
    expect(view).toMatchObject({ status: 'queued', queueId: null, aiAgent: { replies: true, handoff: null } });
    const messages = await w.api('GET', `/v1/conversations/${conversationId}/messages`);
    expect(messages.body.data.find((m: { id: string }) => m.id === String(reply!._id))).toMatchObject({ author: 'automation', aiAgent: true });

    // A second message: the model sees the history, the answer is sent again.
    await w.inbound('And on Saturday?');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 2);
    expect(requestsOf(w.modelName)[1]!.body.messages.slice(1).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('answers a customer message once, however often its job runs', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'Hello!' }));
    const { conversationId, messageId } = await w.inbound('hi');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 1);
    const job = { workspaceId: w.wa.workspaceId, conversationId, messageId };
    await Promise.all([h.ctx.aiAgent.answer(job), h.ctx.aiAgent.answer(job)]);
    // The message's job id is taken: a redelivered event adds nothing.
    await h.ctx.queues.aiAgent.add('reply', job, { jobId: aiReplyJobId(messageId) });
    await settled();
    expect(await w.aiReplies(conversationId)).toHaveLength(1);
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });

  it('hands off when the model calls its handoff tool: routed to a queue, with the reason', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ toolCall: { name: HANDOFF_TOOL, arguments: JSON.stringify({ reason: 'Refund over the limit' }) } }));
    const { conversationId } = await w.inbound('I want a refund of 5000 EUR');
    const event = await w.handedOff(conversationId);
    expect(event.data).toMatchObject({ reason: 'bot_requested', actor: 'ai_agent', note: 'Refund over the limit' });
    const routed = await w.routed(conversationId);
    expect(routed.aiAgent).toMatchObject({ replies: false, handoff: { reason: 'bot_requested', actor: 'ai_agent', note: 'Refund over the limit' } });
    expect(await w.aiReplies(conversationId)).toHaveLength(0);

    // Handed off: the next customer message is the people's, the model is not asked again.
    await w.inbound('hello?');
    await settled();
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });

  it('hands off at once when the customer asks for a person, in any configured phrase', async () => {
    for (const text of ['Can I talk to a HUMAN please?', 'Quiero hablar con una persona']) {
      const w = await workspace();
      const { conversationId } = await w.inbound(text);
      const event = await w.handedOff(conversationId);
      expect(event.data).toMatchObject({ reason: 'customer_asked', actor: 'customer', note: text });
      await w.routed(conversationId);
      expect(requestsOf(w.modelName)).toHaveLength(0);
    }
  });

  it('turns Agent replies off and on by the switch', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'Sure.' }));
    const { conversationId } = await w.inbound('first');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 1);

    const off = await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.aiAgent).toMatchObject({ replies: false, handoff: { reason: 'switched_off', actor: 'agent' } });
    await w.routed(conversationId);
    await w.inbound('second');
    await settled();
    expect(await w.aiReplies(conversationId)).toHaveLength(1);

    const on = await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: true });
    expect(on.body.aiAgent).toMatchObject({ replies: true });
    await w.inbound('third');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 2);
    expect(await h.ctx.store.events.countDocuments({ type: 'conversation.updated', conversationId, 'data.changed': 'aiAgent' })).toBe(1);

    // The AI agent disabled for the workspace: what it answered goes to people.
    await w.api('PUT', '/v1/ai-agent', { enabled: false, backend: { type: 'openai', baseUrl: model.baseUrl, model: w.modelName } });
    await w.routed(conversationId);
    const handoffs = await h.ctx.store.events.find({ type: 'conversation.handed_off', conversationId }).lean();
    expect(handoffs.map((e) => e.data.reason)).toEqual(['switched_off', 'switched_off']);
  });

  it('an agent becoming available leaves alone a conversation the AI agent answers again after it waited in a queue', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'Sure.' }));
    const agent = await w.api('POST', '/v1/agents', { name: 'Ana', email: `${new Types.ObjectId().toHexString()}@x.test`, status: 'offline' });
    const queue = await w.api('POST', '/v1/queues', { name: 'automatic', strategy: 'round_robin', priority: 5, agentIds: [agent.body.id] });
    expect(queue.status, JSON.stringify(queue.body)).toBe(201);
    const { conversationId } = await w.inbound('first');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 1);
    await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: false });
    expect((await w.routed(conversationId)).queueId).toBe(queue.body.id);
    await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: true });

    expect((await w.api('PATCH', `/v1/agents/${agent.body.id}`, { status: 'available' })).status).toBe(200);
    await settled();
    expect(await w.conversation(conversationId)).toMatchObject({ status: 'queued', assigneeId: null, aiAgent: { replies: true } });
  });

  it('refuses to turn replies on without an enabled AI agent', async () => {
    const w = await workspace({ defaultChannelIds: [] });
    const { conversationId } = await w.inbound('hi');
    expect((await w.conversation(conversationId)).aiAgent).toBeNull();
    await w.api('PUT', '/v1/ai-agent', { enabled: false, backend: { type: 'openai', baseUrl: model.baseUrl, model: w.modelName } });
    const on = await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: true });
    expect(on.status).toBe(409);
    expect(on.body.error.code).toBe('ai_agent_not_configured');

    // Enabled again: a conversation it never took part in can be given to it.
    await w.api('PUT', '/v1/ai-agent', { enabled: true, backend: { type: 'openai', baseUrl: model.baseUrl, model: w.modelName } });
    const given = await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: true });
    expect(given.status).toBe(200);
    expect(given.body.aiAgent).toMatchObject({ replies: true, handoff: null });
  });

  it('hands off when an agent takes the conversation', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'One moment.' }));
    const { conversationId } = await w.inbound('hi');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 1);
    const agent = await w.api('POST', '/v1/agents', { name: 'Ana', email: `${new Types.ObjectId().toHexString()}@x.test`, status: 'available' });
    const assigned = await w.api('POST', `/v1/conversations/${conversationId}/assign`, { agentId: agent.body.id });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    const event = await w.handedOff(conversationId);
    expect(event.data).toMatchObject({ reason: 'agent_took_over', actor: 'agent' });
    await w.inbound('are you there?');
    await settled();
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });

  it('hands off when the model times out through every retry', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => 'hang');
    const { conversationId } = await w.inbound('hello');
    const event = await w.handedOff(conversationId);
    expect(event.data).toMatchObject({ reason: 'backend_failed', actor: 'ai_agent' });
    expect(String(event.data.note)).toContain('ECONNABORTED');
    await w.routed(conversationId);
    expect(requestsOf(w.modelName)).toHaveLength(2);
  });

  it('hands off instead of retrying when the send policy refuses the answer (window closed)', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'Late answer' }));
    // The customer wrote 25 hours ago (a late delivery): the window has closed, only templates may go.
    const { conversationId } = await w.inbound('hello', { at: new Date(h.clock.now().getTime() - 25 * HOUR) });
    const event = await w.handedOff(conversationId);
    expect(event.data).toMatchObject({ reason: 'send_refused', actor: 'ai_agent', note: 'window_closed' });
    await w.routed(conversationId);
    expect(await w.aiReplies(conversationId)).toHaveLength(0);
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });

  it('stops at the rate limit and when a loop shows', async () => {
    const limited = await workspace({ maxRepliesPerHour: 1 });
    model.behave(limited.modelName, () => ({ text: 'Answer' }));
    const first = await limited.inbound('one');
    await eventually(async () => (await limited.aiReplies(first.conversationId)).length === 1);
    await limited.inbound('two');
    expect((await limited.handedOff(first.conversationId)).data).toMatchObject({ reason: 'rate_limited' });

    const looping = await workspace();
    model.behave(looping.modelName, () => ({ text: 'Thanks for your message, we will be in touch.' }));
    const start = await looping.inbound('Auto: I am out of the office');
    await eventually(async () => (await looping.aiReplies(start.conversationId)).length === 1);
    // Another bot sends our own answer back.
    await looping.inbound('Thanks for your message, we will be in touch!');
    expect((await looping.handedOff(start.conversationId)).data).toMatchObject({ reason: 'loop_detected' });
    expect(await looping.aiReplies(start.conversationId)).toHaveLength(1);
  });

  it('never answers automatic mail', async () => {
    const w = await workspace();
    model.behave(w.modelName, () => ({ text: 'Hi' }));
    const { conversationId } = await w.inbound('hello');
    await eventually(async () => (await w.aiReplies(conversationId)).length === 1);
    const autoReply = await storeAutomaticReply(h, conversationId);
    await eventually(async () => (await h.ctx.store.events.findById(`message_received-${String(autoReply._id)}`).lean())?.state === 'dispatched');
    await settled();
    expect(await h.ctx.queues.aiAgent.getJob(aiReplyJobId(String(autoReply._id)))).toBeUndefined();
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });
});

describe('Agent replies with a webhook bot', () => {
  it('sends the bot signed events; the bot answers and hands off through the API with an automation key', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const bot: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    try {
      const w = await workspace();
      const url = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/bot`;
      const saved = await w.api('PUT', '/v1/ai-agent', { enabled: true, backend: { type: 'webhook', url }, defaultChannelIds: [w.wa.channelId] });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      const secret = saved.body.webhookSecret as string;
      expect(secret).toMatch(/^whsec_/);
      const botKey = (await w.api('POST', '/v1/api-keys', { name: 'bot', role: 'automation' })).body.key as string;

      const { conversationId, messageId } = await w.inbound('Where is my parcel?');
      const [delivery] = await eventually(async () => (received.length > 0 ? received : null));
      expect(verifyWebhook({ headers: delivery!.headers, body: delivery!.body, secret, now: Math.floor(h.clock.now().getTime() / 1000) })).toBe(true);
      const event = JSON.parse(delivery!.body);
      expect(event).toMatchObject({ type: 'ai_agent.reply_requested', data: { conversationId, messageId, history: [{ role: 'customer', text: 'Where is my parcel?' }] } });

      // Only an automation key answers as the AI agent.
      const asAdmin = await h.api('POST', `/v1/conversations/${conversationId}/ai-agent/replies`, { key: (await w.api('POST', '/v1/api-keys', { name: 'agent', role: 'agent' })).body.key, body: { text: 'x' } });
      expect(asAdmin.status).toBe(403);
      const reply = await h.api('POST', `/v1/conversations/${conversationId}/ai-agent/replies`, { key: botKey, body: { text: 'It is on its way.' } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      expect(reply.body).toMatchObject({ author: 'automation', aiAgent: true, content: { text: 'It is on its way.' } });
      await eventually(async () => (await h.ctx.store.messages.findById(reply.body.id).lean())?.status === 'accepted');

      const handoff = await h.api('POST', `/v1/conversations/${conversationId}/ai-agent/handoff`, { key: botKey, body: { reason: 'Parcel lost' } });
      expect(handoff.status).toBe(200);
      expect(handoff.body.aiAgent).toMatchObject({ replies: false, handoff: { reason: 'bot_requested', actor: 'automation', note: 'Parcel lost' } });
      await w.routed(conversationId);
      const late = await h.api('POST', `/v1/conversations/${conversationId}/ai-agent/replies`, { key: botKey, body: { text: 'too late' } });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('ai_agent_off');

      // Another customer, whose message the bot acknowledges and never answers: when the answer is
      // due (the delayed job, run here at once), people take over.
      const silent = await w.inbound('Hello?', { from: '15550003333' });
      await eventually(async () => received.length === 2);
      const due = await eventually(() => h.ctx.queues.aiAgent.getJob(`ai-deadline-${silent.messageId}`));
      await h.ctx.aiAgent.answer(due.data);
      expect((await w.handedOff(silent.conversationId)).data).toMatchObject({ reason: 'backend_failed', note: 'the bot did not answer in time' });
    } finally {
      bot.closeAllConnections();
      await new Promise((resolve) => bot.close(resolve));
    }
  });
});

describe("Messenger's handover protocol", () => {
  it('passes thread control to the app people answer in on a handoff, and takes it back when Agent replies turn on', async () => {
    const w = await workspace();
    const pageId = `9${sequence++}${Date.now() % 100000}`;
    const secrets = { pageAccessToken: `EAA${pageId}`, appSecret: `secret${pageId}`, verifyToken: `verify${pageId}` };
    const page = await w.api('POST', '/v1/channels', { type: 'messenger', name: 'Page', settings: { pageId, handoverAppId: '263902037430900' }, secrets });
    expect(page.status, JSON.stringify(page.body)).toBe(201);
    await w.api('PUT', '/v1/ai-agent', {
      enabled: true,
      backend: { type: 'openai', baseUrl: model.baseUrl, model: w.modelName },
      defaultChannelIds: [page.body.id],
    });
    const deliver = async (payload: object) => {
      const body = JSON.stringify(payload);
      const res = await h.api('POST', `/webhooks/messenger/${page.body.id}`, { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, secrets.appSecret) } });
      expect(res.status).toBe(200);
    };
    const calls: { edge: string; body: Record<string, unknown>; auth: string | undefined }[] = [];
    for (const edge of ['pass_thread_control', 'take_thread_control']) {
      nock(GRAPH_BASE_URL)
        .persist()
        .post(`/v23.0/${pageId}/${edge}`)
        .reply(function (_uri, body) {
          calls.push({ edge, body: body as Record<string, unknown>, auth: this.req.headers.authorization as string | undefined });
          return [200, { success: true }];
        });
    }
    model.behave(w.modelName, () => ({ toolCall: { name: HANDOFF_TOOL, arguments: { reason: 'Complaint' } as unknown as string } }));

    const psid = `psid${pageId}`;
    await deliver(pageWebhook(pageId, [userText(pageId, psid, `m_${pageId}_1`, 'I have a complaint', h.clock.now())]));
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: `m_${pageId}_1` }).lean());
    const conversationId = String(message.conversationId);
    expect((await w.handedOff(conversationId)).data).toMatchObject({ reason: 'bot_requested', note: 'Complaint' });
    await w.routed(conversationId);
    const [passed] = await eventually(async () => (calls.length > 0 ? calls : null));
    expect(passed).toEqual({
      edge: 'pass_thread_control',
      body: { recipient: { id: psid }, target_app_id: '263902037430900', metadata: 'handoff: bot_requested (Complaint)' },
      auth: `Bearer ${secrets.pageAccessToken}`,
    });

    // While people answer in the Page Inbox, the thread's traffic reaches us as standby: history only.
    await deliver(pageWebhook(pageId, [userText(pageId, psid, `m_${pageId}_2`, 'still there?', h.clock.now())], { standby: true }));
    const history = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: `m_${pageId}_2` }).lean());
    expect(history.standby).toBe(true);

    const on = await w.api('PUT', `/v1/conversations/${conversationId}/ai-agent`, { replies: true });
    expect(on.status).toBe(200);
    await eventually(async () => calls.length === 2);
    expect(calls[1]).toMatchObject({ edge: 'take_thread_control', body: { recipient: { id: psid }, metadata: 'Agent replies on' } });
    await settled();
    expect(requestsOf(w.modelName)).toHaveLength(1);
  });
});
