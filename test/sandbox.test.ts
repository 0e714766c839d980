import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../sandbox/load.js';
import type { PhoneMessage } from '../sandbox/view.js';
import { eventually } from './support/harness.js';
import { agentReplies, conversationWith, messageReaching, startSandboxGateway, type SandboxGateway } from './support/sandbox-gateway.js';

/**
 * The provider sandbox against a whole gateway: the gateway's Graph and Twilio base URLs point
 * at the sandbox, whose customers write through signed webhooks and whose phones receive what
 * agents answer, with the statuses the sandbox reports back; its email channel watches the
 * sandbox's mailbox over IMAP and sends through its SMTP server; the sandbox's helpdesk inbox is
 * subscribed to the gateway's webhooks.
 */

let g: SandboxGateway;

beforeAll(async () => {
  g = await startSandboxGateway();
});

afterAll(async () => {
  await g?.close();
});

/** The customer writes; resolves to the gateway's conversation once the message is in it. */
async function customerWrites(customerId: string, text: string): Promise<string> {
  const written = await g.client.say(customerId, text);
  expect(written.gateway).toEqual({ status: 200 });
  return conversationWith(g, (await g.client.customer(customerId)).type, text);
}

/** The business message with this text on the customer's phone, once `done` holds for it. */
function onPhone(customerId: string, text: string, done: (m: PhoneMessage) => boolean): Promise<PhoneMessage> {
  return eventually(async () => (await g.client.customer(customerId)).messages.find((m) => m.from === 'business' && m.text === text && m.status !== 'failed' && done(m)));
}

/** The failed message's error, as the gateway recorded it. */
async function failureOf(messageId: string) {
  return (await messageReaching(g, messageId, 'failed')).error;
}

