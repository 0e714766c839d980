import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realtimeKeys } from '../src/live-feed/entry.js';
import { eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness } from './support/harness.js';
import { metaWire, pageEcho, pageWebhook, userText, watermark } from './support/messenger-payloads.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

const HOUR = 3_600_000;
let h: Harness;
let key: string;
let automationKey: string;
let workspaceId: string;

interface PageChannel {
  id: string;
  pageId: string;
  appSecret: string;
}
let page: PageChannel;
let approvedPage: PageChannel;

async function addPage(pageId: string, humanAgentEnabled: boolean): Promise<PageChannel> {
  const secrets = { pageAccessToken: `EAAtoken${pageId}`, appSecret: `secret${pageId}`, verifyToken: `verify${pageId}` };
  const res = await h.api('POST', '/v1/channels', { key, body: { type: 'messenger', name: `Page ${pageId}`, settings: { pageId, humanAgentEnabled }, secrets } });
  expect(res.status).toBe(201);
  return { id: res.body.id, pageId, appSecret: secrets.appSecret };
}

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  const ws = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'messenger' }, headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` } });
  key = ws.body.apiKey.key;
  workspaceId = ws.body.workspace.id;
  automationKey = (await h.api('POST', '/v1/api-keys', { key, body: { name: 'bot', role: 'automation' } })).body.key;
  page = await addPage('106385752155120', false);
  approvedPage = await addPage('206385752155120', true);
});
afterAll(async () => {
  await h.close();
});

/** Posts a body as Meta does (a built one in Meta's wire form, a fixture's text as it is: ASCII, escaped), signed. */
async function deliver(channel: PageChannel, payload: object | Buffer) {
  const body = Buffer.isBuffer(payload) ? payload.toString('ascii') : metaWire(payload);
  const res = await h.api('POST', `/webhooks/messenger/${channel.id}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, channel.appSecret) },
  });
  expect(res.status).toBe(200);
  expect(res.body).toBe('EVENT_RECEIVED');
}

async function conversationWith(channel: PageChannel, psid: string, at: Date): Promise<string> {
  const mid = `m_${psid}_${at.getTime()}`;
  await deliver(channel, pageWebhook(channel.pageId, [userText(channel.pageId, psid, mid, 'hello page', at)]));
  const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: mid }).lean());
  // The message is stored a moment before its conversation records it (the window opens then).
  await eventually(() => h.ctx.store.conversations.exists({ _id: message.conversationId, lastInboundAt: { $ne: null } }));
  return String(message.conversationId);
}

const sendApi = (channel: PageChannel) => nock(GRAPH_BASE_URL).post(`/v23.0/${channel.pageId}/messages`);
const send = (conversationId: string, body: object, asKey = key) => h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: asKey, body });
const statusOf = async (id: string) => (await h.ctx.store.messages.findById(id).lean())?.status;

