import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveText } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

let h: Harness;
let wa: WhatsAppFixture;
const HOUR = 3_600_000;
const LINK = /http:\/\/gateway\.test\/csat\/([A-Za-z0-9_-]{32})/;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h.close());

/** Graph accepts one message; resolves with the text it was asked to send. */
function graphAccepts(id: string): Promise<string> {
  return new Promise((resolve) => {
    nock(GRAPH_BASE_URL)
      .post(`/v23.0/${wa.phoneNumberId}/messages`, (body: { text?: { body?: string } }) => {
        resolve(body.text?.body ?? '');
        return true;
      })
      .reply(200, { messaging_product: 'whatsapp', contacts: [], messages: [{ id }] });
  });
}

/** A customer message through the signed webhook; resolves to its conversation, once stored, announced and routed. */
const inbound = async (from: string, fixture = wa) => (await receiveText(h, fixture, from)).conversationId;

async function resolve(conversationId: string, key = wa.key) {
  const res = await h.api('POST', `/v1/conversations/${conversationId}/status`, { key, body: { status: 'resolved' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const requestOf = (conversationId: string) => eventually(() => h.ctx.store.csatRequests.findOne({ conversationId }).lean());
const surveysOf = (conversationId: string) => h.ctx.store.messages.find({ conversationId, author: 'automation' }).lean();
const rate = (token: string, body: unknown) => h.api('POST', `/csat/${token}`, { body });

describe('CSAT settings', () => {
  it('are off by default, change field by field, and need {{link}} in the message', async () => {
    const shown = await h.api('GET', '/v1/workspace', { key: wa.key });
    expect(shown.body.settings.csat).toEqual({ enabled: false, message: expect.stringContaining('{{link}}') });

    const message = 'Rate us: {{link}} (1-5)';
    expect((await h.api('PATCH', '/v1/workspace/settings', { key: wa.key, body: { csat: { message } } })).body.settings.csat).toEqual({ enabled: false, message });
    const enabled = await h.api('PATCH', '/v1/workspace/settings', { key: wa.key, body: { csat: { enabled: true } } });
    expect(enabled.body.settings.csat).toEqual({ enabled: true, message });

    for (const csat of [{ message: 'no link here' }, { enabled: 'yes' }, {}, { enabled: true, extra: 1 }]) {
      const res = await h.api('PATCH', '/v1/workspace/settings', { key: wa.key, body: { csat } });
      expect(res.status, JSON.stringify(csat)).toBe(400);
    }
    expect((await h.api('GET', '/v1/workspace', { key: wa.key })).body.settings.csat).toEqual({ enabled: true, message });
  });
});

describe('the rating request after a resolution', () => {
  let token = '';
  let conversationId = '';

  it('is sent once, inside the window, with an unguessable link', async () => {
    conversationId = await inbound('15553330001');
    const sent = graphAccepts('wamid.SURVEY1');
    await resolve(conversationId);

    const text = await sent;
    const request = await eventually(async () => {
      const stored = await requestOf(conversationId);
      return stored.messageId && stored;
    });
    expect(request.state).toBe('sent');
    expect(text).toMatch(/^Rate us: http:\/\/gateway\.test\/csat\/[A-Za-z0-9_-]{32} \(1-5\)$/);
    token = LINK.exec(text)?.[1] ?? '';
    expect(token).toBe(request.token);
    const [survey] = await eventually(async () => {
      const surveys = await surveysOf(conversationId);
      return surveys[0]?.status === 'accepted' && surveys;
    });
    expect(String(request.messageId)).toBe(String(survey?._id));

    // The same event handled again (a re-run events job) sends nothing more.
    const event = await h.ctx.store.events.findOne({ type: 'conversation.status_changed', conversationId, 'data.to': 'resolved' }).lean();
    if (!event) throw new Error('no status_changed event');
    await h.ctx.csat.requestAfterResolution(event);
    expect(await h.ctx.store.csatRequests.countDocuments({ conversationId })).toBe(1);
    expect(await surveysOf(conversationId)).toHaveLength(1);
    // A survey after the end is not a first response.
    expect((await h.ctx.store.conversations.findById(conversationId).lean())?.firstResponseAt).toBeUndefined();
  });

  it('is skipped, and recorded so, when the window has closed', async () => {
    const start = h.clock.now();
    const closed = await inbound('15553330002');
    h.clock.set(new Date(start.getTime() + 25 * HOUR));
    await resolve(closed);
    const request = await requestOf(closed);
    expect(request).toMatchObject({ state: 'skipped', skipReason: 'window_closed' });
    expect(request.token).toBeUndefined();
    expect(await surveysOf(closed)).toHaveLength(0);
  });

  it('is not sent where the workspace has not enabled it', async () => {
    const off = await createWhatsAppWorkspace(h);
    const conversation = await inbound('15553330003', off);
    await resolve(conversation, off.key);
    const event = await eventually(() => h.ctx.store.events.findOne({ type: 'conversation.status_changed', conversationId: conversation, 'data.to': 'resolved' }).lean());
    // Whether or not the events job has got to it yet, handling it asks nobody.
    await h.ctx.csat.requestAfterResolution(event);
    expect(await h.ctx.store.csatRequests.countDocuments({ conversationId: conversation })).toBe(0);
    expect(await surveysOf(conversation)).toHaveLength(0);
  });

  it('shows the link as open, with a form for browsers', async () => {
    const json = await h.api('GET', `/csat/${token}`);
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ state: 'open', rating: null });
    const html = await h.api('GET', `/csat/${token}`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html.body).toContain('<form method="post">');
    expect(html.body).toContain('name="rating" value="5"');
    expect((await h.api('GET', '/csat/not-a-token')).status).toBe(404);
  });

  it('refuses invalid ratings and unknown links, storing nothing', async () => {
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 'text' }, { rating: 4.5 }, { rating: true }, {}, { rating: 3, extra: 1 }, { rating: 3, comment: 'x'.repeat(2001) }]) {
      const res = await rate(token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const unknown = await rate('A'.repeat(32), { rating: 5 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect(await h.ctx.store.csatRatings.countDocuments({})).toBe(0);
  });

  it('accepts one rating per link: the same again is answered alike, another is 409', async () => {
    const first = await rate(token, { rating: 4, comment: '  Quick and kind  ' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ conversationId, rating: 4, comment: 'Quick and kind', at: h.clock.now().toISOString() });
    const again = await rate(token, { rating: 4, comment: 'Quick and kind' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await rate(token, { rating: 1 });
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('already_rated');

    const stored = await h.ctx.store.csatRatings.find({ conversationId }).lean();
    expect(stored).toHaveLength(1);
    const conversation = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(stored[0]).toMatchObject({ rating: 4, comment: 'Quick and kind' });
    for (const field of ['channelId', 'queueId'] as const) expect(String(stored[0]?.[field])).toBe(String(conversation?.[field]));
    const event = await h.ctx.store.events.findOne({ type: 'csat.received', conversationId }).lean();
    expect(event?.data).toMatchObject({ conversationId, rating: 4, comment: 'Quick and kind', channelId: wa.channelId });
    expect(await h.ctx.store.events.countDocuments({ type: 'csat.received' })).toBe(1);
    expect((await h.api('GET', `/csat/${token}`)).body).toEqual({ state: 'rated', rating: first.body });
  });

  it('lets exactly one of two concurrent different ratings win', async () => {
    const racing = await inbound('15553330004');
    const sent = graphAccepts('wamid.SURVEY4');
    await resolve(racing);
    const link = LINK.exec(await sent)?.[1] ?? '';
    const answers = await Promise.all([rate(link, { rating: 2 }), rate(link, { rating: 5 })]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await h.ctx.store.csatRatings.countDocuments({ conversationId: racing })).toBe(1);
  });

  it('takes a form post and answers with a page', async () => {
    const formed = await inbound('15553330005');
    const sent = graphAccepts('wamid.SURVEY5');
    await resolve(formed);
    const link = LINK.exec(await sent)?.[1] ?? '';
    const res = await h.api('POST', `/csat/${link}`, { body: 'rating=5&comment=Great+help', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(201);
    expect(res.body).toContain('Your rating of 5 out of 5 has been recorded.');
    expect(await h.ctx.store.csatRatings.findOne({ conversationId: formed }).lean()).toMatchObject({ rating: 5, comment: 'Great help' });
    const other = await h.api('POST', `/csat/${link}`, { body: 'rating=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('shows in analytics: ratings, their distribution and the response rate of the requests sent', async () => {
    const unrated = await inbound('15553330007');
    const sent = graphAccepts('wamid.SURVEY7');
    await resolve(unrated);
    await sent;
    const res = await h.api('GET', `/v1/analytics?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`, { key: wa.key });
    expect(res.status).toBe(200);
    // Four sent (a fifth skipped), three rated: 4, then 2 or 5 (the race), then 5.
    const race = (await h.ctx.store.csatRatings.find({ workspaceId: wa.workspaceId }).lean()).map((r) => r.rating);
    expect(race).toHaveLength(3);
    const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as Record<string, number>;
    for (const r of race) distribution[String(r)] = (distribution[String(r)] ?? 0) + 1;
    expect(res.body.csat).toEqual({
      ratings: 3,
      average: Math.round((race.reduce((a, b) => a + b, 0) / 3) * 100) / 100,
      distribution,
      requests: 4,
      responded: 3,
      responseRate: 0.75,
    });
  });
});

describe('first response time', () => {
  it('is set by the first reply to the customer and never moved by later ones', async () => {
    const start = h.clock.now();
    const conversationId = await inbound('15553330006');
    h.clock.set(new Date(start.getTime() + 90_000));
    void graphAccepts('wamid.REPLY6a');
    expect((await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: wa.key, body: { type: 'text', text: 'Hello!' } })).status).toBe(202);
    h.clock.set(new Date(start.getTime() + 300_000));
    void graphAccepts('wamid.REPLY6b');
    expect((await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: wa.key, body: { type: 'text', text: 'Anything else?' } })).status).toBe(202);
    const conversation = await h.api('GET', `/v1/conversations/${conversationId}`, { key: wa.key });
    expect(conversation.body.firstResponseAt).toBe(new Date(start.getTime() + 90_000).toISOString());
  });
});