describe('the provider sandbox drives the gateway end to end', () => {
  it('WhatsApp Cloud: the customer writes, the agent answers, the phone shows the reply through sent, delivered and read', async () => {
    const conversationId = await customerWrites('ana', 'Where is my order?');
    const messageId = await agentReplies(g, conversationId, 'It ships today!');

    // Delivered, and the gateway has answered the callback that said so.
    const delivered = await onPhone('ana', 'It ships today!', (m) => m.status === 'delivered' && m.steps!.at(-1)!.gateway !== undefined);
    expect(delivered.steps!.map((s) => s.status)).toEqual(['accepted', 'sent', 'delivered']);
    expect(delivered.steps!.slice(1).map((s) => s.gateway)).toEqual([{ status: 200 }, { status: 200 }]);
    expect(delivered.wire).toMatchObject({ messaging_product: 'whatsapp', to: '15551230001', type: 'text', text: { body: 'It ships today!' } });
    await messageReaching(g, messageId, 'delivered');

    expect(await g.client.read('ana')).toBe(1);
    const read = await messageReaching(g, messageId, 'read');
    expect(read).toMatchObject({ providerMessageId: delivered.id, error: null });
    expect(read.deliveredAt && read.readAt).toBeTruthy();

    // The helpdesk inbox got the customer's message and the reply's statuses, each signed.
    const deliveries = await eventually(async () => {
      const { helpdesk } = await g.client.state();
      const seen = helpdesk.deliveries.map((d) => `${d.type} ${d.summary}`);
      return seen.includes('message.status_updated outbound read: It ships today!') && seen;
    });
    expect(deliveries).toEqual(expect.arrayContaining(['message.received inbound received: Where is my order?', 'message.sent outbound accepted: It ships today!']));
    // (The channels' own events may reach the inbox before it was given the secret.)
    const messageDeliveries = (await g.client.state()).helpdesk.deliveries.filter((d) => d.type.startsWith('message.'));
    expect(messageDeliveries.every((d) => d.verified === true)).toBe(true);
  });

  it('WhatsApp Cloud: failures on demand end the message failed with the provider code, a rate limit is retried', async () => {
    const conversationId = await customerWrites('ana', 'Are you there?');

    await g.client.failNext('ana', 'undeliverable');
    const lost = await agentReplies(g, conversationId, 'This one is lost');
    expect(await failureOf(lost)).toMatchObject({ code: '131026' });
    expect((await messageReaching(g, lost, 'failed')).acceptedAt).toBeTruthy();

    await g.client.failNext('ana', 'not-allowed');
    const refused = await agentReplies(g, conversationId, 'This one is refused');
    expect(await failureOf(refused)).toMatchObject({ code: '131030' });
    expect((await messageReaching(g, refused, 'failed')).acceptedAt).toBeNull();

    await g.client.failNext('ana', 'rate-limited');
    const retried = await agentReplies(g, conversationId, 'This one is retried');
    await onPhone('ana', 'This one is retried', (m) => m.status === 'delivered');
    await messageReaching(g, retried, 'delivered');

    const failedOnPhone = (await g.client.customer('ana')).messages.filter((m) => m.from === 'business' && m.status === 'failed');
    expect(failedOnPhone.map((m) => [m.text, m.error?.code])).toEqual([
      ['This one is lost', '131026'],
      ['This one is refused', '131030'],
      ['This one is retried', '130429'],
    ]);
  });

  it('WhatsApp through Twilio: signed form webhooks both ways, statuses from the StatusCallback, failures with Twilio codes', async () => {
    const conversationId = await customerWrites('kerry', 'Hi, is my order on its way?');
    const messageId = await agentReplies(g, conversationId, 'Yes, tomorrow.');
    const delivered = await onPhone('kerry', 'Yes, tomorrow.', (m) => m.status === 'delivered');
    expect(delivered.steps!.map((s) => s.status)).toEqual(['accepted', 'sent', 'delivered']);
    expect(delivered.wire).toMatchObject({ To: 'whatsapp:+16505551234', From: 'whatsapp:+14155238886', Body: 'Yes, tomorrow.' });
    expect(await g.client.read('kerry')).toBe(1);
    await messageReaching(g, messageId, 'read');

    await g.client.failNext('kerry', 'undelivered');
    expect(await failureOf(await agentReplies(g, conversationId, 'Lost on the way'))).toMatchObject({ code: '63024' });
  });

  it('Messenger: the Send API takes the reply as sent, delivery and read come as watermarks', async () => {
    const conversationId = await customerWrites('sam', 'Do you ship to Lisbon?');
    const messageId = await agentReplies(g, conversationId, 'We do.');
    const delivered = await onPhone('sam', 'We do.', (m) => m.status === 'delivered');
    expect(delivered.steps!.map((s) => s.status)).toEqual(['sent', 'delivered']);
    expect(delivered.wire).toMatchObject({ recipient: { id: '6934512283318745' }, messaging_type: 'RESPONSE', message: { text: 'We do.' } });
    await messageReaching(g, messageId, 'delivered');
    expect(await g.client.read('sam')).toBe(1);
    await messageReaching(g, messageId, 'read');

    await g.client.failNext('sam', 'unavailable');
    expect(await failureOf(await agentReplies(g, conversationId, 'Nobody there'))).toMatchObject({ code: '551/1545041' });
  });

  it('WhatsApp Cloud templates: the shipped ones are approved at the provider, and the phone shows one rendered', async () => {
    const channelId = g.channelIds.get('whatsapp-cloud')!;
    const synced = await g.h.api('POST', `/v1/channels/${channelId}/templates/sync`, { key: g.key });
    expect(synced.body.synced).toBeGreaterThan(0);
    const conversationId = await customerWrites('ana', 'Any news on 1234?');
    const res = await g.h.api('POST', `/v1/conversations/${conversationId}/messages`, {
      key: g.key,
      headers: { 'idempotency-key': 'template-1' },
      body: {
        type: 'template',
        template: {
          name: 'order_update',
          language: 'en',
          components: [
            { type: 'header', parameters: [{ type: 'text', text: '1234' }] },
            { type: 'body', parameters: ['Ana', '1234', 'on its way'].map((text) => ({ type: 'text', text })) },
            { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'text', text: '1234' }] },
          ],
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const shown = '*Order 1234*\nHi Ana, your order 1234 is now on its way. Reply here if you have any questions.\nSent by Omnigate demo\n[Track order]';
    await onPhone('ana', shown, (m) => m.status === 'delivered');
    await messageReaching(g, res.body.id, 'delivered');
  });

  it('Email: the customer mails the business INBOX, the gateway fetches it over IMAP, the answer arrives over SMTP in the thread', async () => {
    const written = await g.client.say('casey', 'My parcel has not arrived.', { subject: 'Order 42' });
    expect(written.mail).toMatchObject({ subject: 'Order 42', from: 'casey@example.net', to: 'support@shop.sandbox.test', references: [] });
    const conversationId = await conversationWith(g, 'email', 'My parcel has not arrived.');
    await eventually(async () => (await g.client.customer('casey')).messages.find((m) => m.id === written.id)?.fetchedAt);

    const replyId = await agentReplies(g, conversationId, 'It left our warehouse today.');
    const reply = await onPhone('casey', 'It left our warehouse today.', (m) => m.status === 'delivered');
    expect(reply.mail).toMatchObject({
      subject: 'Re: Order 42',
      to: 'casey@example.net',
      inReplyTo: written.mail!.messageId,
      references: [written.mail!.messageId],
      thread: written.mail!.thread,
    });
    expect(reply.wire).toMatch(/^From: Sandbox Shop <support@shop\.sandbox\.test>\r$/m);
    expect((await messageReaching(g, replyId, 'sent')).providerMessageId).toBe(reply.mail!.messageId);
    // The gateway's copy of its mail is in the mailbox's Sent folder.
    await eventually(async () => (await g.client.state()).accounts.find((a) => a.type === 'email')!.mailbox!.folders.some((f) => f.name === 'Sent' && f.messages > 0));

    // Casey answers the reply: the same thread, the same conversation.
    const answer = await g.client.say('casey', 'Thanks! Is there a tracking number?');
    expect(answer.mail).toMatchObject({ subject: 'Re: Order 42', inReplyTo: reply.mail!.messageId, references: [written.mail!.messageId, reply.mail!.messageId], thread: written.mail!.thread });
    expect(await conversationWith(g, 'email', 'Thanks! Is there a tracking number?')).toBe(conversationId);
  });

  it('Email: failures on demand: a refused recipient fails for good, greylisting is retried, a bounce comes back as a delivery report', async () => {
    await g.client.say('casey', 'Can I return the blue one?', { subject: 'Returns' });
    const conversationId = await conversationWith(g, 'email', 'Can I return the blue one?');

    await g.client.failNext('casey', 'unknown-recipient');
    expect(await failureOf(await agentReplies(g, conversationId, 'Refused at the door'))).toMatchObject({ code: '550' });

    await g.client.failNext('casey', 'greylisted');
    const retried = await agentReplies(g, conversationId, 'Deferred once');
    await onPhone('casey', 'Deferred once', (m) => m.status === 'delivered');
    await messageReaching(g, retried, 'sent');

    await g.client.failNext('casey', 'bounce');
    expect(await failureOf(await agentReplies(g, conversationId, 'Bounced back'))).toMatchObject({ code: '5.1.1' });
  });

  it('drives load: customers write at a steady rate, and every message reaches the helpdesk inbox', async () => {
    const report = await runLoad(g.client, { type: 'whatsapp-cloud', customers: 3, rate: 20, seconds: 1, drainSeconds: 45 });
    expect(report).toMatchObject({ sent: 20, accepted: 20, helpdeskMs: { missing: 0 } });
  });
});
