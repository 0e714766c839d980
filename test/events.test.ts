import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/webhooks/signature.js';
import { createWhatsAppWorkspace, eventually, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A helpdesk stand-in on loopback that can be told to fail. */
function startHelpdesk() {
  const received: Received[] = [];
  let answer = 200;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (answer === 200) received.push({ headers: req.headers, body });
      res.writeHead(answer).end();
    });
  });
  return new Promise<{ url: string; received: Received[]; setAnswer: (s: number) => void; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        received,
        setAnswer: (s) => (answer = s),
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

let h: Harness;
let wa: WhatsAppFixture;
let helpdesk: Awaited<ReturnType<typeof startHelpdesk>>;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
  helpdesk = await startHelpdesk();
});
afterAll(async () => {
  await helpdesk.close();
  await h.close();
});

async function inbound(id: string, from: string) {
  const body = JSON.stringify(textMessage(wa.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: `text of ${id}` }));
  const res = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
  });
  expect(res.status).toBe(200);
}

describe('helpdesk webhooks', () => {
  it('delivers signed Standard Webhooks a receiver can verify', async () => {
    const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url, events: ['message.received', 'conversation.created'] } });
    expect(sub.status).toBe(201);
    expect(sub.body.secret).toMatch(/^whsec_/);

    await inbound('wamid.HOOK1', '15553330001');
    await eventually(async () => helpdesk.received.length >= 2);
    const types = helpdesk.received.map((r) => JSON.parse(r.body).type).sort();
    expect(types).toEqual(['conversation.created', 'message.received']);
    for (const r of helpdesk.received) {
      expect(verifyWebhook({ headers: r.headers, body: r.body, secret: sub.body.secret })).toBe(true);
      expect(verifyWebhook({ headers: r.headers, body: r.body, secret: 'whsec_' + Buffer.alloc(32).toString('base64') })).toBe(false);
    }
    const message = JSON.parse(helpdesk.received.find((r) => JSON.parse(r.body).type === 'message.received')!.body);
    expect(message.data.message).toMatchObject({ providerMessageId: 'wamid.HOOK1', content: { type: 'text', text: 'text of wamid.HOOK1' } });

    const log = await h.api('GET', `/v1/webhook-subscriptions/${sub.body.id}/deliveries`, { key: wa.key });
    expect(log.body.data.every((d: { state: string }) => d.state === 'delivered')).toBe(true);
    await h.api('DELETE', `/v1/webhook-subscriptions/${sub.body.id}`, { key: wa.key });
  });

  it('keeps failed deliveries and delivers them once the helpdesk is back', async () => {
    helpdesk.received.length = 0;
    const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url, events: ['message.received'] } });
    helpdesk.setAnswer(503);
    await inbound('wamid.HOOK2', '15553330002');
    const delivery = await eventually(async () => {
      const d = await h.ctx.store.webhookDeliveries.findOne({ subscriptionId: sub.body.id }).lean();
      return d && d.attempts.length >= 1 ? d : null;
    });
    expect(delivery.state).toBe('pending');
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'retry', status: 503 });

    helpdesk.setAnswer(200);
    // The next attempt is a delayed job; bring it forward instead of waiting the schedule out.
    const delayed = await h.ctx.queues.webhooks.getDelayed();
    await Promise.all(delayed.map((job) => job.promote()));
    await eventually(async () => helpdesk.received.some((r) => JSON.parse(r.body).data.message.providerMessageId === 'wamid.HOOK2'));
    await eventually(async () => (await h.ctx.store.webhookDeliveries.findById(delivery._id).lean())?.state === 'delivered');
    await h.api('DELETE', `/v1/webhook-subscriptions/${sub.body.id}`, { key: wa.key });
  });

  it('disables a subscription whose endpoint answers 410', async () => {
    const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url, events: ['message.received'] } });
    helpdesk.setAnswer(410);
    await inbound('wamid.HOOK3', '15553330003');
    await eventually(async () => (await h.ctx.store.webhookSubscriptions.findById(sub.body.id).lean())?.enabled === false);
    const listed = await h.api('GET', '/v1/webhook-subscriptions', { key: wa.key });
    expect(listed.body.data.find((s: { id: string }) => s.id === sub.body.id)).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    helpdesk.setAnswer(200);
  });

  it('refuses private and loopback URLs that are not allowlisted', async () => {
    const res = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: 'http://10.1.2.3/hook' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('webhook_url_forbidden');
  });
});