describe('Messenger end to end', () => {
  it('answers within 24 h with RESPONSE and reports what is allowed after', async () => {
    const start = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID1', start);
    let sent: any;
    sendApi(page).reply(200, (_u, body) => {
      sent = body;
      return { recipient_id: 'PSID1', message_id: 'm_out_1' };
    });
    const res = await send(conversationId, { type: 'text', text: 'Hi from the page' });
    expect(res.status).toBe(202);
    await eventually(async () => (await statusOf(res.body.id)) === 'sent');
    expect(sent).toMatchObject({ recipient: { id: 'PSID1' }, messaging_type: 'RESPONSE', message: { text: 'Hi from the page' } });

    h.clock.set(new Date(start.getTime() + 25 * HOUR));
    const view = await h.api('GET', `/v1/conversations/${conversationId}`, { key });
    expect(view.body.reply).toMatchObject({ canReply: false, otherwise: 'tag' });
    expect(view.body.reply.tags.map((t: { tag: string }) => t.tag)).toEqual(['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE']);
    h.clock.set(start);
  });

  it('outside 24 h: refuses untagged text, sends a named tag, refuses HUMAN_AGENT where not approved', async () => {
    const start = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID2', start);
    h.clock.set(new Date(start.getTime() + 30 * HOUR));
    const untagged = await send(conversationId, { type: 'text', text: 'late' });
    expect(untagged.status).toBe(422);
    expect(untagged.body.error.code).toBe('window_closed');

    const human = await send(conversationId, { type: 'text', text: 'late', tag: 'HUMAN_AGENT' });
    expect(human.body.error.code).toBe('tag_not_allowed');

    let sent: any;
    sendApi(page).reply(200, (_u, body) => {
      sent = body;
      return { recipient_id: 'PSID2', message_id: 'm_out_tag' };
    });
    const tagged = await send(conversationId, { type: 'text', text: 'Your order shipped', tag: 'POST_PURCHASE_UPDATE' }, automationKey);
    expect(tagged.status).toBe(202);
    await eventually(async () => (await statusOf(tagged.body.id)) === 'sent');
    expect(sent).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' });
    h.clock.set(start);
  });

  it('HUMAN_AGENT: a person may answer for 7 days where approved; an automation never', async () => {
    const start = h.clock.now();
    const conversationId = await conversationWith(approvedPage, 'PSID3', start);
    h.clock.set(new Date(start.getTime() + 3 * 24 * HOUR));
    const bot = await send(conversationId, { type: 'text', text: 'bot', tag: 'HUMAN_AGENT' }, automationKey);
    expect(bot.status).toBe(422);
    expect(bot.body.error.code).toBe('tag_not_allowed');

    sendApi(approvedPage).reply(200, { recipient_id: 'PSID3', message_id: 'm_out_human' });
    const person = await send(conversationId, { type: 'text', text: 'Sorry for the wait', tag: 'HUMAN_AGENT' });
    expect(person.status).toBe(202);
    await eventually(async () => (await statusOf(person.body.id)) === 'sent');

    h.clock.set(new Date(start.getTime() + 7 * 24 * HOUR + 60_000));
    const tooLate = await send(conversationId, { type: 'text', text: 'again', tag: 'HUMAN_AGENT' });
    expect(tooLate.body.error.code).toBe('window_closed');
    h.clock.set(start);
  });

  it('maps the provider’s 10/2018278 to window_closed', async () => {
    const conversationId = await conversationWith(page, 'PSID4', h.clock.now());
    sendApi(page).reply(400, { error: { message: 'This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 } });
    const res = await send(conversationId, { type: 'text', text: 'x' });
    const failed = await eventually(async () => {
      const m = await h.ctx.store.messages.findById(res.body.id).lean();
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.error).toMatchObject({ code: '10/2018278', outcome: 'window_closed' });
  });

  it('records echoes of messages sent elsewhere, once, and never sends them', async () => {
    const at = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID5', at);
    const echo = pageWebhook(page.pageId, [pageEcho(page.pageId, 'PSID5', 'm_echo_inbox', 'Answered from the Page inbox', at)]);
    await deliver(page, echo);
    await deliver(page, echo);
    const stored = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'm_echo_inbox' }).lean());
    expect(stored).toMatchObject({ direction: 'outbound', author: 'business', status: 'sent' });
    expect(String(stored.conversationId)).toBe(conversationId);
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: page.id, state: 'received' })) === 0);
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'm_echo_inbox' })).toBe(1);
    // Nothing was sent: no Send API interceptor exists, and disableNetConnect would have failed it.
    expect(await h.ctx.queues.send.getJobCounts('waiting', 'active', 'delayed', 'failed')).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('the echo of our own message does not duplicate it, even when it arrives before the send is recorded', async () => {
    const at = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID6', at);
    // The provider holds its answer until the echo webhook of the same message has been processed.
    let answer: (() => void) | undefined;
    sendApi(page).reply((_uri, _body, callback) => {
      answer = () => callback(null, [200, { recipient_id: 'PSID6', message_id: 'm_out_raced' }]);
    });
    const res = await send(conversationId, { type: 'text', text: 'raced' });
    const release = await eventually(async () => answer);
    await deliver(page, pageWebhook(page.pageId, [pageEcho(page.pageId, 'PSID6', 'm_out_raced', 'raced', at)]));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: page.id, state: 'received' })) === 0);
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'm_out_raced' })).toBe(1);
    release();
    await eventually(async () => (await statusOf(res.body.id)) === 'sent');
    const copies = await h.ctx.store.messages.find({ providerMessageId: 'm_out_raced' }).lean();
    expect(copies).toHaveLength(1);
    expect(String(copies[0]?._id)).toBe(res.body.id);

    // And an echo arriving after the send is recorded is simply ignored.
    await deliver(page, pageWebhook(page.pageId, [pageEcho(page.pageId, 'PSID6', 'm_out_raced', 'raced', at)]));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: page.id, state: 'received' })) === 0);
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'm_out_raced' })).toBe(1);
  });

  it('delivery and read watermarks move every earlier outbound message forward, never back', async () => {
    const at = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID7', at);
    const ids: string[] = [];
    for (const n of [1, 2]) {
      sendApi(page).reply(200, { recipient_id: 'PSID7', message_id: `m_wm_${n}` });
      const res = await send(conversationId, { type: 'text', text: `n${n}` });
      await eventually(async () => (await statusOf(res.body.id)) === 'sent');
      ids.push(res.body.id);
    }
    const later = new Date(h.clock.now().getTime() + 60_000);
    await deliver(page, pageWebhook(page.pageId, [watermark(page.pageId, 'PSID7', 'read', later)]));
    await eventually(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'read'));
    await deliver(page, pageWebhook(page.pageId, [watermark(page.pageId, 'PSID7', 'delivery', new Date(later.getTime() + 1000))]));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: page.id, state: 'received' })) === 0);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['read', 'read']);
  });

  it('stores postbacks as button replies', async () => {
    const at = h.clock.now();
    await deliver(
      page,
      pageWebhook(page.pageId, [{ sender: { id: 'PSID8' }, recipient: { id: page.pageId }, timestamp: at.getTime(), postback: { mid: 'm_pb_1', title: 'Track order', payload: 'TRACK_42' } }]),
    );
    const postback = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'm_pb_1' }).lean());
    expect(postback.content).toEqual({ type: 'button_reply', payload: 'TRACK_42', text: 'Track order' });
  });

  it('rejects bad signatures and unknown pages, storing nothing', async () => {
    const body = JSON.stringify(pageWebhook(page.pageId, [userText(page.pageId, 'PSID9', 'm_bad', 'x', h.clock.now())]));
    const bad = await h.api('POST', `/webhooks/messenger/${page.id}`, { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, 'wrong') } });
    expect(bad.status).toBe(401);
    const wrongType = await h.api('POST', `/webhooks/whatsapp-cloud/${page.id}`, { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, page.appSecret) } });
    expect(wrongType.status).toBe(404);
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'm_bad' })).toBe(0);
  });
});

