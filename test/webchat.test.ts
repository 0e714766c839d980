import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import { eventually, startHarness, type Harness } from './support/harness.js';
import { connectVisitor, createWebchatWorkspace, SHOP_ORIGIN, userHash, visitorApi, type WebchatFixture } from './support/webchat.js';

/** The web chat's visitor API and socket, without a browser (test/webchat-widget.test.ts has one). */

let h: Harness;
let f: WebchatFixture;
let visitor: ReturnType<typeof visitorApi>;

beforeAll(async () => {
  h = await startHarness();
  f = await createWebchatWorkspace(h);
  visitor = visitorApi(h, f.channelId);
});

afterAll(async () => {
  await h?.close();
});

async function startVisitor(body: Record<string, unknown> = {}) {
  const session = await visitor('POST', '/sessions', { body });
  expect(session.status).toBe(201);
  return session.body as { token: string; visitorId: string };
}

const conversationOf = (contactExternalId: string) =>
  eventually(async () => {
    const identity = await h.ctx.store.contactIdentities.findOne({ channelId: f.channelId, externalId: contactExternalId }).lean();
    return identity && (await h.ctx.store.conversations.findOne({ contactId: identity.contactId }).sort({ _id: -1 }).lean());
  });

describe('a visitor and an agent', () => {
  it('the visitor writes, a retry never doubles, the agent answers and the visitor sees it live, then reads it', async () => {
    const { token, visitorId } = await startVisitor();
    expect(visitorId).toMatch(/^anon:/);
    const socket = await connectVisitor(h, f.channelId, token);

    const first = await visitor('POST', '/messages', { token, body: { clientMessageId: 'msg-0001-abc', text: 'Hello from the website' } });
    expect(first.status).toBe(202);
    // The same client id again (a retry after a lost answer), even with other bytes: one message.
    expect((await visitor('POST', '/messages', { token, body: { clientMessageId: 'msg-0001-abc', text: 'Hello from the website' } })).status).toBe(202);
    expect((await visitor('POST', '/messages', { token, body: { clientMessageId: 'msg-0001-abc', text: 'Hello again' } })).status).toBe(202);
    const own = await socket.waitFor((fr) => fr.type === 'message' && fr.message.from === 'visitor');
    expect(own.message).toMatchObject({ text: 'Hello from the website', clientMessageId: 'msg-0001-abc' });

    const conversation = await conversationOf(visitorId);
    // Two recorded requests (two bodies), both processed, one message.
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: f.channelId, state: 'processed' })) === 2);
    expect(await h.ctx.store.messages.countDocuments({ conversationId: conversation._id })).toBe(1);
    expect(conversation.status).toBe('queued');
    const reply = await h.api('POST', `/v1/conversations/${String(conversation._id)}/messages`, {
      key: f.key,
      headers: { 'idempotency-key': 'reply-1' },
      body: { type: 'text', text: 'Hi! <b>How</b> can we help?' },
    });
    expect(reply.status).toBe(202);
    const live = await socket.waitFor((fr) => fr.type === 'message' && fr.message.from === 'business');
    expect(live.message).toMatchObject({ text: 'Hi! <b>How</b> can we help?', status: 'sent' });

    const history = await visitor('GET', '/conversation', { token });
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: any) => [m.from, m.text])).toEqual([
      ['visitor', 'Hello from the website'],
      ['business', 'Hi! <b>How</b> can we help?'],
    ]);

    expect((await visitor('POST', '/receipts', { token, body: { status: 'read', watermark: live.message.sentAt } })).status).toBe(202);
    await eventually(async () => (await h.api('GET', `/v1/messages/${reply.body.id}`, { key: f.key })).body.status === 'read');
    await socket.waitFor((fr) => fr.type === 'status' && fr.messageId === reply.body.id && fr.status === 'read');

    // The agent reads the conversation: the visitor is told its messages were seen.
    expect((await h.api('POST', `/v1/conversations/${String(conversation._id)}/read`, { key: f.key, headers: { 'idempotency-key': 'read-1' } })).status).toBe(200);
    const seen = await socket.waitFor((fr) => fr.type === 'seen');
    expect(seen.conversationId).toBe(String(conversation._id));
    expect((await visitor('GET', '/conversation', { token })).body.conversation.seenAt).toBe(seen.seenAt);
    socket.close();
  });

  it('typing goes both ways and the agent closing the conversation reaches the visitor', async () => {
    const { token, visitorId } = await startVisitor();
    await visitor('POST', '/messages', { token, body: { clientMessageId: 'typing-0001', text: 'Is anyone there?' } });
    const conversation = await conversationOf(visitorId);
    const id = String(conversation._id);
    const socket = await connectVisitor(h, f.channelId, token);
    const { connectRealtime } = await import('./support/realtime-client.js');
    const agent = await connectRealtime(h, { key: f.key, query: { conversationId: id } });

    socket.ws.send(JSON.stringify({ type: 'typing' }));
    await agent.waitFor((fr) => fr.type === 'typing' && fr.conversationId === id && fr.data.contactId);
    agent.send({ type: 'typing', conversationId: id });
    await socket.waitFor((fr) => fr.type === 'typing' && fr.conversationId === id);

    expect((await h.api('POST', `/v1/conversations/${id}/status`, { key: f.key, body: { status: 'closed' } })).status).toBe(200);
    await socket.waitFor((fr) => fr.type === 'conversation' && fr.status === 'closed');
    await agent.close();
    socket.close();
  });
});

