import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { HelpdeskStub } from './support/helpdesk-stub.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let wa: WhatsAppFixture;
let helpdesk: HelpdeskStub;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
  helpdesk = await HelpdeskStub.start();
});
afterAll(async () => {
  await helpdesk.stop();
  await h.close();
});

async function inbound(id: string, from: string) {
  await postWhatsAppWebhook(h, wa, textMessage(wa.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: `text of ${id}` }));
}

// Delivery itself (order, retries, 410, rotation, replay, isolation) is in webhooks-delivery.test.ts.
describe('helpdesk webhooks', () => {
  it('fans domain events out as signed Standard Webhooks a receiver can verify', async () => {
    const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url(), events: ['message.received', 'conversation.created'] } });
    expect(sub.status).toBe(201);
    helpdesk.secrets = [sub.body.secret];

    await inbound('wamid.HOOK1', '15553330001');
    await eventually(async () => helpdesk.accepted.length >= 2);
    expect(helpdesk.rejected).toEqual([]);
    expect(helpdesk.accepted.map((r) => r.event.type).sort()).toEqual(['conversation.created', 'message.received']);
    const message = helpdesk.accepted.find((r) => r.event.type === 'message.received')!;
    // The event id is the webhook-id, so a receiver dedupes retries by it.
    expect(message.webhookId).toMatch(/^message_received-/);
    expect(message.event.data.message).toMatchObject({ providerMessageId: 'wamid.HOOK1', content: { type: 'text', text: 'text of wamid.HOOK1' } });
    await h.api('DELETE', `/v1/webhook-subscriptions/${sub.body.id}`, { key: wa.key });
  });

  it('keeps failed deliveries and delivers them once the helpdesk is back', async () => {
    const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: wa.key, body: { url: helpdesk.url(), events: ['message.received'] } });
    helpdesk.secrets = [sub.body.secret];
    helpdesk.answer = () => ({ status: 503 });
    await inbound('wamid.HOOK2', '15553330002');
    const delivery = await eventually(async () => {
      const d = await h.ctx.store.webhookDeliveries.findOne({ subscriptionId: sub.body.id }).lean();
      return d && (d.attempts ?? []).length >= 1 ? d : null;
    });
    expect(delivery.state).toBe('pending');
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'retry', status: 503 });

    helpdesk.answer = () => ({ status: 200 });
    // The next attempt is a delayed job; bring it forward instead of waiting the schedule out.
    const delayed = await h.ctx.queues.webhooks.getDelayed();
    await Promise.all(delayed.map((job) => job.promote()));
    await eventually(async () => helpdesk.accepted.some((r) => r.event.data.message?.providerMessageId === 'wamid.HOOK2'));
    await eventually(async () => (await h.ctx.store.webhookDeliveries.findById(delivery._id).lean())?.state === 'delivered');
    await h.api('DELETE', `/v1/webhook-subscriptions/${sub.body.id}`, { key: wa.key });
  });
});
