import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperationsApp } from '../src/http/operations-app.js';
import { HelpdeskStub } from './support/helpdesk-stub.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

let h: Harness;
let wa: WhatsAppFixture;
let helpdesk: HelpdeskStub;

useProviderStandIns();
beforeAll(async () => {
  helpdesk = await HelpdeskStub.start();
  h = await startHarness({ config: { METRICS_TOKEN } });
  wa = await createWhatsAppWorkspace(h);
  const subscription = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url(), events: ['message.received'] } });
  helpdesk.secrets = [subscription.body.secret];
});
afterAll(async () => {
  await h?.close();
  await helpdesk?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample, by its exact name and labels as exposed. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('refuses a scrape without the token when METRICS_TOKEN is set', async () => {
    expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('counts a message through ingest, delivery to the helpdesk and the reply sent, with queue depths read on scrape', async () => {
    const body = JSON.stringify(textMessage(wa.phoneNumberId, { id: 'wamid.METRICS1', from: '15557770001', timestamp: unix(h.clock.now()), text: 'hello' }));
    const webhook = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
    });
    expect(webhook.status).toBe(200);
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'wamid.METRICS1' }).lean());
    await eventually(async () => helpdesk.accepted.length === 1);

    const graph = () => nock(GRAPH_BASE_URL).post(`/v23.0/${wa.phoneNumberId}/messages`);
    graph().reply(200, { messages: [{ id: 'wamid.METRICS-OUT' }] });
    const reply = await h.api('POST', `/v1/conversations/${String(message.conversationId)}/messages`, { key: wa.key, body: { type: 'text', text: 'hi!' } });
    expect(reply.status).toBe(202);
    await eventually(async () => (await h.ctx.store.messages.findById(reply.body.id).lean())?.status === 'accepted');
    graph().reply(400, { error: { message: 'Message undeliverable', type: 'OAuthException', code: 131026 } });
    const undeliverable = await h.api('POST', `/v1/conversations/${String(message.conversationId)}/messages`, { key: wa.key, body: { type: 'text', text: 'again' } });
    await eventually(async () => (await h.ctx.store.messages.findById(undeliverable.body.id).lean())?.status === 'failed');

    const metrics = await eventually(async () => {
      const text = await scrape();
      return sample(text, 'omnigate_webhook_attempts_total{outcome="delivered"}') === 1 ? text : null;
    });
    expect(sample(metrics, 'omnigate_ingested_events_total{channel_type="whatsapp-cloud",kind="message"}')).toBe(1);
    expect(sample(metrics, 'omnigate_ingest_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'omnigate_webhook_delivery_lag_seconds_count')).toBe(1);
    expect(sample(metrics, 'omnigate_sends_total{channel_type="whatsapp-cloud",result="accepted",code=""}')).toBe(1);
    expect(sample(metrics, 'omnigate_sends_total{channel_type="whatsapp-cloud",result="failed",code="131026"}')).toBe(1);
    for (const queue of ['inbound', 'send', 'events', 'webhooks', 'media', 'timers']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(metrics, `omnigate_queue_jobs{queue="${queue}",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }
    expect(metrics).toContain('process_cpu_seconds_total');
  });

  it('is served with the health checks by a worker-only process, and nothing else is', async () => {
    const server = createOperationsApp(h.ctx).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(await scraped.text()).toContain('omnigate_queue_jobs{queue="send",state="waiting"}');
      expect((await fetch(`${base}/v1/conversations`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