describe('abandoned', () => {
  it("a visitor who leaves before anyone answers ends abandoned after the workspace's abandonAfterMinutes", async () => {
    expect((await h.api('PATCH', '/v1/workspace/settings', { key: f.key, body: { abandonAfterMinutes: 10 } })).status).toBe(200);
    const { token, visitorId } = await startVisitor();
    await visitor('POST', '/messages', { token, body: { clientMessageId: 'leaving-0001', text: 'Hello? I have to go soon' } });
    const conversation = await conversationOf(visitorId);
    const socket = await connectVisitor(h, f.channelId, token);
    const timer = await eventually(async () => {
      const current = await h.ctx.store.conversations.findById(conversation._id).lean();
      return current && h.ctx.queues.timers.getJob(timerJobId(String(current._id), 'abandon', current.lifecycleVersion));
    });
    expect(timer.delay).toBe(10 * 60_000);
    h.clock.advance(timer.delay + 1000);
    await timer.promote();
    await socket.waitFor((fr) => fr.type === 'conversation' && fr.status === 'abandoned');
    socket.close();
  });
});

describe('identity', () => {
  it('a logged-in user signed with the identity secret is one visitor on two devices; a forged signature is refused', async () => {
    const forged = await visitor('POST', '/sessions', { body: { userId: 'customer-42', userHash: userHash('customer-42', 'not-the-secret-at-all') } });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_identity');
    expect((await visitor('POST', '/sessions', { body: { userId: 'customer-42' } })).body.error.code).toBe('invalid_identity');

    const laptop = await startVisitor({ userId: 'customer-42', userHash: userHash('customer-42') });
    const phone = await startVisitor({ userId: 'customer-42', userHash: userHash('customer-42') });
    expect(laptop.visitorId).toBe('user:customer-42');
    expect(phone.visitorId).toBe(laptop.visitorId);
    await visitor('POST', '/messages', { token: laptop.token, body: { clientMessageId: 'laptop-0001', text: 'From my laptop' } });
    await conversationOf(laptop.visitorId);
    const onPhone = await eventually(async () => {
      const history = await visitor('GET', '/conversation', { token: phone.token });
      return history.body.messages.length === 1 && history.body;
    });
    expect(onPhone.messages[0].text).toBe('From my laptop');

    // The page logged out (a shared computer): the user's stored token alone resumes nothing.
    const next = await startVisitor({ token: laptop.token });
    expect(next.visitorId).not.toBe(laptop.visitorId);
    expect((await visitor('GET', '/conversation', { token: next.token })).body.messages).toEqual([]);
  });

  it("a visitor never sees another visitor's conversation, and a token works on its own channel only", async () => {
    const ana = await startVisitor();
    const bob = await startVisitor();
    await visitor('POST', '/messages', { token: ana.token, body: { clientMessageId: 'ana-secret-1', text: "Ana's secret" } });
    const bobSocket = await connectVisitor(h, f.channelId, bob.token);
    await conversationOf(ana.visitorId);
    expect((await visitor('GET', '/conversation', { token: bob.token })).body.messages).toEqual([]);
    // A message Bob's socket would have had by now if it leaked: Bob's own, sent after Ana's.
    await visitor('POST', '/messages', { token: bob.token, body: { clientMessageId: 'bob-hello-1', text: 'Bob here' } });
    await bobSocket.waitFor((fr) => fr.type === 'message' && fr.message.text === 'Bob here');
    expect(bobSocket.frames.filter((fr) => fr.type === 'message').map((fr) => fr.message.text)).toEqual(['Bob here']);
    bobSocket.close();

    const other = await createWebchatWorkspace(h);
    const elsewhere = await visitorApi(h, other.channelId)('GET', '/conversation', { token: ana.token });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error.code).toBe('invalid_visitor_token');
    expect((await visitor('GET', '/conversation', { token: `${ana.token}x` })).status).toBe(401);
  });
});

