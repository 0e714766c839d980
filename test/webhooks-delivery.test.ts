import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { enqueueDelivery } from '../src/webhooks/dispatcher.js';
import { HelpdeskStub, signatureMatches, type HelpdeskRequest } from './support/helpdesk-stub.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';
import { systemLookup } from '../src/webhooks/url-guard.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

let h: Harness;
const stubs: HelpdeskStub[] = [];
/** Answers the webhook guard gets for a name, one per lookup, before the system resolver's. */
const dnsAnswers = new Map<string, string[][]>();

beforeAll(async () => {
  h = await startHarness({ context: { webhookLookup: async (host) => dnsAnswers.get(host)?.shift() ?? systemLookup(host) } });
});
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.stop().catch(() => undefined)));
  await h.close();
});

async function helpdesk(): Promise<HelpdeskStub> {
  const stub = await HelpdeskStub.start();
  stubs.push(stub);
  return stub;
}

/** A subscription of `ws` pointing at `stub`, whose secret the stub then verifies with. */
async function subscribe(ws: WhatsAppFixture, stub: HelpdeskStub, events: string[], path = '/hooks') {
  const res = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: stub.url(path), events } });
  expect(res.status).toBe(201);
  stub.secrets = [res.body.secret];
  return res.body as { id: string; secret: string };
}

/** Posts an inbound WhatsApp message as Meta would. */
async function postInbound(ws: WhatsAppFixture, id: string, from: string) {
  await postWhatsAppWebhook(h, ws, textMessage(ws.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: `text of ${id}` }));
}

/**
 * An inbound message, waited for until its event is fanned out (so deliveries exist in the
 * order messages arrived); the clock then moves on a second.
 */
async function inbound(ws: WhatsAppFixture, id: string, from: string) {
  await postInbound(ws, id, from);
  await eventually(() => h.ctx.store.events.findOne({ type: 'message.received', 'data.message.providerMessageId': id, state: 'dispatched' }).lean());
  h.clock.advance(1000);
}

/** Brings every scheduled webhook attempt forward until `check` holds: the retry schedule is hours long. */
function promoteUntil<T>(check: () => Promise<T | null | undefined | false>): Promise<T> {
  return eventually(async () => {
    const delayed = await h.ctx.queues.webhooks.getDelayed();
    await Promise.all(delayed.map((job) => job.promote().catch(() => undefined)));
    return check();
  }, 20_000);
}

const providerIdOf = (r: HelpdeskRequest) => r.event.data?.message?.providerMessageId as string | undefined;

/** `rounds` messages from each contact, interleaved; the ids each contact sent, in order. */
async function inboundRounds(ws: WhatsAppFixture, tag: string, contacts: string[], rounds: number): Promise<Record<string, string[]>> {
  const sent: Record<string, string[]> = {};
  for (let m = 0; m < rounds; m++) {
    for (const from of contacts) {
      const id = `wamid.${tag}-${from}-${m}`;
      (sent[from] ??= []).push(id);
      await inbound(ws, id, from);
    }
  }
  return sent;
}

/** Each contact's messages reached the helpdesk in the order they were sent. */
function expectEachInOrder(stub: HelpdeskStub, sent: Record<string, string[]>): void {
  for (const [from, ids] of Object.entries(sent)) {
    expect([...new Set(stub.accepted.map(providerIdOf).filter((id) => id?.includes(from)))]).toEqual(ids);
  }
}
const deliveriesOf = (subscriptionId: string) => h.ctx.store.webhookDeliveries.find({ subscriptionId }).sort({ orderKey: 1 }).lean();