describe('Messenger standby: traffic of a thread another app controls (handover protocol)', () => {
  const rules: string[] = [];
  beforeAll(async () => {
    // Rules that would mark any conversation they ran for: standby traffic must set off none.
    for (const trigger of ['conversation.created', 'message.received']) {
      const res = await h.api('POST', '/v1/automation-rules', { key, body: { name: `mark ${trigger}`, trigger, actions: [{ type: 'add_tag', tag: trigger.replace('.', '-') }] } });
      expect(res.status).toBe(201);
      rules.push(res.body.id);
    }
  });
  afterAll(async () => {
    for (const id of rules) await h.api('DELETE', `/v1/automation-rules/${id}`, { key });
  });

  const stored = (mid: string) => eventually(() => h.ctx.store.messages.findOne({ providerMessageId: mid }).lean());
  /** Resolves once the events worker has reacted to the message (automation, routing, then the live feed, last). */
  const reactedTo = (messageId: unknown) =>
    eventually(async () => (await h.ctx.redis.exists(realtimeKeys(h.ctx.config.QUEUE_PREFIX, workspaceId).seen(`message_received-${String(messageId)}`))) === 1);
  const conversation = async (id: unknown) => (await h.ctx.store.conversations.findById(id).lean())!;

  it('a contact with no conversation: history in a conversation created closed, never routed nor automated; the next message opens a queued one after it', async () => {
    // Meta's bytes as sent: a message, a postback (without payload in standby), the controlling app's echo, a read.
    await deliver(page, readFileSync(new URL('../connectors/messenger/fixtures/standby.json', import.meta.url)));
    const [asked, tapped, answered] = await Promise.all(['m_standby01', 'm_standby02', 'm_standby03'].map(stored));
    await Promise.all([asked, tapped].map((m) => reactedTo(m!._id)));

    const historyId = String(asked!.conversationId);
    expect([tapped, answered].map((m) => String(m!.conversationId))).toEqual([historyId, historyId]);
    const view = await h.api('GET', `/v1/conversations/${historyId}`, { key });
    expect(view.body).toMatchObject({ status: 'closed', queueId: null, assigneeId: null, tags: [], unreadCount: 0 });
    expect(view.body.messages.data.map((m: any) => [m.providerMessageId, m.direction, m.author, m.standby])).toEqual([
      ['m_standby03', 'outbound', 'business', true],
      ['m_standby02', 'inbound', 'contact', true],
      ['m_standby01', 'inbound', 'contact', true],
    ]);
    expect(view.body.messages.data[2].content).toEqual({ type: 'text', text: '¿Puede ayudarme una persona? 🙏' });
    expect(await h.ctx.store.automationRuns.countDocuments({ conversationId: asked!.conversationId })).toBe(0);

    // Control passed to us: the contact's next message is work, in a new conversation linked to the history.
    const at = h.clock.now();
    await deliver(page, pageWebhook(page.pageId, [userText(page.pageId, '6934512283318745', 'm_after_handover', 'Hola, ¿sigue ahí?', at)]));
    const after = await stored('m_after_handover');
    const opened = await eventually(async () => {
      const c = await conversation(after!.conversationId);
      return c.tags.length === 2 && c.queueId ? c : null;
    });
    expect(opened).toMatchObject({ status: 'queued', previousConversationId: asked!.conversationId, unreadCount: 1 });
    expect([...opened.tags].sort()).toEqual(['conversation-created', 'message-received']);
    expect(after!.standby).toBeUndefined();
    expect((await conversation(historyId)).status).toBe('closed');
  });

  it('a contact with an open conversation: appended as history; status, unread count and inactivity untouched, the window moved', async () => {
    const start = h.clock.now();
    const conversationId = await conversationWith(page, 'PSID10', start);
    const before = await eventually(async () => {
      const c = await conversation(conversationId);
      return c.tags.length === 2 ? c : null;
    });
    const runsBefore = await h.ctx.store.automationRuns.countDocuments({ conversationId: before._id });

    const later = new Date(start.getTime() + 60_000);
    await deliver(page, pageWebhook(page.pageId, [userText(page.pageId, 'PSID10', 'm_standby_open', 'Thanks, the bot solved it', later)], { standby: true }));
    const history = await stored('m_standby_open');
    await reactedTo(history!._id);

    expect(String(history!.conversationId)).toBe(conversationId);
    const after = await conversation(conversationId);
    expect(after).toMatchObject({ status: before.status, unreadCount: before.unreadCount, lifecycleVersion: before.lifecycleVersion, lastCustomerMessageAt: before.lastCustomerMessageAt });
    expect(after.lastMessageAt).toEqual(later);
    expect(after.lastInboundAt).toEqual(later);
    expect(await h.ctx.store.automationRuns.countDocuments({ conversationId: before._id })).toBe(runsBefore);
    const shown = await h.api('GET', `/v1/messages/${String(history!._id)}`, { key });
    expect(shown.body).toMatchObject({ standby: true, direction: 'inbound', author: 'contact' });
  });
});
