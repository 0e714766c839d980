import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { eventually, signMeta, type Harness, type WhatsAppFixture } from './harness.js';
import { textMessage, unix } from './whatsapp-payloads.js';

/** A customer's phone number (wa_id) no other test uses. */
export const newPhoneNumber = () => `1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;

/** Posts a signed WhatsApp Cloud webhook (an object, or a body as sent) to the fixture's channel; resolves to the raw event it was recorded as. */
export async function postWhatsAppWebhook(h: Harness, fixture: WhatsAppFixture, payload: object | string): Promise<string> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await h.api('POST', `/webhooks/whatsapp-cloud/${fixture.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, fixture.appSecret) },
  });
  expect(res.status).toBe(200);
  return `${fixture.channelId}-${createHash('sha256').update(body).digest('hex')}`;
}

export interface ReceivedText {
  conversationId: string;
  contactId: string;
  messageId: string;
  /** The provider's message id (wamid). */
  providerId: string;
}

/**
 * A customer's text through the signed webhook, at the harness clock's time. Resolves once the
 * gateway has stored it, announced it (`message.received`) and routed its conversation: the
 * background work that writes the conversation is then done, which matters because the test
 * server lets one write of a document overwrite a concurrent one.
 */
export async function receiveText(
  h: Harness,
  fixture: WhatsAppFixture,
  from: string,
  opts: { text?: string; id?: string; name?: string } = {},
): Promise<ReceivedText> {
  const id = opts.id ?? `wamid.T${randomBytes(6).toString('hex')}`;
  await postWhatsAppWebhook(h, fixture, textMessage(fixture.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: opts.text ?? 'hi', name: opts.name }));
  const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
  await eventually(() => h.ctx.store.events.exists({ type: 'message.received', 'data.message.id': String(message._id) }));
  await eventually(() => h.ctx.store.conversations.exists({ _id: message.conversationId, queueId: { $exists: true } }));
  return { conversationId: String(message.conversationId), contactId: String(message.contactId), messageId: String(message._id), providerId: id };
}

/** A second WhatsApp Cloud channel in the fixture's workspace, signed with the same app secret. */
export async function addWhatsAppChannel(h: Harness, fixture: WhatsAppFixture): Promise<WhatsAppFixture> {
  const phoneNumberId = `2${randomBytes(5).toString('hex').replace(/\D/g, '7')}`;
  const res = await h.api('POST', '/v1/channels', {
    key: fixture.key,
    body: { type: 'whatsapp-cloud', name: 'WA 2', settings: { phoneNumberId, wabaId: `waba${phoneNumberId}` }, secrets: { accessToken: 't', appSecret: fixture.appSecret, verifyToken: 'v' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...fixture, channelId: res.body.id, phoneNumberId, accessToken: 't' };
}