describe('webhook subscriptions API', () => {
  it('creates, reads, changes and lists subscriptions; validates filters and URLs', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    expect(sub.secret).toMatch(/^whsec_/);

    const got = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key });
    expect(got.body).toMatchObject({ id: sub.id, url: stub.url(), events: ['message.received'], enabled: true, failingSince: null, rotationEndsAt: null });
    expect(got.body.secret).toBeUndefined();

    const patched = await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: { events: ['*'], description: 'Zendesk' } });
    expect(patched.body).toMatchObject({ events: ['*'], description: 'Zendesk' });
    const cleared = await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: { description: null } });
    expect(cleared.body.description).toBeNull();

    expect((await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: { events: ['nope.never'] } })).body.error.code).toBe('unknown_event_type');
    expect((await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: {} })).status).toBe(400);
    const privateUrl = await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: { url: 'http://192.168.1.20/hook' } });
    expect(privateUrl.body.error.code).toBe('webhook_url_forbidden');

    await subscribe(ws, stub, ['conversation.created']);
    const first = await h.api('GET', '/v1/webhook-subscriptions?limit=1', { key: ws.key });
    expect(first.body.data).toHaveLength(1);
    const second = await h.api('GET', `/v1/webhook-subscriptions?limit=1&cursor=${first.body.nextCursor}`, { key: ws.key });
    expect(second.body.data[0].id).toBe(sub.id);
    expect(second.body.nextCursor).toBeNull();

    const other = await createWhatsAppWorkspace(h);
    expect((await h.api('GET', `/v1/webhook-subscriptions/${sub.id}`, { key: other.key })).status).toBe(404);
  });

  it('reaches private addresses only as the operator allows; a workspace narrows that, never widens it', async () => {
    // The harness's operator allowlist (WEBHOOK_ALLOWED_HOSTS) is 127.0.0.1 and localhost.
    const ws = await createWhatsAppWorkspace(h);
    const subscribeTo = (url: string) => h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url, events: ['channel.created'] } });
    const refused = await subscribeTo('http://10.20.30.40/hook');
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('webhook_url_forbidden');

    expect((await h.api('PATCH', '/v1/workspace/settings', { key: ws.key, body: { webhookAllowedHosts: ['not a host!'] } })).status).toBe(400);
    // A workspace admin naming a private range (or every address) does not open it.
    const settings = await h.api('PATCH', '/v1/workspace/settings', { key: ws.key, body: { webhookAllowedHosts: ['10.20.30.0/24', '0.0.0.0/0', '::/0'] } });
    expect(settings.status).toBe(200);
    expect((await subscribeTo('http://10.20.30.40/hook')).status).toBe(400);
    expect((await subscribeTo('http://169.254.169.254/latest/meta-data')).status).toBe(400);
    expect((await subscribeTo('http://127.0.0.1:9/hook')).status).toBe(201);

    // Its own list narrows what the operator allows: loopback is refused once the list leaves it out.
    expect((await h.api('PATCH', '/v1/workspace/settings', { key: ws.key, body: { webhookAllowedHosts: ['10.20.30.0/24'] } })).status).toBe(200);
    expect((await subscribeTo('http://127.0.0.1:9/hook')).status).toBe(400);
    // Public targets stay reachable whatever the lists say.
    expect((await subscribeTo('http://93.184.215.14/hook')).status).toBe(201);
    // Another workspace's list is not this one's.
    const other = await createWhatsAppWorkspace(h);
    expect((await h.api('POST', '/v1/webhook-subscriptions', { key: other.key, body: { url: 'http://127.0.0.1:9/hook', events: ['channel.created'] } })).status).toBe(201);
  });
});