describe("the channel's provider-webhook URL", () => {
  it("takes no visitor event, even one with a good token: the visitor API's checks (its files, origins, limits) cannot be gone around", async () => {
    const eve = await startVisitor();
    const { accountId } = (await h.api('GET', `/v1/channels/${f.channelId}`, { key: f.key })).body;
    const recorded = () => h.ctx.store.rawEvents.countDocuments({ channelId: f.channelId });
    const before = await recorded();
    const body = JSON.stringify({ kind: 'message', account: accountId, visitorId: eve.visitorId, clientMessageId: 'around-the-api-1', text: 'around' });
    const res = await h.api('POST', `/webhooks/webchat/${f.channelId}`, { body, headers: { 'content-type': 'application/json', authorization: `Bearer ${eve.token}` } });
    expect(res.status).toBe(404);
    expect(await recorded()).toBe(before);
  });
});

describe('origins', () => {
  it("pages of other origins are refused, over HTTP (CORS) and on the socket; the channel's own get CORS headers", async () => {
    const allowed = await visitor('GET', '/settings');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    const preflight = await fetch(`${h.baseUrl}/webchat/v1/channels/${f.channelId}/messages`, {
      method: 'OPTIONS',
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    const evil = visitorApi(h, f.channelId, 'http://evil.test');
    const refused = await evil('POST', '/sessions', { body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('origin_not_allowed');
    // The refusal is readable (the widget says why); a preflight, which a token or a JSON body needs, is not answered.
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://evil.test');
    const evilPreflight = await fetch(`${h.baseUrl}/webchat/v1/channels/${f.channelId}/messages`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(evilPreflight.status).toBe(403);
    expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();

    const { token } = await startVisitor();
    const socket = new WebSocket(`${h.baseUrl.replace(/^http/, 'ws')}/webchat/v1/socket?channelId=${f.channelId}`, ['omnigate.webchat.v1', `visitor.${token}`], {
      headers: { origin: 'http://evil.test' },
    });
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });
});

describe('uploads', () => {
  it('an image is uploaded, sent and read back by its signed link; other types and forged tickets are refused', async () => {
    const { token, visitorId } = await startVisitor();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const exe = await visitor('POST', '/uploads', { token, body: 'MZ...', headers: { 'content-type': 'application/x-msdownload' } });
    expect(exe.status).toBe(415);
    const upload = await fetch(`${h.baseUrl}/webchat/v1/channels/${f.channelId}/uploads`, {
      method: 'POST',
      headers: { origin: SHOP_ORIGIN, authorization: `Bearer ${token}`, 'content-type': 'image/png', 'x-filename': 'dot.png' },
      body: png,
    });
    expect(upload.status).toBe(201);
    const { mediaId, ticket } = (await upload.json()) as { mediaId: string; ticket: string };
    const forged = await visitor('POST', '/messages', { token, body: { clientMessageId: 'img-forged-1', upload: { mediaId, ticket: 'x'.repeat(43) } } });
    expect(forged.status).toBe(400);
    expect((await visitor('POST', '/messages', { token, body: { clientMessageId: 'img-0001', upload: { mediaId, ticket }, text: 'my receipt' } })).status).toBe(202);

    await conversationOf(visitorId);
    const history = await eventually(async () => {
      const body = (await visitor('GET', '/conversation', { token })).body;
      return body.messages.length === 1 && body;
    });
    expect(history.messages[0]).toMatchObject({ type: 'image', text: 'my receipt', media: { mimeType: 'image/png', filename: 'dot.png' } });
    const image = await fetch(`${h.baseUrl}${history.messages[0].media.url}`);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
    expect((await fetch(`${h.baseUrl}/webchat/v1/channels/${f.channelId}/media/${mediaId}?ticket=forged`)).status).toBe(404);
  });
});

describe('the 24-hour window', () => {
  it('history is the visitor\'s for 24 h after its last message; then the same browser starts a new conversation', async () => {
    const { token, visitorId } = await startVisitor();
    await visitor('POST', '/messages', { token, body: { clientMessageId: 'window-0001', text: 'Before lunch' } });
    await conversationOf(visitorId);
    h.clock.advance(23 * 60 * 60 * 1000);
    const resumed = await startVisitor({ token });
    expect(resumed.visitorId).toBe(visitorId);
    expect((await visitor('GET', '/conversation', { token: resumed.token })).body.messages).toHaveLength(1);

    h.clock.advance(2 * 60 * 60 * 1000);
    expect((await visitor('GET', '/conversation', { token: resumed.token })).body.conversation).toBeNull();
    const fresh = await startVisitor({ token: resumed.token });
    expect(fresh.visitorId).not.toBe(visitorId);

    // No messaging window on this channel: the team may still answer the old conversation.
    const old = await conversationOf(visitorId);
    const shown = await h.api('GET', `/v1/conversations/${String(old._id)}`, { key: f.key });
    expect(shown.body.reply).toMatchObject({ canReply: true });
    const late = await h.api('POST', `/v1/conversations/${String(old._id)}/messages`, { key: f.key, headers: { 'idempotency-key': 'late-1' }, body: { type: 'text', text: 'Sorry for the wait' } });
    expect(late.status).toBe(202);
    await eventually(async () => (await h.api('GET', `/v1/messages/${late.body.id}`, { key: f.key })).body.status === 'sent');
  });
});

describe('the widget script', () => {
  it('is served minified with an ETag, gzipped when asked, and 304 when unchanged', async () => {
    const first = await fetch(`${h.baseUrl}/webchat/widget.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/javascript/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=300/);
    const etag = first.headers.get('etag')!;
    expect((await first.text()).length).toBeGreaterThan(1000);
    // As a browser revalidates its cached copy (fetch() would add no-cache to a conditional request).
    expect((await fetch(`${h.baseUrl}/webchat/widget.js`, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status).toBe(304);
  });
});

describe('limits', () => {
  it('a visitor and an address are limited (429 with Retry-After); another visitor or address is not held back by the first', async () => {
    const limited = await startHarness({
      config: { WEBCHAT_VISITOR_PER_MINUTE: '30', WEBCHAT_IP_PER_MINUTE: '120', WEBCHAT_UPLOADS_PER_IP_PER_MINUTE: '10', TRUST_PROXY: 'loopback' },
      workers: false,
    });
    try {
      const fixture = await createWebchatWorkspace(limited);
      const api = visitorApi(limited, fixture.channelId);
      const { token } = (await api('POST', '/sessions', { body: {} })).body;
      const statuses: number[] = [];
      // A burst of 3 (a tenth of a minute's worth), then the average: the fourth at once is refused.
      for (let i = 0; i < 4; i++) statuses.push((await api('GET', '/conversation', { token })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await api('GET', '/conversation', { token });
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const other = (await api('POST', '/sessions', { body: {} })).body;
      expect((await api('GET', '/conversation', { token: other.token })).status).toBe(200);

      const answers: number[] = [];
      for (let i = 0; i < 20; i++) answers.push((await api('GET', '/settings')).status);
      expect(answers).toContain(429);
      // Behind a trusted proxy, each client's own address is counted.
      expect((await api('GET', '/settings', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);

      // Files, on their own lower count per address (a burst of one here), before the file is read.
      const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
      const upload = async (address: string) => {
        const visitor = (await api('POST', '/sessions', { body: {}, headers: { 'x-forwarded-for': address } })).body;
        return fetch(`${limited.baseUrl}/webchat/v1/channels/${fixture.channelId}/uploads`, {
          method: 'POST',
          headers: { origin: SHOP_ORIGIN, authorization: `Bearer ${visitor.token}`, 'content-type': 'image/png', 'x-forwarded-for': address },
          body: png,
        });
      };
      expect((await upload('203.0.113.20')).status).toBe(201);
      const second = await upload('203.0.113.20');
      expect(second.status).toBe(429);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect((await upload('203.0.113.21')).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