describe('webhook delivery', () => {
  it('signs every delivery so the helpdesk verifies it, and logs each attempt', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received', 'conversation.created']);
    await inbound(ws, 'wamid.SIGN1', '15550100001');
    await eventually(async () => stub.accepted.length >= 2);
    expect(stub.rejected).toEqual([]);
    expect(stub.accepted.map((r) => r.event.type).sort()).toEqual(['conversation.created', 'message.received']);
    // Someone else's secret does not verify.
    const r = stub.accepted[0]!;
    expect(signatureMatches('whsec_' + Buffer.alloc(32, 1).toString('base64'), r.webhookId, r.timestamp, r.body, r.signatures)).toBe(false);

    const log = await eventually(async () => {
      const res = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}/deliveries?state=delivered`, { key: ws.key });
      return res.body.data.length === 2 ? res.body : null;
    });
    expect(log.data[0]).toMatchObject({ state: 'delivered', round: 0, subscriptionId: sub.id, attempts: [{ outcome: 'delivered', status: 200, round: 0 }] });
    expect(log.data[0].attempts[0].latencyMs).toBeGreaterThanOrEqual(0);
    const one = await h.api('GET', `/v1/webhook-deliveries/${log.data[0].id}`, { key: ws.key });
    expect(one.body).toEqual(log.data[0]);
    const paged = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}/deliveries?limit=1`, { key: ws.key });
    const next = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}/deliveries?limit=1&cursor=${paged.body.nextCursor}`, { key: ws.key });
    expect([paged.body.data[0].id, next.body.data[0].id].sort()).toEqual(log.data.map((d: { id: string }) => d.id).sort());
    expect((await h.api('GET', `/v1/webhook-subscriptions/${sub.id}/deliveries?state=failed`, { key: ws.key })).body.data).toEqual([]);

    const other = await createWhatsAppWorkspace(h);
    expect((await h.api('GET', `/v1/webhook-deliveries/${log.data[0].id}`, { key: other.key })).status).toBe(404);
  });

  it('loses nothing while the helpdesk is down and keeps each conversation in order', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    await stub.stop();
    const sent = await inboundRounds(ws, 'DOWN', ['15550200001', '15550200002', '15550200003'], 3);
    // Each conversation's first delivery is failing; the ones behind it have not been tried.
    const waiting = await eventually(async () => {
      const ds = await deliveriesOf(sub.id);
      return ds.length === 9 && ds.filter((d) => (d.attempts ?? []).length > 0).length === 3 ? ds : null;
    });
    for (const d of waiting.filter((d) => (d.attempts ?? []).length > 0)) {
      expect(d.state).toBe('pending');
      expect(d.attempts[0]).toMatchObject({ outcome: 'retry', error: expect.stringContaining('ECONNREFUSED') });
    }

    await stub.restart();
    await promoteUntil(async () => new Set(stub.accepted.map(providerIdOf)).size === 9);
    expect(stub.rejected).toEqual([]);
    expectEachInOrder(stub, sent);
    await eventually(async () => (await deliveriesOf(sub.id)).every((d) => d.state === 'delivered'));
  });

  it('a helpdesk that answers again gets its waiting backlog at once, each conversation still in order', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    await stub.stop();
    const sent = await inboundRounds(ws, 'BACK', ['15550210001', '15550210002'], 2);
    // Each line's head has failed twice (at once, then 5 s later): its next retry is minutes away.
    await eventually(async () => (await deliveriesOf(sub.id)).filter((d) => (d.attempts ?? []).length >= 2).length === Object.keys(sent).length);

    await stub.restart();
    // The first success after the streak (a new conversation's delivery) releases the rest now:
    // nothing here brings a scheduled attempt forward.
    await inbound(ws, 'wamid.BACK-NEW', '15550210003');
    await eventually(async () => new Set(stub.accepted.map(providerIdOf)).size === 5);
    expectEachInOrder(stub, sent);
  });

  it('picks up a conversation line again after its jobs were lost', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    await stub.stop();
    await inbound(ws, 'wamid.LOST1', '15550250001');
    await inbound(ws, 'wamid.LOST2', '15550250001');
    await eventually(async () => (await deliveriesOf(sub.id)).some((d) => (d.attempts ?? []).length > 0));
    // Redis lost every waiting job (a crash); the deliveries are still pending in MongoDB.
    await h.ctx.queues.webhooks.drain(true);
    await stub.restart();
    // What start-up recovery does for every pending delivery (src/app/recovery.ts): its current attempt's job again.
    for (const d of await deliveriesOf(sub.id)) await enqueueDelivery(h.ctx.queues, d._id, (d.attempts ?? []).length, 0);
    await promoteUntil(async () => (await deliveriesOf(sub.id)).every((d) => d.state === 'delivered'));
    expect(stub.accepted.map(providerIdOf)).toEqual(['wamid.LOST1', 'wamid.LOST2']);
  });

  it('honours 429 with Retry-After', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    stub.answer = () => (stub.requests.length === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 });
    await inbound(ws, 'wamid.SLOW1', '15550300001');
    const throttled = await eventually(async () => {
      const [d] = await deliveriesOf(sub.id);
      return d && (d.attempts ?? []).length === 1 ? d : null;
    });
    expect(throttled.attempts[0]).toMatchObject({ status: 429, outcome: 'retry' });
    expect(throttled.nextAttemptAt!.getTime() - throttled.attempts[0]!.at.getTime()).toBeGreaterThanOrEqual(120_000);
    const job = await h.ctx.queues.webhooks.getJob(`deliver-${throttled._id}-1`);
    expect(job?.opts.delay).toBeGreaterThanOrEqual(120_000);

    await promoteUntil(async () => (await h.ctx.store.webhookDeliveries.findById(throttled._id).lean())?.state === 'delivered');
    expect(stub.accepted).toHaveLength(1);
  });

  it('does not follow redirects', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    stub.answer = (r) => (r.path === '/hooks' ? { status: 302, headers: { location: stub.url('/elsewhere') } } : { status: 200 });
    await inbound(ws, 'wamid.MOVED1', '15550400001');
    const d = await eventually(async () => {
      const [first] = await deliveriesOf(sub.id);
      return first && (first.attempts ?? []).length === 1 ? first : null;
    });
    expect(d.state).toBe('pending');
    expect(d.attempts[0]).toMatchObject({ status: 302, outcome: 'retry' });
    expect(stub.requests.map((r) => r.path)).toEqual(['/hooks']);
  });

  it('refuses at connect time a name rebound to a refused address after the check: the attempt fails for good, the helpdesk never hears of it', async () => {
    const ws = await createWhatsAppWorkspace(h);
    // The operator allows loopback; this workspace narrows that away.
    expect((await h.api('PATCH', '/v1/workspace/settings', { key: ws.key, body: { webhookAllowedHosts: ['10.20.30.0/24'] } })).status).toBe(200);
    const stub = await helpdesk();
    // Public for the subscription's check and the delivery's, loopback (where the stub is) when the request connects.
    dnsAnswers.set('localhost', [['93.184.215.14'], ['93.184.215.14'], ['127.0.0.1']]);
    const res = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: stub.url().replace('127.0.0.1', 'localhost'), events: ['message.received'] } });
    expect(res.status).toBe(201);
    await inbound(ws, 'wamid.REBIND1', '15550450001');
    const [d] = await eventually(async () => {
      const ds = await deliveriesOf(res.body.id);
      return ds[0]?.state === 'failed' ? ds : null;
    });
    expect(d!.attempts).toEqual([
      expect.objectContaining({ outcome: 'failed', error: 'The webhook host localhost resolves to 127.0.0.1, which is not a public address (at connect time)' }),
    ]);
    expect(d!.nextAttemptAt).toBeUndefined();
    expect(dnsAnswers.get('localhost')).toEqual([]);
    expect(stub.requests).toEqual([]);
  });

  it('disables an endpoint answering 410 and tells the other subscriptions', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const gone = await helpdesk();
    const watcher = await helpdesk();
    const sub = await subscribe(ws, gone, ['*']);
    await subscribe(ws, watcher, ['webhook_subscription.disabled']);
    gone.answer = () => ({ status: 410 });
    await inbound(ws, 'wamid.GONE1', '15550500001');

    const notice = await eventually(async () => watcher.accepted.find((r) => r.event.type === 'webhook_subscription.disabled'));
    expect(notice.event.data).toMatchObject({ subscription: { id: sub.id, enabled: false }, reason: expect.stringContaining('410') });
    const shown = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key });
    expect(shown.body).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410'), disabledAt: expect.any(String) });
    // The disabled endpoint is not called again, not even with the news of its own disabling.
    await eventually(async () => (await deliveriesOf(sub.id)).every((d) => d.state !== 'pending'));
    expect(gone.requests.filter((r) => r.event.type === 'webhook_subscription.disabled')).toEqual([]);
    expect(watcher.accepted.filter((r) => r.event.type === 'webhook_subscription.disabled')).toHaveLength(1);

    const enabled = await h.api('PATCH', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
  });

  it('disables an endpoint after days of failures, once', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const failing = await helpdesk();
    const watcher = await helpdesk();
    const sub = await subscribe(ws, failing, ['message.received']);
    await subscribe(ws, watcher, ['webhook_subscription.disabled']);
    failing.answer = () => ({ status: 500 });
    await inbound(ws, 'wamid.FAIL1', '15550600001');
    await inbound(ws, 'wamid.FAIL2', '15550600002');
    const streak = await eventually(async () => {
      const s = await h.ctx.store.webhookSubscriptions.findById(sub.id).lean();
      return s?.failingSince ? s : null;
    });
    expect(streak.enabled).toBe(true);

    h.clock.advance(4 * DAY);
    await promoteUntil(async () => failing.requests.length >= 4);
    expect((await h.ctx.store.webhookSubscriptions.findById(sub.id).lean())?.enabled).toBe(true);

    h.clock.advance(1 * DAY + HOUR);
    await promoteUntil(async () => (await h.ctx.store.webhookSubscriptions.findById(sub.id).lean())?.enabled === false);
    const shown = await h.api('GET', `/v1/webhook-subscriptions/${sub.id}`, { key: ws.key });
    expect(shown.body.disabledReason).toMatch(/5 days/);
    await eventually(async () => watcher.accepted.length >= 1);
    await promoteUntil(async () => (await deliveriesOf(sub.id)).every((d) => d.state === 'failed'));
    expect(watcher.accepted.map((r) => r.event.type)).toEqual(['webhook_subscription.disabled']);
  });

  it('signs with the old and the new secret during a rotation, then only with the new', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    const rotated = await h.api('POST', `/v1/webhook-subscriptions/${sub.id}/rotate-secret`, { key: ws.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(Date.parse(rotated.body.rotationEndsAt) - h.clock.now().getTime()).toBe(24 * HOUR);

    // A receiver that has switched to the new secret, and one still on the old, both verify.
    stub.secrets = [rotated.body.secret];
    await inbound(ws, 'wamid.ROT1', '15550700001');
    const during = await eventually(async () => stub.accepted.find((r) => providerIdOf(r) === 'wamid.ROT1'));
    expect(during.signatures).toHaveLength(2);
    expect(signatureMatches(sub.secret, during.webhookId, during.timestamp, during.body, during.signatures)).toBe(true);

    h.clock.advance(25 * HOUR);
    await inbound(ws, 'wamid.ROT2', '15550700002');
    const after = await eventually(async () => stub.accepted.find((r) => providerIdOf(r) === 'wamid.ROT2'));
    expect(after.signatures).toHaveLength(1);
    expect(signatureMatches(sub.secret, after.webhookId, after.timestamp, after.body, after.signatures)).toBe(false);
    expect(stub.rejected).toEqual([]);
  });

  it('replays one delivery, and a time range once per request', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const stub = await helpdesk();
    const sub = await subscribe(ws, stub, ['message.received']);
    const from = h.clock.now().toISOString();
    await inbound(ws, 'wamid.REP1', '15550800001');
    await inbound(ws, 'wamid.REP2', '15550800001');
    const to = h.clock.now().toISOString();
    await inbound(ws, 'wamid.REP3', '15550800001');
    await eventually(async () => (await deliveriesOf(sub.id)).filter((d) => d.state === 'delivered').length === 3);

    const [firstDelivery] = await deliveriesOf(sub.id);
    const replay = await h.api('POST', `/v1/webhook-deliveries/${firstDelivery!._id}/replay`, { key: ws.key });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ state: 'pending', round: 1 });
    const again = await eventually(async () => {
      const d = await h.api('GET', `/v1/webhook-deliveries/${firstDelivery!._id}`, { key: ws.key });
      return d.body.state === 'delivered' ? d.body : null;
    });
    expect(again.attempts.map((a: { round: number }) => a.round)).toEqual([0, 1]);
    const sameId = stub.accepted.filter((r) => r.webhookId === firstDelivery!.eventId);
    expect(sameId).toHaveLength(2);

    stub.requests.length = 0;
    const headers = { 'idempotency-key': 'replay-range-1' };
    const range = await h.api('POST', `/v1/webhook-subscriptions/${sub.id}/replay`, { key: ws.key, body: { from, to }, headers });
    expect(range.status).toBe(202);
    expect(range.body.deliveries).toBe(2);
    const repeated = await h.api('POST', `/v1/webhook-subscriptions/${sub.id}/replay`, { key: ws.key, body: { from, to }, headers });
    expect(repeated.body).toEqual(range.body);
    await eventually(async () => stub.accepted.length >= 2);
    await eventually(async () => (await deliveriesOf(sub.id)).filter((d) => d.replayId === range.body.replayId && d.state === 'delivered').length === 2);
    expect(stub.accepted.map(providerIdOf)).toEqual(['wamid.REP1', 'wamid.REP2']);
    expect((await deliveriesOf(sub.id)).filter((d) => d.replayId)).toHaveLength(2);

    const bad = await h.api('POST', `/v1/webhook-subscriptions/${sub.id}/replay`, { key: ws.key, body: { from: to, to: from } });
    expect(bad.status).toBe(400);
  });

  it('a hanging helpdesk holds a few workers at most and does not delay another subscription', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const hanging = await helpdesk();
    const healthy = await helpdesk();
    const stuck = await subscribe(ws, hanging, ['message.received']);
    await subscribe(ws, healthy, ['message.received']);
    hanging.answer = () => 'hang';
    // More conversations than webhook workers: without a per-endpoint limit they would all hang.
    const ids = Array.from({ length: 20 }, (_, i) => `wamid.HANG${i}`);
    await Promise.all(ids.map((id, i) => postInbound(ws, id, `1555090${String(i).padStart(4, '0')}`)));
    await eventually(async () => new Set(healthy.accepted.map(providerIdOf)).size === 20, 30_000);
    // All of it arrived while the hanging requests were still open, not after they timed out.
    const attempts = (await deliveriesOf(stuck.id)).flatMap((d) => d.attempts ?? []);
    expect(attempts.filter((a) => a.error?.includes('timeout'))).toEqual([]);
    expect(hanging.maxOpen).toBeGreaterThan(0);
    expect(hanging.maxOpen).toBeLessThanOrEqual(4); // WEBHOOK_MAX_IN_FLIGHT's default

    hanging.answer = () => ({ status: 200 });
    hanging.releaseHung();
    await promoteUntil(async () => new Set(hanging.accepted.map(providerIdOf)).size === 20);
    expect([...new Set(hanging.accepted.map(providerIdOf))].sort()).toEqual([...ids].sort());
  });
});
